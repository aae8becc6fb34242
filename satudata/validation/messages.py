"""Row-level error codes and their messages.

Each code is stable, because reports, the API and tests use it. Each message states what is
wrong with the value and what the producer should do. Placeholders are filled after translation from the
error's value and its ``detail`` mapping.
"""

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "required": _("{field} is required but the cell is empty. Fill it in for this row."),
    "too_long": _("{field} is longer than {max_length} characters. Shorten it."),
    # Identifiers damaged by spreadsheets
    "excel_scientific": _(
        "{value} is in scientific notation: Excel turned this number into a floating-point value and "
        "its last digits are lost. Format the column as Text in Excel, type the number again (or export "
        "it as text from the source system) and upload the file again."
    ),
    "excel_number": _(
        "{value} was stored as a number in the spreadsheet. Excel keeps only 15 significant digits, so a "
        "{digits}-digit number can lose its last digits. Format the column as Text, type the number again "
        "and upload the file again."
    ),
    "excel_zeroed": _(
        "{value} ends in 0, like {share} of this file's NIKs: Excel keeps only 15 significant digits and "
        "replaces the 16th with 0. Format the column as Text, type the NIKs again from the identity "
        "cards and upload the file again."
    ),
    "leading_zero_lost": _(
        "{value} was stored as a number, so a leading zero may be lost (did you mean {suggestion}?). "
        "Format the column as Text and type the code with all its digits."
    ),
    # NIK
    "nik.format": _("NIK {value} is invalid: a NIK has exactly 16 digits. Check it against the identity card."),
    "nik.province_unknown": _(
        "NIK {value} is invalid: its first two digits ({province}) are not a province code. "
        "Check it against the identity card."
    ),
    "nik.district_unknown": _(
        "NIK {value} is invalid: digits 1–6 ({district}) are not a district in any loaded region list. "
        "Check it against the identity card."
    ),
    "nik.birth_date_invalid": _(
        "NIK {value} is invalid: digits 7–12 ({date_digits}) are not a date of birth DDMMYY "
        "(day + 40 for women). Check it against the identity card."
    ),
    "nik.serial_zero": _(
        "NIK {value} is invalid: its last four digits cannot be 0000. Check it against the identity card."
    ),
    "nik.sex_mismatch": _(
        "NIK {value} belongs to a {nik_sex} (day of birth {nik_day}) but the sex given is {sex}. "
        "Correct the NIK or the sex."
    ),
    "nik.birth_date_mismatch": _(
        "NIK {value} encodes the date of birth {nik_date} (DD/MM/YY) but the date of birth given is "
        "{birth_date}. Correct the NIK or the date of birth."
    ),
    # NIB
    "nib.format": _("NIB {value} is invalid: a NIB has exactly 13 digits. Copy it from the OSS certificate."),
    # Codes and regions
    "code.unknown": _("{value} is not a valid {field}. Use one of: {choices}."),
    "kbli.unknown": _(
        "KBLI {value} is not a five-digit code of the loaded KBLI list ({edition}). Look the code up in "
        "the KBLI 2020 list."
    ),
    "kbli.structure": _(
        "KBLI {value} is invalid: a KBLI group code has five digits and starts with a division of one "
        "of the categories A–U. Look the code up in the KBLI 2020 list."
    ),
    "kbli.outside_scope": _(
        "KBLI {value} is outside the sectors of your office ({scope}). Submit only businesses whose KBLI "
        "code is in those categories or divisions, or ask the walidata to widen your scope."
    ),
    "kbli.category_unknown": _("{value} is not a KBLI category; use one letter from A to U."),
    "kbli.category_mismatch": _(
        "KBLI category {value} does not match KBLI code {kbli}, which belongs to category {expected}. "
        "Correct one of them."
    ),
    "region.format": _(
        "{value} is not a village code: a village (desa/kelurahan) code has 10 digits, such as "
        "32.73.01.1001 or 3273011001."
    ),
    "region.not_village": _(
        "{value} is the code of a {level_name}, not of a village. Give the 10-digit code of the "
        "desa/kelurahan."
    ),
    "region.unknown": _(
        "Village code {value} does not exist in the region list ({edition}). Check the code in the "
        "Kemendagri list."
    ),
    "region.old_code_ambiguous": _(
        "Village code {value} belongs to an older region list, and the crosswalk to the current list "
        "({edition}) does not say which village it is now (candidates: {candidates}). Give the current code "
        "of the village where the business is."
    ),
    "region.name_unknown": _(
        "{level_name} {value} cannot be found in {parent}. Check the spelling against the Kemendagri list"
        "{candidates_hint}."
    ),
    "region.name_ambiguous": _(
        "{level_name} {value} is ambiguous in {parent}: it matches {candidates}. Write the full name, "
        "for example with Kabupaten or Kota in front, or give the village code."
    ),
    "region.name_incomplete": _(
        "The region names are incomplete: province, regency/city, district and village are all needed to "
        "find the village code. Fill in {missing}."
    ),
    "region.outside_scope": _(
        "Village {value} is outside your region ({scope}). Submit only businesses located in your region."
    ),
    # Numbers
    "number.invalid": _("{value} is not a number. Write digits only, such as 1500000 or 1.500.000."),
    "number.ambiguous": _(
        "{value} is ambiguous: it can be read as a thousands separator or as a decimal comma. "
        "Write it without separators (1500) or in Indonesian notation (1.500 or 1,5)."
    ),
    "number.not_integer": _("{value} must be a whole number for {field}."),
    "number.below_minimum": _("{value} is below the minimum {minimum} for {field}. Correct the value."),
    "number.above_maximum": _("{value} is above the maximum {maximum} for {field}. Correct the value."),
    # Dates
    "date.invalid": _(
        "{value} is not a date. Write it as DD/MM/YYYY (31/12/1980), DD-MM-YYYY or YYYY-MM-DD."
    ),
    "date.ambiguous": _(
        "{value} is ambiguous: {reason} Write the date as DD/MM/YYYY with a four-digit year."
    ),
    "date.month_first": _(
        "{value} looks like month/day/year. Write the date as day/month/year (DD/MM/YYYY)."
    ),
    "date.out_of_range": _(
        "{value} is outside the accepted range for {field} ({minimum} to {maximum}). Check the year."
    ),
    "year.invalid": _("{value} is not a year; write four digits such as 2019."),
    "month.invalid": _("{value} is not a month; write a number from 1 to 12 or the month's name."),
    "boolean.invalid": _("{value} is not yes or no; write Ya or Tidak."),
    # Contact
    "phone.invalid": _(
        "{value} is not an Indonesian phone number. Write it as 08xx… or +62…, digits only."
    ),
    "email.invalid": _("{value} is not an e-mail address. Write it as name@domain, or leave the cell empty."),
    "rt_rw.invalid": _("{value} is not an RT/RW number; write one to three digits, such as 003."),
    "coordinate.invalid": _(
        "{value} is not a coordinate for {field}: write decimal degrees between {minimum} and {maximum}, "
        "such as -6.9175 and 107.6191."
    ),
    # Cross-field
    "scale.mismatch": _(
        "The declared scale {value} does not match PP 7/2021: capital Rp {capital} gives {capital_scale} "
        "and annual sales Rp {annual_sales} give {sales_scale}. Correct the scale or the amounts."
    ),
    "scale.not_umkm": _(
        "Capital Rp {capital} and annual sales Rp {annual_sales} are above the medium-business thresholds "
        "of PP 7/2021: this is not a micro, small or medium business. Check the amounts, or leave the "
        "business out of the UMKM data."
    ),
    "year_started.after_reference": _(
        "The business started in {value}, after the reference year {reference_year}. Correct one of them."
    ),
    "duplicate_in_file": _(
        "This business already appears in row {first_row} of the same file (same {key}). Keep one row "
        "per business."
    ),
}


# The same errors worded for records pushed through the API or entered in a form, which have no
# file, rows or cells: where MESSAGES speaks of a spreadsheet, these speak of the record.
RECORD_MESSAGES = {
    "required": _("{field} is required. Fill it in."),
    "excel_scientific": _(
        "{value} is in scientific notation, so its last digits are lost. Send the number as text with all "
        "its digits."
    ),
    "excel_zeroed": _(
        "{value} ends in 0, like {share} of the NIKs of these records: a spreadsheet keeps only 15 "
        "significant digits and replaces the 16th with 0. Send the NIKs as text with all 16 digits, as on "
        "the identity cards."
    ),
    "email.invalid": _("{value} is not an e-mail address. Write it as name@domain, or leave it empty."),
    "duplicate_in_file": _(
        "This business already appears in record {first_record} of the same submission (same {key}). Keep "
        "one record per business."
    ),
}


class _Params(dict):
    """Format parameters that render a missing key as "?" rather than failing the whole report."""

    def __missing__(self, key: str) -> str:
        return "?"


_NON_DIGITS = re.compile(r"\D")


def _nik_detail(value: str) -> dict[str, str]:
    digits = _NON_DIGITS.sub("", value)
    return {
        "province": digits[0:2],
        "district": ".".join((digits[0:2], digits[2:4], digits[4:6])),
        "date_digits": digits[6:12],
    }


LEVEL_NAMES = {
    1: _("province"),
    2: _("regency/city"),
    3: _("district"),
    4: _("village"),
}
SCALE_NAMES = {
    "MIKRO": _("micro"),
    "KECIL": _("small"),
    "MENENGAH": _("medium"),
    "BESAR": _("large (above the UMKM thresholds)"),
}
SEX_NAMES = {"L": _("man"), "P": _("woman")}
AMOUNT_KEYS = ("capital", "annual_sales")


def format_rupiah(amount: Any) -> str:
    """Format an amount in Indonesian notation: 1500000.5 → "1.500.000,50"."""
    if not isinstance(amount, int | float):
        return "?" if amount is None else str(amount)
    whole = f"{int(amount):,}".replace(",", ".")
    cents = round((amount - int(amount)) * 100)
    return whole if cents == 0 else f"{whole},{cents:02d}"


DATE_REASONS = {
    "four_digits": _("four digits alone can be a year or an Excel date number."),
    "short_year": _("a two-digit year can belong to two centuries."),
}


def render_message(code: str, *, field: str, value: Any, detail: dict[str, Any] | None = None,
                   records: bool = False) -> str:
    """Render the message of an error code in the active language.

    With ``records``, the error is worded for a record rather than a row of a spreadsheet (see
    ``RECORD_MESSAGES``). A duplicate's ``detail`` then gives ``first_record`` for ``first_row``.
    """
    template = (records and RECORD_MESSAGES.get(code)) or MESSAGES.get(code)
    if template is None:
        return f"{code}: {value}"
    shown = value if value not in (None, "") else str(_("(empty)"))
    params = _Params(field=field, value=shown)
    if code.startswith("nik.") and isinstance(value, str):
        params.update(_nik_detail(value))
    params.update(detail or {})
    if "level" in params and "level_name" not in params:
        params["level_name"] = str(LEVEL_NAMES.get(params["level"], params["level"]))
    if "reason" in params:
        params["reason"] = str(DATE_REASONS.get(params["reason"], params["reason"]))
    for key in AMOUNT_KEYS:
        if key in params:
            params[key] = format_rupiah(params[key])
    for key in ("capital_scale", "sales_scale"):
        if key in params:
            params[key] = str(SCALE_NAMES.get(params[key], params[key] or "?"))
    for key in ("nik_sex", "sex"):
        if key in params:
            params[key] = str(SEX_NAMES.get(params[key], params[key]))
    return str(template).format_map(params)
