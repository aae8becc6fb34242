"""Vectorized checks for each data type of the standard.

Every rule takes the cell text (trimmed, empty cells as null) and returns the canonical value,
an error code (null when the cell is valid) and optionally a JSON detail for the message. All
work is done in Polars expressions, so a million rows are checked without a Python loop.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from satudata.reference.lookups import CodeListLookup, RegionLookup
from satudata.validation.specs import VariableSpec

EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_EXACT_FLOAT = 2**53


@dataclass
class RuleContext:
    today: dt.date
    regions: RegionLookup | None
    code_lists: dict[str, CodeListLookup | None]
    # Regions a regional producer covers (dotted codes); businesses elsewhere are rejected.
    producer_regions: tuple[str, ...] = ()
    producer_scope_label: str = ""
    # KBLI categories (letters) or divisions (two digits) a sector-scoped producer covers.
    producer_sectors: tuple[str, ...] = ()


@dataclass
class RuleOutput:
    value: pl.Expr
    error: pl.Expr
    detail: pl.Expr | None = None


def _first_error(*pairs: tuple[pl.Expr, str]) -> pl.Expr:
    """The code of the first failing condition, or null."""
    expr: Any = pl
    for condition, code in pairs:
        expr = expr.when(condition).then(pl.lit(code))
    return expr.otherwise(pl.lit(None, dtype=pl.String))


def _lit_detail(detail: dict[str, Any]) -> pl.Expr:
    return pl.lit(json.dumps(detail, ensure_ascii=False))


SCIENTIFIC = r"^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+$"
SEPARATORS = r"[\s.\-]"


def _digits_only(raw: pl.Expr) -> pl.Expr:
    return raw.str.replace_all(SEPARATORS, "")


# --- text -------------------------------------------------------------------------------------------

def text_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    value = raw.str.replace_all(r"\s+", " ")
    max_length = int(spec.domain.get("max_length", 500))
    error = _first_error((value.str.len_chars() > max_length, "too_long"))
    return RuleOutput(value, error, _lit_detail({"max_length": max_length}))


# --- identifiers ------------------------------------------------------------------------------------

def _identifier_rule(raw: pl.Expr, numeric: pl.Expr, length: int, prefix: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    digits = _digits_only(raw)
    well_formed = digits.str.contains(f"^[0-9]{{{length}}}$")
    scientific = raw.str.contains(SCIENTIFIC)
    # A number cell of a workbook is a double: exact only below 2**53, and Excel itself keeps
    # 15 significant digits, so a 16th digit typed into a number cell comes back as 0.
    damaged_number = numeric & (
        (digits.cast(pl.Float64, strict=False) >= MAX_EXACT_FLOAT)
        | ((length >= 16) & digits.str.ends_with("0"))
    )
    error = _first_error(
        (scientific, "excel_scientific"),
        (~well_formed, f"{prefix}.format"),
        (damaged_number, "excel_number"),
    )
    return digits, well_formed, error


def nib_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    digits, _well_formed, error = _identifier_rule(raw, numeric, 13, "nib")
    return RuleOutput(digits, error, pl.lit(json.dumps({"digits": 13})))


def nik_parts(digits: pl.Expr) -> dict[str, pl.Expr]:
    """Split a 16-digit NIK into its parts: region, day (+40 for women), month, year, serial."""
    day = digits.str.slice(6, 2).cast(pl.Int32, strict=False)
    return {
        "province": digits.str.slice(0, 2),
        "district": pl.concat_str(
            [digits.str.slice(0, 2), digits.str.slice(2, 2), digits.str.slice(4, 2)], separator="."
        ),
        "day": day,
        "female": day > 40,
        "birth_day": pl.when(day > 40).then(day - 40).otherwise(day),
        "month": digits.str.slice(8, 2).cast(pl.Int32, strict=False),
        "yy": digits.str.slice(10, 2).cast(pl.Int32, strict=False),
        "serial": digits.str.slice(12, 4),
    }


def _days_in_month(month: pl.Expr, leap_possible: pl.Expr) -> pl.Expr:
    return (
        pl.when(month == 2).then(pl.when(leap_possible).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11])).then(30)
        .otherwise(31)
    )


def nik_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    digits, well_formed, format_error = _identifier_rule(raw, numeric, 16, "nik")
    parts = nik_parts(digits)
    regions = ctx.regions
    if regions is not None:
        province_ok = parts["province"].is_in(regions.nik_provinces.implode())
        district_ok = parts["district"].is_in(regions.nik_districts.implode())
    else:
        province_ok = district_ok = pl.lit(True)
    day, month, yy = parts["birth_day"], parts["month"], parts["yy"]
    # The century is not in the NIK: 29 February is accepted when either century has it.
    leap_possible = (yy % 4) == 0
    date_ok = (
        month.is_between(1, 12)
        & (day >= 1)
        & (day <= _days_in_month(month, leap_possible))
    )
    error = (
        pl.when(format_error.is_not_null()).then(format_error)
        .when(~province_ok).then(pl.lit("nik.province_unknown"))
        .when(~district_ok).then(pl.lit("nik.district_unknown"))
        .when(~date_ok.fill_null(False)).then(pl.lit("nik.birth_date_invalid"))
        .when(parts["serial"] == "0000").then(pl.lit("nik.serial_zero"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return RuleOutput(digits, error, pl.lit(json.dumps({"digits": 16})))


def phone_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    """Normalize to +62…, following the rules of lokal-id's ``parse_phone``."""
    clean = raw.str.replace_all(r"[\s().\-]", "")
    rest = (
        pl.when(clean.str.starts_with("+62")).then(clean.str.slice(3))
        .when(clean.str.starts_with("62") & (clean.str.len_chars() >= 10)).then(clean.str.slice(2))
        .when(clean.str.starts_with("0")).then(clean.str.slice(1))
        .when(clean.str.starts_with("8")).then(clean)
        .otherwise(pl.lit(None, dtype=pl.String))
    ).str.replace(r"^0+", "")
    length = rest.str.len_chars()
    digits_ok = rest.str.contains(r"^[0-9]+$")
    mobile_ok = rest.str.starts_with("8") & length.is_between(9, 12)
    landline_ok = rest.str.contains(r"^[2345679]") & length.is_between(7, 11)
    valid = digits_ok & (mobile_ok | landline_ok)
    error = _first_error((~valid.fill_null(False), "phone.invalid"))
    return RuleOutput(pl.concat_str([pl.lit("+62"), rest]), error)


def email_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    value = raw.str.to_lowercase()
    pattern = r"^[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$"
    max_length = int(spec.domain.get("max_length", 254))
    error = _first_error(
        (~value.str.contains(pattern), "email.invalid"),
        (value.str.len_chars() > max_length, "too_long"),
    )
    return RuleOutput(value, error, _lit_detail({"max_length": max_length}))


def rt_rw_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    digits = raw.str.replace(r"(?i)^(rt|rw)\.?\s*", "").str.replace(r"\.0$", "")
    valid = digits.str.contains(r"^[0-9]{1,3}$")
    error = _first_error((~valid, "rt_rw.invalid"))
    return RuleOutput(digits.str.zfill(3), error)


# --- numbers ----------------------------------------------------------------------------------------

_UNITS = {
    "rb": 1e3, "ribu": 1e3, "k": 1e3,
    "jt": 1e6, "juta": 1e6,
    "m": 1e9, "miliar": 1e9, "milyar": 1e9, "mil": 1e9,
    "t": 1e12, "triliun": 1e12,
}
_UNIT_PATTERN = r"(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")"


def parse_number(raw: pl.Expr, *, allow_units: bool, numeric: pl.Expr | None = None) -> tuple[pl.Expr, pl.Expr]:
    """Parse Indonesian notation (1.500.000,50) and plain machine notation (1500000.50).

    Returns ``(value, ambiguous)``: value is null when the text is not a number; ambiguous is
    true for ``1,500``, which is 1.5 in Indonesian notation and 1500 in English notation.
    A dot followed by exactly three digits is a thousands separator, as Indonesian writes it.
    Cells that a workbook stored as numbers (``numeric``) are taken as they are.
    """
    text = raw.str.to_lowercase().str.replace(r"^(rp\.?|idr)\s*", "").str.strip_chars()
    negative = text.str.starts_with("-")
    text = text.str.strip_chars_start("-").str.strip_chars()
    if allow_units:
        unit = text.str.extract(r"^[0-9.,]+\s*(" + _UNIT_PATTERN + r")\.?$", 1)
        number = pl.when(unit.is_not_null()).then(text.str.extract(r"^([0-9.,]+)", 1)).otherwise(text)
        factor = unit.replace_strict(list(_UNITS), list(_UNITS.values()), default=1.0, return_dtype=pl.Float64)
    else:
        number, factor = text, pl.lit(1.0)
    plain = number.str.contains(r"^[0-9]+$")
    id_thousands = number.str.contains(r"^[0-9]{1,3}(\.[0-9]{3})+$")
    id_decimal = number.str.contains(r"^[0-9]{1,3}(\.[0-9]{3})*,[0-9]+$") | number.str.contains(r"^[0-9]+,[0-9]+$")
    en_thousands = number.str.contains(r"^[0-9]{1,3}(,[0-9]{3}){2,}(\.[0-9]+)?$") | number.str.contains(
        r"^[0-9]{1,3}(,[0-9]{3})+\.[0-9]+$"
    )
    machine_decimal = number.str.contains(r"^[0-9]*\.[0-9]+$") & ~id_thousands
    ambiguous = number.str.contains(r"^[0-9]{1,3},[0-9]{3}$")
    canonical = (
        pl.when(ambiguous).then(pl.lit(None, dtype=pl.String))
        .when(plain | machine_decimal).then(number)
        .when(id_thousands).then(number.str.replace_all(r"\.", ""))
        .when(id_decimal).then(number.str.replace_all(r"\.", "").str.replace(",", ".", literal=True))
        .when(en_thousands).then(number.str.replace_all(",", "", literal=True))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    value = canonical.cast(pl.Float64, strict=False) * factor
    value = pl.when(negative).then(-value).otherwise(value)
    if numeric is not None:
        value = pl.when(numeric).then(raw.cast(pl.Float64, strict=False)).otherwise(value)
        ambiguous = ambiguous & ~numeric
    return value, ambiguous.fill_null(False)


def _range_error(value: pl.Expr, spec: VariableSpec) -> list[tuple[pl.Expr, str]]:
    checks: list[tuple[pl.Expr, str]] = []
    if "minimum" in spec.domain:
        checks.append((value < spec.domain["minimum"], "number.below_minimum"))
    if "maximum" in spec.domain:
        checks.append((value > spec.domain["maximum"], "number.above_maximum"))
    return checks


def _range_detail(spec: VariableSpec) -> pl.Expr:
    return _lit_detail({k: spec.domain[k] for k in ("minimum", "maximum") if k in spec.domain})


def money_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    value, ambiguous = parse_number(raw, allow_units=True, numeric=numeric)
    error = _first_error(
        (ambiguous, "number.ambiguous"),
        (value.is_null(), "number.invalid"),
        *_range_error(value, spec),
    )
    return RuleOutput(value, error, _range_detail(spec))


def decimal_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    value, ambiguous = parse_number(raw, allow_units=False, numeric=numeric)
    error = _first_error(
        (ambiguous, "number.ambiguous"),
        (value.is_null(), "number.invalid"),
        *_range_error(value, spec),
    )
    return RuleOutput(value, error, _range_detail(spec))


def integer_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    value, ambiguous = parse_number(raw, allow_units=False, numeric=numeric)
    whole = value.round(0) == value
    error = _first_error(
        (ambiguous, "number.ambiguous"),
        (value.is_null(), "number.invalid"),
        (~whole, "number.not_integer"),
        *_range_error(value, spec),
    )
    return RuleOutput(value.cast(pl.Int64, strict=False), error, _range_detail(spec))


def coordinate_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    # Coordinates are written with a decimal point by GPS apps; a decimal comma is accepted too.
    text = raw.str.replace(",", ".", literal=True)
    value = pl.when(text.str.contains(r"^-?[0-9]{1,3}(\.[0-9]+)?$")).then(text).otherwise(None).cast(
        pl.Float64, strict=False
    )
    low, high = spec.domain.get("minimum", -90), spec.domain.get("maximum", 180)
    error = _first_error((value.is_null() | (value < low) | (value > high), "coordinate.invalid"))
    return RuleOutput(value, error, _lit_detail({"minimum": low, "maximum": high}))


def year_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    text = raw.str.replace(r"\.0$", "")
    value = pl.when(text.str.contains(r"^[0-9]{4}$")).then(text).otherwise(None).cast(pl.Int32, strict=False)
    low = int(spec.domain.get("minimum", 1900))
    high = int(spec.domain.get("maximum", ctx.today.year))
    error = _first_error(
        (value.is_null(), "year.invalid"),
        (value < low, "number.below_minimum"),
        (value > high, "number.above_maximum"),
    )
    return RuleOutput(value, error, _lit_detail({"minimum": low, "maximum": high}))


_MONTH_NAMES = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "pebruari": 2, "maret": 3, "mar": 3, "april": 4,
    "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8, "agu": 8, "agt": 8,
    "ags": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "nopember": 11, "desember": 12, "des": 12,
}


def month_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    text = raw.str.to_lowercase().str.replace(r"\.0$", "")
    by_name = text.replace_strict(list(_MONTH_NAMES), list(_MONTH_NAMES.values()), default=None,
                                  return_dtype=pl.Int32)
    by_number = pl.when(text.str.contains(r"^[0-9]{1,2}$")).then(text).otherwise(None).cast(pl.Int32, strict=False)
    value = pl.coalesce(by_number, by_name)
    error = _first_error((value.is_null() | ~value.is_between(1, 12), "month.invalid"))
    return RuleOutput(value, error)


def boolean_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    truthy = ["ya", "y", "yes", "true", "1", "benar", "iya", "ada"]
    falsy = ["tidak", "t", "no", "n", "false", "0", "bukan", "tdk", "tidak ada"]
    text = raw.str.to_lowercase().str.replace(r"\.0$", "")
    value = (
        pl.when(text.is_in(truthy)).then(pl.lit(True))
        .when(text.is_in(falsy)).then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )
    return RuleOutput(value, _first_error((value.is_null(), "boolean.invalid")))


# --- dates ------------------------------------------------------------------------------------------

def parse_date(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Parse ISO dates, DD/MM/YYYY, DD-MM-YYYY, Indonesian month names and Excel serial numbers.

    Returns ``(date, error_code)``. Two-digit years and day/month orders that cannot be told
    apart are errors, never guesses.
    """
    text = raw.str.to_lowercase().str.replace(r"[ t]00:00(:00(\.0+)?)?$", "")
    iso = text.str.extract_groups(r"^(?P<y>[0-9]{4})[-/](?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})$")
    dmy = text.str.extract_groups(r"^(?P<d>[0-9]{1,2})[/\-.](?P<m>[0-9]{1,2})[/\-.](?P<y>[0-9]{4})$")
    named = text.str.extract_groups(r"^(?P<d>[0-9]{1,2})[ \-](?P<m>[a-z]+)[ \-](?P<y>[0-9]{4})$")
    short_year = text.str.contains(r"^[0-9]{1,2}[/\-.][0-9]{1,2}[/\-.][0-9]{2}$")
    serial = pl.when(text.str.contains(r"^[0-9]{5}(\.0+)?$")).then(text.str.replace(r"\.0+$", "")).otherwise(None)
    serial_days = serial.cast(pl.Int64, strict=False)
    four_digits = text.str.contains(r"^[0-9]{4}$")

    def number(frame: pl.Expr, name: str) -> pl.Expr:
        return frame.struct.field(name).cast(pl.Int32, strict=False)

    named_month = named.struct.field("m").replace_strict(
        list(_MONTH_NAMES), list(_MONTH_NAMES.values()), default=None, return_dtype=pl.Int32
    )
    year = pl.coalesce(number(iso, "y"), number(dmy, "y"), number(named, "y"))
    month = pl.coalesce(number(iso, "m"), number(dmy, "m"), named_month)
    day = pl.coalesce(number(iso, "d"), number(dmy, "d"), number(named, "d"))
    month_first = number(dmy, "m").gt(12) & number(dmy, "d").le(12)
    from_parts = pl.date(year, month, day)
    valid_parts = (
        year.is_not_null() & month.is_between(1, 12) & (day >= 1)
        & (day <= _days_in_month(month, (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))))
    )
    value = (
        pl.when(valid_parts).then(from_parts)
        .when(serial_days.is_not_null()).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial_days))
        .otherwise(pl.lit(None, dtype=pl.Date))
    )
    error = (
        pl.when(short_year).then(pl.lit("date.ambiguous"))
        .when(four_digits).then(pl.lit("date.ambiguous"))
        .when(month_first.fill_null(False)).then(pl.lit("date.month_first"))
        .when(value.is_null()).then(pl.lit("date.invalid"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return value, error


def date_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    value, parse_error = parse_date(raw)
    low = dt.date.fromisoformat(spec.domain.get("minimum", "1900-01-01"))
    high = dt.date.fromisoformat(spec.domain["maximum"]) if "maximum" in spec.domain else ctx.today
    error = (
        pl.when(parse_error.is_not_null()).then(parse_error)
        .when((value < low) | (value > high)).then(pl.lit("date.out_of_range"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    reason = pl.when(raw.str.contains(r"^[0-9]{4}$")).then(pl.lit("four_digits")).otherwise(pl.lit("short_year"))
    detail = pl.struct(
        minimum=pl.lit(low.isoformat()), maximum=pl.lit(high.isoformat()), reason=reason
    ).struct.json_encode()
    return RuleOutput(value, error, detail)


# --- codes ------------------------------------------------------------------------------------------

def code_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    lookup = ctx.code_lists.get(spec.code_list)
    if spec.code_list == "kbli":
        return _kbli_rule(raw, numeric, spec, lookup)
    if lookup is None:
        return RuleOutput(raw, pl.lit(None, dtype=pl.String))
    normalized = raw.str.to_lowercase().str.replace_all(r"\s+", " ").str.replace(r"\.0$", "")
    value = normalized.replace_strict(list(lookup.aliases), list(lookup.aliases.values()), default=None,
                                      return_dtype=pl.String)
    choices = ", ".join(f"{code} ({label})" for code, label in lookup.labels.items())
    error = _first_error((value.is_null(), "code.unknown"))
    return RuleOutput(value, error, _lit_detail({"choices": choices}))


def _kbli_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, lookup: CodeListLookup | None) -> RuleOutput:
    level = int(spec.domain.get("level", 5))
    edition = lookup.edition if lookup else "-"
    if level == 1:
        value = raw.str.to_uppercase()
        known = lookup.codes(1) if lookup else pl.Series([chr(c) for c in range(ord("A"), ord("V"))])
        return RuleOutput(value, _first_error((~value.is_in(known.implode()), "kbli.category_unknown")))
    value = raw.str.replace(r"\.0$", "").str.replace_all(r"[\s.]", "")
    lost_zero = numeric & value.str.contains(r"^[1-3][0-9]{3}$")
    structure_ok = value.str.contains(r"^[0-9]{5}$")
    if lookup is not None and lookup.is_complete:
        exists = value.is_in(lookup.codes(level).implode())
        error = _first_error((lost_zero, "leading_zero_lost"), (~exists, "kbli.unknown"))
    else:
        divisions = lookup.codes(2) if lookup is not None else pl.Series([], dtype=pl.String)
        division_ok = value.str.slice(0, 2).is_in(divisions.implode()) if lookup is not None else pl.lit(True)
        error = _first_error((lost_zero, "leading_zero_lost"), (~(structure_ok & division_ok), "kbli.structure"))
    detail = pl.struct(
        edition=pl.lit(edition), suggestion=pl.concat_str([pl.lit("0"), value])
    ).struct.json_encode()
    return RuleOutput(value, error, detail)


def region_rule(raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext) -> RuleOutput:
    digits = raw.str.replace_all(r"[\s.]", "").str.replace(r"\.0$", "")
    dotted = pl.concat_str(
        [digits.str.slice(0, 2), digits.str.slice(2, 2), digits.str.slice(4, 2), digits.str.slice(6, 4)],
        separator=".",
    )
    regions = ctx.regions
    is_village = digits.str.contains(r"^[0-9]{10}$")
    shorter = digits.str.contains(r"^([0-9]{2}|[0-9]{4}|[0-9]{6})$")
    old_ambiguous = pl.lit(False)
    candidates = pl.lit("")
    if regions is None:
        exists = pl.lit(True)
        edition = "-"
    else:
        exists = dotted.is_in(regions.villages.implode())
        edition = regions.edition
        # A code of an older edition is valid when crosswalks carry it to exactly one current
        # village through confirmed pairs. The value stays as submitted, and compiling stores the
        # current village beside it. Codes with several candidates are rejected, never guessed.
        old = regions.old_villages
        exists = exists | dotted.is_in(old.codes.implode())
        old_ambiguous = dotted.is_in(old.ambiguous.implode())
        candidates = dotted.replace_strict(old.ambiguous, old.candidates, default="", return_dtype=pl.String)
    error = _first_error(
        (shorter, "region.not_village"),
        (~is_village, "region.format"),
        (old_ambiguous, "region.old_code_ambiguous"),
        (~exists, "region.unknown"),
    )
    level = (digits.str.len_chars() // 2).cast(pl.Int32)
    detail = pl.struct(edition=pl.lit(edition), level=level, candidates=candidates).struct.json_encode()
    return RuleOutput(pl.when(is_village).then(dotted).otherwise(None), error, detail)


RuleFunction = Callable[[pl.Expr, pl.Expr, VariableSpec, RuleContext], RuleOutput]

RULES: dict[str, RuleFunction] = {
    "text": text_rule,
    "nib": nib_rule,
    "nik": nik_rule,
    "phone": phone_rule,
    "email": email_rule,
    "rt_rw": rt_rw_rule,
    "money": money_rule,
    "decimal": decimal_rule,
    "integer": integer_rule,
    "latitude": coordinate_rule,
    "longitude": coordinate_rule,
    "year": year_rule,
    "month": month_rule,
    "boolean": boolean_rule,
    "date": date_rule,
    "code": code_rule,
    "region": region_rule,
}
