"""Fast paths: cheap tests that accept the common, well-formed cell in one vector operation.

Most cells of a real file are already clean ("15000000", "2019-05-01", "32.73.01.1001"), so
the engine first runs these tests on every cell, and sends only the cells they do not accept
through the full rules in ``rules.py``, which parse every notation and name the error. A fast
path must accept a cell only when the full rule would accept it with the same value.

Each function returns ``(value, ok)``; ``value`` has the dtype of the full rule's value.

Some notations occur only in some files: amounts with dots, dates written day first. Parsing
every cell in each of them costs several times the common case, so the engine first looks,
once per batch, which of the notations in ``FORMS`` occur, and passes those as ``forms``. A
notation that no cell of the batch shows can produce no value, so leaving it out changes nothing.
"""

from collections.abc import Callable
from typing import Protocol

import polars as pl

from satudata.validation.rules import MAX_EXACT_FLOAT, RuleContext
from satudata.validation.specs import VariableSpec


class FastPath(Protocol):
    """A fast path; those listed in ``FORMS`` also take ``forms``, the notations a batch shows."""

    def __call__(self, raw: pl.Expr, numeric: pl.Expr, spec: VariableSpec, ctx: RuleContext,
                 /) -> tuple[pl.Expr, pl.Expr]: ...


# Notations that a fast path parses only where a batch contains them: name → "this cell shows it".
FormTests = Callable[[pl.Expr], dict[str, pl.Expr]]


def _case_variants(aliases: dict[str, str]) -> dict[str, str]:
    """The spellings a fast lookup accepts as they are: lower, UPPER and Title case of each alias."""
    variants: dict[str, str] = {}
    for alias, code in aliases.items():
        for form in (alias, alias.upper(), alias.title(), alias.capitalize()):
            variants.setdefault(form, code)
    return variants


def text_fast(raw, numeric, spec, ctx):
    max_length = int(spec.domain.get("max_length", 500))
    # The full rule trims the text and turns every run of whitespace into one space, so only a
    # cell that is already so passes here, as it is. Bytes are at least as many as characters,
    # so the length test never accepts a value that is too long.
    normalized = ~raw.str.contains(r"^\s|\s$|\s\s|[^\S ]")
    return raw, normalized & (raw.str.len_bytes() <= max_length) & (raw.str.len_bytes() > 0)


def nib_fast(raw, numeric, spec, ctx):
    return raw, raw.str.contains(r"^[0-9]{13}$")


def nik_fast(raw, numeric, spec, ctx):
    # A 16-character cell that casts to an integer of at least 10^15 is 16 digits, because a sign
    # or any other character leaves room for 15 at most. Integer arithmetic then takes the NIK's
    # parts, which costs less than slicing the text.
    number = pl.when(raw.str.len_bytes() == 16).then(raw.cast(pl.Int64, strict=False))
    ok = (number >= 10**15) & ~numeric
    if ctx.regions is not None:
        # One lookup of the first six digits stands for the full rule's province and district checks.
        ok = ok & (number // 10**10).is_in(ctx.regions.nik_district_numbers.implode())
    day = (number // 10**8) % 100
    day = pl.when(day > 40).then(day - 40).otherwise(day)
    month = (number // 10**6) % 100
    yy = (number // 10**4) % 100
    days = (
        pl.when(month == 2).then(pl.when(yy % 4 == 0).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31)
    )
    ok = ok & month.is_between(1, 12) & (day >= 1) & (day <= days) & (number % 10**4 != 0)
    return raw, ok.fill_null(False)


def phone_fast(raw, numeric, spec, ctx):
    mobile = raw.str.contains(r"^08[0-9]{8,11}$")
    return pl.concat_str([pl.lit("+62"), raw.str.slice(1)]), mobile


def email_fast(raw, numeric, spec, ctx):
    pattern = r"^[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$"
    max_length = int(spec.domain.get("max_length", 254))
    return raw, raw.str.contains(pattern) & (raw.str.len_bytes() <= max_length)


def rt_rw_fast(raw, numeric, spec, ctx):
    return raw, raw.str.contains(r"^[0-9]{3}$")


def _in_range(value: pl.Expr, spec: VariableSpec) -> pl.Expr:
    ok = value.is_not_null()
    if "minimum" in spec.domain:
        ok = ok & (value >= spec.domain["minimum"])
    if "maximum" in spec.domain:
        ok = ok & (value <= spec.domain["maximum"])
    return ok


def money_forms(raw: pl.Expr) -> dict[str, pl.Expr]:
    return {"dotted": raw.str.contains(".", literal=True)}


def money_fast(raw, numeric, spec, ctx, forms: frozenset[str] | None = None):
    # A sign is left to the full rule, which rejects "+5" as it does every other unusual notation.
    whole = pl.when(~raw.str.starts_with("+")).then(raw.cast(pl.Int64, strict=False).cast(pl.Float64))
    from_number = pl.when(numeric).then(raw.cast(pl.Float64, strict=False))
    candidates = [from_number, whole]
    if forms is None or "dotted" in forms:
        # "15000000.00", as database exports write amounts; one or two decimals cannot be a thousands group.
        cents = pl.when(raw.str.contains(r"^[0-9]+\.[0-9]{1,2}$")).then(raw).cast(pl.Float64, strict=False)
        # "15.000.000", as people write amounts in Indonesian, and as an entry form receives them.
        grouped = pl.when(raw.str.contains(r"^[0-9]{1,3}(\.[0-9]{3})+$")).then(
            raw.str.replace_all(".", "", literal=True)).cast(pl.Float64, strict=False)
        candidates += [cents, grouped]
    value = pl.coalesce(candidates)
    return value, _in_range(value, spec).fill_null(False)


def integer_fast(raw, numeric, spec, ctx):
    value = pl.when(~raw.str.starts_with("+")).then(raw.cast(pl.Int64, strict=False))
    return value, _in_range(value, spec).fill_null(False)


def coordinate_fast(raw, numeric, spec, ctx):
    value = raw.cast(pl.Float64, strict=False)
    low, high = spec.domain.get("minimum", -90), spec.domain.get("maximum", 180)
    # The cast alone also reads "1e1", "+5" and ".5", which the full rule rejects.
    written = raw.str.contains(r"^-?[0-9]{1,3}(\.[0-9]+)?$")
    return value, written & value.is_between(low, high).fill_null(False)


def year_fast(raw, numeric, spec, ctx):
    value = raw.cast(pl.Int32, strict=False)
    low = int(spec.domain.get("minimum", 1900))
    high = int(spec.domain.get("maximum", ctx.today.year))
    return value, raw.str.contains(r"^[0-9]{4}$") & value.is_between(low, high).fill_null(False)


def month_fast(raw, numeric, spec, ctx):
    value = raw.cast(pl.Int32, strict=False)
    # The cast alone also reads "+1", which the full rule rejects.
    return value, raw.str.contains(r"^[0-9]{1,2}$") & value.is_between(1, 12).fill_null(False)


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def date_forms(raw: pl.Expr) -> dict[str, pl.Expr]:
    return {"%Y-%m-%d": raw.str.slice(4, 1) == "-", "%d/%m/%Y": raw.str.slice(2, 1) == "/",
            "%d-%m-%Y": raw.str.slice(2, 1) == "-"}


def date_fast(raw, numeric, spec, ctx, forms: frozenset[str] | None = None):
    import datetime as dt

    formats = [f for f in DATE_FORMATS if forms is None or f in forms]
    if not formats:
        return pl.lit(None, dtype=pl.Date), pl.lit(False)
    ten = raw.str.len_bytes() == 10
    value = pl.when(ten).then(pl.coalesce([raw.str.to_date(f, strict=False) for f in formats]))
    low = dt.date.fromisoformat(spec.domain.get("minimum", "1900-01-01"))
    high = dt.date.fromisoformat(spec.domain["maximum"]) if "maximum" in spec.domain else ctx.today
    return value, value.is_between(low, high).fill_null(False)


def code_fast(raw, numeric, spec, ctx):
    lookup = ctx.code_lists.get(spec.code_list)
    if lookup is None:
        return raw, pl.lit(False)
    if spec.code_list == "kbli":
        level = int(spec.domain.get("level", 5))
        if level == 1:
            return raw, raw.is_in(lookup.codes(1).implode())
        if lookup.is_complete:
            return raw, raw.is_in(lookup.codes(level).implode())
        return raw, raw.str.contains(r"^[0-9]{5}$") & raw.str.slice(0, 2).is_in(lookup.codes(2).implode())
    variants = _case_variants(lookup.aliases)
    value = raw.replace_strict(list(variants), list(variants.values()), default=None, return_dtype=pl.String)
    return value, value.is_not_null()


def region_fast(raw, numeric, spec, ctx):
    if ctx.regions is None:
        return raw, pl.lit(False)
    # A plain code of ten characters is dotted here; it can only match a village when all ten are digits.
    plain = raw.str.len_bytes() == 10
    dotted = pl.when(plain).then(
        pl.concat_str([raw.str.slice(0, 2), raw.str.slice(2, 2), raw.str.slice(4, 2), raw.str.slice(6, 4)],
                      separator=".")
    ).otherwise(raw)
    return dotted, dotted.is_in(ctx.regions.accepted_villages.implode())


def boolean_fast(raw, numeric, spec, ctx):
    truthy = {"ya": True, "Ya": True, "YA": True, "1": True, "Y": True, "y": True}
    falsy = {"tidak": False, "Tidak": False, "TIDAK": False, "0": False, "T": False, "t": False}
    mapping = {**truthy, **falsy}
    value = raw.replace_strict(list(mapping), list(mapping.values()), default=None, return_dtype=pl.Boolean)
    return value, value.is_not_null()


FAST_PATHS: dict[str, FastPath] = {
    "text": text_fast,
    "nib": nib_fast,
    "nik": nik_fast,
    "phone": phone_fast,
    "email": email_fast,
    "rt_rw": rt_rw_fast,
    "money": money_fast,
    "decimal": money_fast,
    "integer": integer_fast,
    "latitude": coordinate_fast,
    "longitude": coordinate_fast,
    "year": year_fast,
    "month": month_fast,
    "date": date_fast,
    "code": code_fast,
    "region": region_fast,
    "boolean": boolean_fast,
}

FORMS: dict[str, FormTests] = {
    "money": money_forms,
    "decimal": money_forms,
    "date": date_forms,
}

__all__ = ["FAST_PATHS", "FORMS", "MAX_EXACT_FLOAT"]
