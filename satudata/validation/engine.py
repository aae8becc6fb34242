"""The validation engine: one batch of rows in, canonical valid rows and row-level errors out.

A batch is a Polars frame with ``__row`` (the row number the spreadsheet shows), one text
column per mapped variable and, for workbooks, ``__num__<code>`` columns that say which cells
were stored as numbers. Checks that need the whole file (duplicates, digits zeroed by Excel)
run in ``FileChecks`` after the last batch.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from satudata.validation.checks import CHECKS, derived_scale, row_checks
from satudata.validation.rules import RULES, RuleContext
from satudata.validation.specs import StandardSpec, VariableSpec

ROW = "__row"
ERROR_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "code": pl.String, "detail": pl.String}


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_SCHEMA)


@dataclass
class BatchResult:
    valid: pl.DataFrame
    errors: pl.DataFrame
    rows: int
    # Columns the file-level checks need, for every row of the batch (valid or not).
    keys: pl.DataFrame


@dataclass
class RegionTarget:
    """A region code variable and the name variables that can stand in for it (province → village)."""

    code: str
    names: list[str | None]


class Validator:
    """Validates batches of one file against one standard version."""

    def __init__(self, standard: StandardSpec, ctx: RuleContext, mapped: Iterable[str]) -> None:
        self.standard = standard
        self.ctx = ctx
        self.mapped = set(mapped)
        self.region_targets = self._region_targets()
        present = set(self.mapped) | {t.code for t in self.region_targets}
        self.variables = [
            v for v in standard.variables
            if v.datatype != "region_name" and (v.code in present or v.required)
        ]
        self._region_cache: dict[tuple, tuple[str | None, str | None, str | None, str | None]] = {}

    # -- region names ------------------------------------------------------------------------------

    def _region_targets(self) -> list[RegionTarget]:
        targets: dict[str, list[str | None]] = {}
        for v in self.standard.variables:
            if v.datatype == "region_name" and v.code in self.mapped:
                names = targets.setdefault(v.domain["target"], [None, None, None, None])
                names[int(v.domain["level"]) - 1] = v.code
        return [RegionTarget(code, names) for code, names in targets.items()]

    def _resolve_names(self, frame: pl.DataFrame, target: RegionTarget) -> pl.DataFrame:
        """Add ``__resolved__<code>`` and its error columns by resolving the unique name tuples."""
        name_columns = [c for c in target.names if c is not None]
        index = self.ctx.regions.names if self.ctx.regions else None
        unique = frame.select(name_columns).unique()
        codes, errors, fields, details = [], [], [], []
        for row in unique.iter_rows():
            key = (target.code, *row)
            if key not in self._region_cache:
                self._region_cache[key] = self._resolve_one(target, dict(zip(name_columns, row, strict=True)), index)
            code, error, error_field, detail = self._region_cache[key]
            codes.append(code)
            errors.append(error)
            fields.append(error_field)
            details.append(detail)
        resolved = unique.with_columns(
            pl.Series(f"__resolved__{target.code}", codes, dtype=pl.String),
            pl.Series(f"__rerr__{target.code}", errors, dtype=pl.String),
            pl.Series(f"__rfield__{target.code}", fields, dtype=pl.String),
            pl.Series(f"__rdetail__{target.code}", details, dtype=pl.String),
        )
        return frame.join(resolved, on=name_columns, how="left", nulls_equal=True, maintain_order="left")

    def _resolve_one(self, target: RegionTarget, values: dict[str, str | None], index: Any) -> tuple:
        if all(v is None for v in values.values()):
            return (None, None, None, None)
        if index is None:
            return (None, None, None, None)
        names = [values.get(c) if c else None for c in target.names]
        missing = [target.names[i] for i, n in enumerate(names) if n is None and target.names[i]]
        if any(c is None for c in target.names) or missing:
            labels = {v.code: v.label for v in self.standard.variables}
            absent = [labels.get(c, c) for c in missing] or [
                labels.get(c, c) for c in target.names if c
            ]
            first = next(c for c in target.names if c)
            return (None, "region.name_incomplete", first, json.dumps({"missing": ", ".join(absent)}))
        match = index.resolve(names)
        if match.code is not None:
            return (match.code, None, None, None)
        error_field = target.names[match.level - 1]
        hint = (" (" + ", ".join(match.candidates) + ")") if match.candidates else ""
        detail = {
            "level": match.level,
            "parent": match.parent_name,
            "candidates": ", ".join(match.candidates),
            "candidates_hint": hint,
        }
        return (None, match.error, error_field, json.dumps(detail, ensure_ascii=False))

    # -- the batch ---------------------------------------------------------------------------------

    def validate(self, batch: pl.DataFrame) -> BatchResult:
        frame = self._prepare(batch)
        for target in self.region_targets:
            frame = self._resolve_names(frame, target)
            resolved = pl.col(f"__resolved__{target.code}")
            if target.code in frame.columns:
                frame = frame.with_columns(pl.coalesce(pl.col(target.code), resolved).alias(target.code))
            else:
                frame = frame.with_columns(resolved.alias(target.code))

        parsed = frame.select(self._rule_expressions(frame))
        columns = set(parsed.columns)
        check_exprs, check_errors = self._check_expressions(columns)
        if check_exprs:
            parsed = parsed.with_columns(check_exprs)
        errors = self._collect_errors(parsed, frame, check_errors)
        error_columns = [c for c in parsed.columns if c.startswith("__err__") or c.startswith("__cerr__")]
        region_errors = [f"__rerr__{t.code}" for t in self.region_targets]
        has_error = pl.any_horizontal([pl.col(c).is_not_null() for c in error_columns]) if error_columns else pl.lit(False)
        if region_errors:
            parsed = parsed.with_columns([frame.get_column(c) for c in region_errors])
            has_error = has_error | pl.any_horizontal([pl.col(c).is_not_null() for c in region_errors])
        value_columns = [ROW] + [v.code for v in self.variables if v.code in parsed.columns]
        valid = parsed.filter(~has_error).select(value_columns)
        valid = self._add_derived(valid)
        keys = parsed.select([ROW] + [c for c in ("nib", "owner_nik", "business_name") if c in parsed.columns])
        return BatchResult(valid=valid, errors=errors, rows=batch.height, keys=keys)

    def _prepare(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Trim every text cell and turn empty cells into nulls."""
        exprs: list[pl.Expr] = [pl.col(ROW).cast(pl.Int64)]
        for name in batch.columns:
            if name == ROW:
                continue
            if name.startswith("__num__"):
                exprs.append(pl.col(name))
                continue
            trimmed = pl.col(name).cast(pl.String).str.strip_chars()
            exprs.append(pl.when(trimmed == "").then(None).otherwise(trimmed).alias(name))
        for v in self.variables:
            if v.code not in batch.columns and v.code not in {t.code for t in self.region_targets}:
                exprs.append(pl.lit(None, dtype=pl.String).alias(v.code))
        return batch.select(exprs)

    def _rule_expressions(self, frame: pl.DataFrame) -> list[pl.Expr]:
        exprs: list[pl.Expr] = [pl.col(ROW)]
        for v in self.variables:
            raw = pl.col(v.code)
            numeric_name = f"__num__{v.code}"
            numeric = pl.col(numeric_name).fill_null(False) if numeric_name in frame.columns else pl.lit(False)
            rule = RULES.get(v.datatype)
            if rule is None:
                raise ValueError(f"no rule for data type {v.datatype!r} of variable {v.code}")
            out = rule(raw, numeric, v, self.ctx)
            error = out.error
            if v.required:
                error = pl.when(raw.is_null()).then(pl.lit("required")).otherwise(error)
            # A rule only judges cells that have a value; an empty optional cell is valid.
            error = pl.when(raw.is_null() & pl.lit(not v.required)).then(None).otherwise(error)
            exprs.append(pl.when(error.is_null()).then(out.value).otherwise(None).alias(v.code))
            exprs.append(error.alias(f"__err__{v.code}"))
            detail = out.detail if out.detail is not None else pl.lit(None, dtype=pl.String)
            exprs.append(pl.when(error.is_not_null()).then(detail).otherwise(None).alias(f"__det__{v.code}"))
        return exprs

    def _check_expressions(self, columns: set[str]) -> tuple[list[pl.Expr], list[tuple[str, str, str]]]:
        exprs: list[pl.Expr] = []
        names: list[tuple[str, str, str]] = []
        for index, check in enumerate(row_checks(self.standard)):
            for number, item in enumerate(CHECKS[check.rule](check.params, columns, self.ctx)):
                error_name = f"__cerr__{index}_{number}"
                detail_name = f"__cdet__{index}_{number}"
                exprs.append(item.error.alias(error_name))
                detail = item.detail if item.detail is not None else pl.lit(None, dtype=pl.String)
                exprs.append(pl.when(item.error.is_not_null()).then(detail).otherwise(None).alias(detail_name))
                names.append((item.field, error_name, detail_name))
        if self.ctx.producer_regions and "business_village_code" in columns:
            village = pl.col("business_village_code")
            inside = pl.any_horizontal([
                (village == code) | village.str.starts_with(code + ".") for code in self.ctx.producer_regions
            ])
            outside = village.is_not_null() & pl.col("__err__business_village_code").is_null() & ~inside
            exprs.append(pl.when(outside).then(pl.lit("region.outside_scope")).otherwise(None).alias("__cerr__scope"))
            exprs.append(pl.when(outside).then(pl.lit(json.dumps({"scope": self.ctx.producer_scope_label})))
                         .otherwise(None).alias("__cdet__scope"))
            names.append(("business_village_code", "__cerr__scope", "__cdet__scope"))
        return exprs, names

    def _collect_errors(self, parsed: pl.DataFrame, frame: pl.DataFrame,
                        check_errors: list[tuple[str, str, str]]) -> pl.DataFrame:
        parts: list[pl.DataFrame] = []
        for v in self.variables:
            error_name = f"__err__{v.code}"
            failing = parsed.filter(pl.col(error_name).is_not_null())
            if failing.height:
                raw = frame.filter(parsed.get_column(error_name).is_not_null()).get_column(v.code)
                parts.append(pl.DataFrame({
                    "row": failing.get_column(ROW),
                    "field": pl.Series([v.code] * failing.height, dtype=pl.String),
                    "value": raw.cast(pl.String),
                    "code": failing.get_column(error_name),
                    "detail": failing.get_column(f"__det__{v.code}").cast(pl.String),
                }))
        for field_code, error_name, detail_name in check_errors:
            failing_mask = parsed.get_column(error_name).is_not_null()
            if not failing_mask.any():
                continue
            failing = parsed.filter(failing_mask)
            raw = frame.filter(failing_mask).get_column(field_code) if field_code in frame.columns else None
            parts.append(pl.DataFrame({
                "row": failing.get_column(ROW),
                "field": pl.Series([field_code] * failing.height, dtype=pl.String),
                "value": raw.cast(pl.String) if raw is not None else pl.Series([None] * failing.height, dtype=pl.String),
                "code": failing.get_column(error_name),
                "detail": failing.get_column(detail_name).cast(pl.String),
            }))
        for target in self.region_targets:
            error_name = f"__rerr__{target.code}"
            failing = frame.filter(pl.col(error_name).is_not_null())
            if not failing.height:
                continue
            # The value shown is the name at the level that failed.
            values = failing.select(
                pl.coalesce([
                    pl.when(pl.col(f"__rfield__{target.code}") == name).then(pl.col(name))
                    for name in target.names if name
                ])
            ).to_series()
            parts.append(pl.DataFrame({
                "row": failing.get_column(ROW),
                "field": failing.get_column(f"__rfield__{target.code}"),
                "value": values.cast(pl.String),
                "code": failing.get_column(error_name),
                "detail": failing.get_column(f"__rdetail__{target.code}"),
            }))
        if not parts:
            return empty_errors()
        return pl.concat(parts).select([pl.col(k).cast(t) for k, t in ERROR_SCHEMA.items()])

    def _add_derived(self, valid: pl.DataFrame) -> pl.DataFrame:
        """Fill the business scale from the amounts when the producer did not declare it."""
        for check in self.standard.checks:
            if check.rule != "business_scale_thresholds":
                continue
            scale = check.params["scale"]
            derived = derived_scale(check.params, set(valid.columns))
            declared = pl.col(scale) if scale in valid.columns else pl.lit(None, dtype=pl.String)
            valid = valid.with_columns(
                pl.coalesce(declared, derived).alias(scale),
                (declared.is_null() & derived.is_not_null()).alias(f"{scale}__derived"),
            )
        return valid


@dataclass
class FileChecks:
    """Checks over every row of a file: duplicates and NIK digits zeroed by Excel."""

    unique_keys: list[list[str]]
    keys: list[pl.DataFrame] = field(default_factory=list)

    # Excel replaces the 16th digit with 0. Serial numbers ending in 0 occur in about one NIK
    # in ten, so a file where most NIKs end in 0 has been through a number-formatted column.
    ZEROED_SHARE = 0.5
    ZEROED_MIN_COUNT = 5

    def add(self, keys: pl.DataFrame) -> None:
        self.keys.append(keys)

    def errors(self) -> pl.DataFrame:
        if not self.keys:
            return empty_errors()
        frame = pl.concat(self.keys, how="diagonal_relaxed")
        parts = [self._zeroed_niks(frame)]
        normalized = frame
        if "business_name" in frame.columns:
            normalized = frame.with_columns(
                pl.col("business_name").str.to_lowercase().str.replace_all(r"[^a-z0-9]", "").alias("__name_key")
            )
        for key in self.unique_keys:
            columns = ["__name_key" if c == "business_name" else c for c in key]
            if not all(c in normalized.columns for c in columns):
                continue
            present = normalized.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in columns]))
            firsts = present.group_by(columns).agg(pl.col(ROW).min().alias("__first"))
            duplicates = present.join(firsts, on=columns).filter(pl.col(ROW) != pl.col("__first"))
            if duplicates.height:
                label = " + ".join(key)
                parts.append(pl.DataFrame({
                    "row": duplicates.get_column(ROW),
                    "field": pl.Series([key[0]] * duplicates.height, dtype=pl.String),
                    "value": duplicates.get_column(columns[0]).cast(pl.String),
                    "code": pl.Series(["duplicate_in_file"] * duplicates.height, dtype=pl.String),
                    "detail": duplicates.select(
                        pl.struct(first_row=pl.col("__first"), key=pl.lit(label)).struct.json_encode()
                    ).to_series(),
                }))
        parts = [p for p in parts if p.height]
        if not parts:
            return empty_errors()
        return pl.concat(parts).select([pl.col(k).cast(t) for k, t in ERROR_SCHEMA.items()])

    def _zeroed_niks(self, frame: pl.DataFrame) -> pl.DataFrame:
        if "owner_nik" not in frame.columns:
            return empty_errors()
        niks = frame.filter(pl.col("owner_nik").is_not_null())
        if niks.height < self.ZEROED_MIN_COUNT:
            return empty_errors()
        zeroed = niks.filter(pl.col("owner_nik").str.ends_with("0"))
        share = zeroed.height / niks.height
        if share <= self.ZEROED_SHARE:
            return empty_errors()
        detail = json.dumps({"share": f"{share:.0%}"})
        return pl.DataFrame({
            "row": zeroed.get_column(ROW),
            "field": pl.Series(["owner_nik"] * zeroed.height, dtype=pl.String),
            "value": zeroed.get_column("owner_nik"),
            "code": pl.Series(["excel_zeroed"] * zeroed.height, dtype=pl.String),
            "detail": pl.Series([detail] * zeroed.height, dtype=pl.String),
        })


def unique_keys_of(standard: StandardSpec) -> list[list[str]]:
    keys: list[list[str]] = []
    for check in standard.checks:
        if check.rule == "unique_in_file":
            keys.extend([list(k) for k in check.params["keys"]])
    return keys


def variable_labels(standard: StandardSpec) -> dict[str, str]:
    return {v.code: v.label or v.code for v in standard.variables}


def spec_by_code(standard: StandardSpec) -> dict[str, VariableSpec]:
    return {v.code: v for v in standard.variables}
