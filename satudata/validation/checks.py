"""Checks that compare several variables of the same row.

Each check runs on parsed values and only where the variables it compares are themselves
valid, so a row gets the most specific error rather than a cascade of follow-up errors.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from satudata.validation.rules import RuleContext, nik_parts
from satudata.validation.specs import CheckSpec, StandardSpec


@dataclass
class CheckError:
    field: str
    error: pl.Expr
    detail: pl.Expr | None = None


def _valid(code: str, columns: set[str]) -> pl.Expr:
    """True where the variable is present, parsed and has no error of its own."""
    if code not in columns:
        return pl.lit(False)
    return pl.col(code).is_not_null() & pl.col(f"__err__{code}").is_null()


def nik_matches_owner(params: dict[str, Any], columns: set[str], ctx: RuleContext) -> list[CheckError]:
    nik, sex, birth = params["nik"], params["sex"], params["birth_date"]
    if nik not in columns:
        return []
    parts = nik_parts(pl.col(nik))
    errors: list[CheckError] = []
    if sex in columns:
        nik_sex = pl.when(parts["female"]).then(pl.lit("P")).otherwise(pl.lit("L"))
        mismatch = _valid(nik, columns) & _valid(sex, columns) & (nik_sex != pl.col(sex))
        errors.append(CheckError(
            nik,
            pl.when(mismatch).then(pl.lit("nik.sex_mismatch")).otherwise(None),
            pl.struct(nik_sex=nik_sex, nik_day=parts["day"], sex=pl.col(sex)).struct.json_encode(),
        ))
    if birth in columns:
        date = pl.col(birth)
        mismatch = _valid(nik, columns) & _valid(birth, columns) & (
            (date.dt.day() != parts["birth_day"])
            | (date.dt.month() != parts["month"])
            | ((date.dt.year() % 100) != parts["yy"])
        )
        errors.append(CheckError(
            nik,
            pl.when(mismatch).then(pl.lit("nik.birth_date_mismatch")).otherwise(None),
            pl.struct(
                # The day without the 40 added for women, as the date of birth reads.
                nik_date=pl.concat_str(
                    [parts["birth_day"].cast(pl.String).str.zfill(2), pl.col(nik).str.slice(8, 2),
                     pl.col(nik).str.slice(10, 2)],
                    separator="/",
                ),
                birth_date=date.dt.strftime("%d/%m/%Y"),
            ).struct.json_encode(),
        ))
    return errors


def scale_by_thresholds(amount: pl.Expr, upper: dict[str, float]) -> pl.Expr:
    """The scale whose upper bound (inclusive, PP 7/2021 "paling banyak") first holds the amount."""
    ordered = sorted(upper.items(), key=lambda item: item[1])
    expr: Any = pl
    for scale, bound in ordered:
        expr = expr.when(amount <= bound).then(pl.lit(scale))
    return expr.when(amount.is_not_null()).then(pl.lit("BESAR")).otherwise(pl.lit(None, dtype=pl.String))


def business_scale_thresholds(params: dict[str, Any], columns: set[str], ctx: RuleContext) -> list[CheckError]:
    scale, capital, sales = params["scale"], params["capital"], params["annual_sales"]
    capital_value = pl.when(_valid(capital, columns)).then(pl.col(capital)) if capital in columns else pl.lit(None)
    sales_value = pl.when(_valid(sales, columns)).then(pl.col(sales)) if sales in columns else pl.lit(None)
    capital_scale = scale_by_thresholds(capital_value, params["capital_upper"])
    sales_scale = scale_by_thresholds(sales_value, params["sales_upper"])
    known = capital_scale.is_not_null() | sales_scale.is_not_null()
    # PP 7/2021 classifies by capital or by annual sales, so the declared scale must match one of them.
    matches = (capital_scale == pl.col(scale)).fill_null(False) | (sales_scale == pl.col(scale)).fill_null(False)
    not_umkm = known & (capital_scale.fill_null("BESAR") == "BESAR") & (sales_scale.fill_null("BESAR") == "BESAR")
    detail = pl.struct(
        capital=capital_value, annual_sales=sales_value, capital_scale=capital_scale, sales_scale=sales_scale
    ).struct.json_encode()
    errors = [CheckError(
        sales if sales in columns else capital,
        pl.when(not_umkm).then(pl.lit("scale.not_umkm")).otherwise(None),
        detail,
    )]
    if scale in columns:
        mismatch = _valid(scale, columns) & known & ~matches & ~not_umkm
        errors.append(CheckError(scale, pl.when(mismatch).then(pl.lit("scale.mismatch")).otherwise(None), detail))
    return errors


def derived_scale(params: dict[str, Any], columns: set[str]) -> pl.Expr:
    """The scale to store when none is declared: by annual sales when known, else by capital."""
    capital, sales = params["capital"], params["annual_sales"]
    capital_scale = scale_by_thresholds(pl.col(capital), params["capital_upper"]) if capital in columns else pl.lit(None)
    sales_scale = scale_by_thresholds(pl.col(sales), params["sales_upper"]) if sales in columns else pl.lit(None)
    return pl.coalesce(sales_scale, capital_scale)


def kbli_category_matches(params: dict[str, Any], columns: set[str], ctx: RuleContext) -> list[CheckError]:
    kbli, category = params["kbli"], params["category"]
    lookup = ctx.code_lists.get("kbli")
    if kbli not in columns or category not in columns or lookup is None:
        return []
    divisions = {code: parent for code, parent in lookup.parents.items() if len(code) == 2}
    expected = pl.col(kbli).str.slice(0, 2).replace_strict(
        list(divisions), list(divisions.values()), default=None, return_dtype=pl.String
    )
    mismatch = _valid(kbli, columns) & _valid(category, columns) & expected.is_not_null() & (expected != pl.col(category))
    return [CheckError(
        category,
        pl.when(mismatch).then(pl.lit("kbli.category_mismatch")).otherwise(None),
        pl.struct(kbli=pl.col(kbli), expected=expected).struct.json_encode(),
    )]


def not_after_reference_year(params: dict[str, Any], columns: set[str], ctx: RuleContext) -> list[CheckError]:
    year, reference = params["year"], params["reference_year"]
    if year not in columns or reference not in columns:
        return []
    late = _valid(year, columns) & _valid(reference, columns) & (pl.col(year) > pl.col(reference))
    return [CheckError(
        year,
        pl.when(late).then(pl.lit("year_started.after_reference")).otherwise(None),
        pl.struct(reference_year=pl.col(reference)).struct.json_encode(),
    )]


CheckFunction = Callable[[dict[str, Any], set[str], RuleContext], list[CheckError]]

CHECKS: dict[str, CheckFunction] = {
    "nik_matches_owner": nik_matches_owner,
    "business_scale_thresholds": business_scale_thresholds,
    "kbli_category_matches": kbli_category_matches,
    "not_after_reference_year": not_after_reference_year,
}
# Checks the engine runs over the whole file rather than row by row.
FILE_CHECKS = {"unique_in_file"}


def row_checks(standard: StandardSpec) -> list[CheckSpec]:
    return [c for c in standard.checks if c.rule in CHECKS]
