"""Computing indicators from the registry with their formulas.

The registry is read into a Polars frame whose columns are the standard's variable codes, one
row per active business, with the transaction values of the chosen reference year. Callers pass
a scoped queryset, so an indicator never counts businesses the user may not see.
"""

import json
from dataclasses import dataclass

import polars as pl
from django.db.models import QuerySet

from satudata.registry.models import Business, TransactionRecord
from satudata.standards.formulas import parse, to_expression
from satudata.standards.models import Indicator

# Variables read from Business and Owner columns; personal data stored encrypted is only
# available as present or absent, through its blind index.
COLUMNS = {
    "nib": "nib", "business_name": "name", "legal_form": "legal_form", "kbli": "kbli",
    "kbli_category": "kbli_category", "main_activity": "main_activity", "products": "products",
    "business_village_code": "village_code", "latitude": "latitude", "longitude": "longitude",
    "year_started": "year_started", "month_started": "month_started", "business_scale": "scale",
    "owner_name": "owner__name", "owner_sex": "owner__sex", "owner_birth_date": "owner__birth_date",
    "owner_education": "owner__education", "owner_disability": "owner__has_disability",
    "owner_village_code": "owner__village_code", "owner_nik": "owner__nik_index",
    "owner_phone": "owner__phone_index", "owner_email": "owner__email_index",
}
DISAGGREGATIONS = {
    "province": "province_code", "regency": "regency_code", "district": "district_code",
    "scale": "business_scale", "sex": "owner_sex", "kbli": "kbli_category",
}


@dataclass
class IndicatorValue:
    key: str
    value: float | None
    businesses: int


def registry_frame(businesses: QuerySet, variables: list[str], period: int | None) -> pl.DataFrame:
    """Active businesses as a frame of variable codes, plus region codes for disaggregation."""
    fields = {code: COLUMNS[code] for code in variables if code in COLUMNS}
    for code in ("business_scale", "owner_sex", "kbli_category"):
        fields.setdefault(code, COLUMNS[code])
    base = ["id", "province_code", "regency_code", "district_code", "attributes"]
    rows = businesses.filter(status=Business.Status.ACTIVE).values_list(*base, *fields.values())
    frame = pl.DataFrame(list(rows), schema=[*base, *fields], orient="row", infer_schema_length=None)
    extra = [code for code in variables if code not in fields]
    if extra:
        attributes = [json.loads(a) if isinstance(a, str) else (a or {}) for a in frame.get_column("attributes")]
        frame = frame.with_columns([pl.Series(code, [a.get(code) for a in attributes]) for code in extra
                                    if any(code in a for a in attributes)])
    frame = frame.drop("attributes")
    missing = [code for code in variables if code not in frame.columns]
    if missing and period is not None:
        records = TransactionRecord.objects.filter(
            business__in=businesses, period=period, superseded_at__isnull=True
        ).values_list("business_id", "values")
        values = [(bid, v if isinstance(v, dict) else json.loads(v)) for bid, v in records]
        transactions = pl.DataFrame(
            {"id": [bid for bid, _v in values], **{code: [v.get(code) for _b, v in values] for code in missing}},
            schema_overrides={"id": pl.Int64},
        )
        frame = frame.join(transactions, on="id", how="left")
    for code in variables:
        if code not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(code))
    return frame


def compute(indicator: Indicator, businesses: QuerySet, *, period: int | None = None,
            by: str | None = None) -> list[IndicatorValue]:
    """Values of an indicator, for the whole scope or by one disaggregation."""
    variables = {v.code for v in indicator.version.variables.all()}
    parsed = parse(indicator.formula, variables)
    frame = registry_frame(businesses, parsed.variables, period)
    expression = to_expression(parsed).alias("value")
    if frame.height == 0:
        return []
    if by is None:
        result = frame.select(expression, pl.len().alias("n"))
        return [IndicatorValue(key="", value=_number(result["value"][0]), businesses=result["n"][0])]
    column = DISAGGREGATIONS[by]
    result = frame.group_by(column).agg(expression, pl.len().alias("n")).sort(column, nulls_last=True)
    return [IndicatorValue(key=row[column] or "", value=_number(row["value"]), businesses=row["n"])
            for row in result.iter_rows(named=True)]


def _number(value) -> float | None:
    return None if value is None else round(float(value), 4)
