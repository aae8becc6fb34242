"""The validation engine: one batch of rows in, canonical valid rows and row-level errors out.

A batch is a Polars frame with ``__row`` (the row number the spreadsheet shows), one text
column per mapped variable and, for workbooks, ``__num__<code>`` columns that say which cells
were stored as numbers.

Each variable is checked in two passes. The fast pass (``fast.py``) accepts well-formed cells
with one vector operation per column; only the cells it does not accept go through the full
rule (``rules.py``), which reads every notation and names the error. Checks across variables
run on the parsed values, and checks that need the whole file (duplicates, digits zeroed by
Excel) run in ``FileChecks`` after the last batch.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from satudata.reference.names import LearnedSpellings
from satudata.validation.checks import CHECKS, derived_scale, row_checks
from satudata.validation.fast import FAST_PATHS, FORMS
from satudata.validation.rules import RULES, RuleContext
from satudata.validation.specs import StandardSpec, VariableSpec

ROW = "__row"
INDEX = "__index"
NAME_PREFIX = "__name_"
# Columns of the cache of resolved region name tuples (see ``RegionNameIndex.resolve_frame``).
TUPLE_RESULT_SCHEMA = {"__code": pl.String, "__error": pl.String, "__error_level": pl.Int32, "__detail": pl.String}
ERROR_SCHEMA = {"row": pl.Int64, "field": pl.String, "value": pl.String, "code": pl.String, "detail": pl.String}
VALUE_TYPES = {
    "text": pl.String, "nib": pl.String, "nik": pl.String, "phone": pl.String, "email": pl.String,
    "rt_rw": pl.String, "money": pl.Float64, "decimal": pl.Float64, "integer": pl.Int64,
    "latitude": pl.Float64, "longitude": pl.Float64, "year": pl.Int32, "month": pl.Int32,
    "boolean": pl.Boolean, "date": pl.Date, "code": pl.String, "region": pl.String,
}


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
    # The mapped name variable of each level, None where the file does not map that level.
    names: list[str | None]
    # The standard's name variable of each level, mapped or not.
    levels: list[str | None]


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
        self.labels = {v.code: v.label or v.code for v in standard.variables}
        # Resolved region name tuples of the file so far, as ``_looked_up`` caches them.
        self._name_cache: pl.DataFrame | None = None
        self._spellings = LearnedSpellings()

    # -- region names ------------------------------------------------------------------------------

    def _region_targets(self) -> list[RegionTarget]:
        targets: dict[str, RegionTarget] = {}
        for v in self.standard.variables:
            if v.datatype == "region_name":
                target = targets.setdefault(v.domain["target"], RegionTarget(v.domain["target"], [None] * 4, [None] * 4))
                level = int(v.domain["level"]) - 1
                target.levels[level] = v.code
                if v.code in self.mapped:
                    target.names[level] = v.code
        return [t for t in targets.values() if any(t.names)]

    def _resolve_names(self, frame: pl.DataFrame, target: RegionTarget) -> pl.DataFrame:
        """Fill the target code from the names where no code is given; add the name errors.

        Adds ``__rerr__``, ``__rfield__`` and ``__rdetail__`` columns for the target. Distinct
        name tuples are resolved once per file, whichever target and batch they appear in, and
        joined back on a 64-bit hash of the tuple as the file writes it. A second hash with
        another seed is compared after the join, so a collision of the first leaves the row
        unresolved rather than placing it in the wrong village. Comparing one number costs less
        than comparing four names, and trimming the names of each distinct tuple once costs less
        than trimming every cell.
        """
        mapped = [c for c in target.names if c is not None]
        code_given = pl.col(target.code).is_not_null() if target.code in frame.columns else pl.lit(False)
        if len(mapped) < 4:
            return self._incomplete_names(frame, target, mapped, code_given)
        # Generic field names, so the owner's and the business's names share one hash and one cache.
        names = pl.struct([pl.col(c).alias(f"{NAME_PREFIX}{level}") for level, c in enumerate(mapped, 1)])
        frame = frame.with_columns(
            (~code_given & pl.any_horizontal([pl.col(c).is_not_null() for c in mapped])).alias("__wanted"),
            names.hash(seed=7).alias("__tkey"),
            names.hash(seed=13).alias("__tcheck"),
        )
        if frame.get_column("__wanted").any():
            frame = frame.hstack(self._looked_up(frame, mapped).get_columns())
        else:
            looked_up_schema = {"__r_tcheck": pl.UInt64, **TUPLE_RESULT_SCHEMA}
            frame = frame.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in looked_up_schema.items()])
        placed = pl.col("__wanted") & (pl.col("__tcheck") == pl.col("__r_tcheck")).fill_null(False)
        resolved_code = pl.when(placed).then(pl.col("__code"))
        code_column = pl.coalesce(pl.col(target.code), resolved_code) if target.code in frame.columns else resolved_code
        frame = frame.with_columns(
            code_column.alias(target.code),
            pl.when(placed).then(pl.col("__error")).alias(f"__rerr__{target.code}"),
            pl.col("__error_level").replace_strict(list(range(1, 5)), target.names, default=None,
                                                   return_dtype=pl.String).alias(f"__rfield__{target.code}"),
            pl.col("__detail").alias(f"__rdetail__{target.code}"),
        )
        return frame.drop("__wanted", "__tkey", "__tcheck", "__r_tcheck", *TUPLE_RESULT_SCHEMA)

    def _incomplete_names(self, frame: pl.DataFrame, target: RegionTarget, mapped: list[str],
                          code_given: pl.Expr) -> pl.DataFrame:
        """Report each row with names but no code, which cannot be placed when fewer than four levels are mapped."""
        written = pl.any_horizontal([(pl.col(c).str.strip_chars().str.len_bytes() > 0).fill_null(False) for c in mapped])
        incomplete = ~code_given & written
        missing = ", ".join(self.labels[level] for name, level in zip(target.names, target.levels, strict=True)
                            if name is None and level is not None)
        return frame.with_columns(
            pl.when(incomplete).then(pl.lit("region.name_incomplete")).alias(f"__rerr__{target.code}"),
            pl.when(incomplete).then(pl.lit(mapped[0])).alias(f"__rfield__{target.code}"),
            pl.when(incomplete).then(pl.lit(json.dumps({"missing": missing}, ensure_ascii=False)))
            .alias(f"__rdetail__{target.code}"),
        )

    def _looked_up(self, frame: pl.DataFrame, mapped: list[str]) -> pl.DataFrame:
        """Return, in the frame's row order, the cached result of each row's name tuple.

        The columns are ``__r_tcheck`` and those of ``TUPLE_RESULT_SCHEMA``. A row whose tuple is
        not wanted may find nothing. Tuples not yet cached are resolved and cached first.
        """
        keys = frame.select("__tkey", "__wanted")
        missing = keys.get_column("__wanted")
        if self._name_cache is not None:
            found = self._join_cache(keys)
            missing = missing & found.get_column("__r_tcheck").is_null()
            if not missing.any():
                return found
        generic = [f"{NAME_PREFIX}{level}" for level in range(1, 5)]
        new = (frame.select("__tkey", "__tcheck", *[pl.col(c).alias(g) for c, g in zip(mapped, generic, strict=True)])
               .filter(missing).unique("__tkey"))
        result = self._resolve_tuples(new.select(generic), generic)
        result = result.with_columns(new.get_column("__tkey"), new.get_column("__tcheck")).select(
            "__tkey", "__tcheck", *TUPLE_RESULT_SCHEMA)
        self._name_cache = result if self._name_cache is None else pl.concat([self._name_cache, result])
        return self._join_cache(keys)

    def _join_cache(self, keys: pl.DataFrame) -> pl.DataFrame:
        # The result keeps the frame's row order because the cache contains each key once.
        return keys.select("__tkey").join(self._name_cache.rename({"__tcheck": "__r_tcheck"}), on="__tkey",
                                          how="left", maintain_order="left").drop("__tkey")

    def _resolve_tuples(self, tuples: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        """Resolve distinct name tuples as the file writes them; return the columns of ``TUPLE_RESULT_SCHEMA``.

        Names are trimmed here, and a name that is empty once trimmed counts as missing. A tuple
        with no name stays unplaced without an error, so the code is reported as missing. A tuple
        with some names missing gets ``region.name_incomplete``.
        """
        trimmed = tuples.select([pl.col(c).str.strip_chars().replace("", None) for c in columns])
        named = pl.sum_horizontal([pl.col(c).is_not_null() for c in columns])
        counts = trimmed.select(named.alias("n")).get_column("n")
        complete = counts == len(columns)
        incomplete = pl.lit(counts.is_between(1, len(columns) - 1))
        result = pl.DataFrame(schema=TUPLE_RESULT_SCHEMA).clear(n=tuples.height).with_columns(
            pl.when(incomplete).then(pl.lit("region.name_incomplete")).alias("__error"),
            pl.when(incomplete).then(pl.lit(1, dtype=pl.Int32)).alias("__error_level"),
            pl.when(incomplete).then(pl.lit(json.dumps({"missing": "…"}))).alias("__detail"),
        )
        if self.ctx.regions is None or not complete.any():
            return result
        positions = pl.Series(range(tuples.height), dtype=pl.UInt32).filter(complete)
        placed = self.ctx.regions.names.resolve_frame(trimmed.filter(complete), columns, self._spellings)
        return result.with_columns([
            result.get_column(c).scatter(positions, placed.get_column(c)) for c in TUPLE_RESULT_SCHEMA
        ])

    # -- the batch ---------------------------------------------------------------------------------

    def validate(self, batch: pl.DataFrame) -> BatchResult:
        frame = batch.with_columns(pl.col(ROW).cast(pl.Int64), pl.int_range(pl.len()).alias(INDEX))
        for target in self.region_targets:
            frame = self._resolve_names(frame, target)
        parsed = self._parse(frame)
        columns = set(parsed.columns)
        check_errors = self._run_checks(parsed, columns)
        errors = self._collect_errors(parsed, frame, check_errors)
        rejected = errors.get_column("row").unique().implode()
        value_columns = [ROW] + [v.code for v in self.variables if v.code in parsed.columns]
        valid = parsed.select(value_columns)
        if errors.height:
            valid = valid.filter(~pl.col(ROW).is_in(rejected))
        valid = self._add_derived(valid)
        keys = parsed.select(self._key_expressions(set(parsed.columns)))
        return BatchResult(valid=valid, errors=errors, rows=batch.height, keys=keys)

    @staticmethod
    def _key_expressions(columns: set[str]) -> list[pl.Expr]:
        """What the whole-file checks need of each row: NIB, NIK, and a hash of NIK with the name."""
        exprs = [pl.col(ROW)]
        for name in ("nib", "owner_nik"):
            exprs.append(pl.col(name) if name in columns else pl.lit(None, dtype=pl.String).alias(name))
        if "owner_nik" in columns and "business_name" in columns:
            name_key = pl.col("business_name").str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")
            exprs.append(
                pl.when(pl.col("owner_nik").is_not_null() & pl.col("business_name").is_not_null())
                .then(pl.struct(pl.col("owner_nik"), name_key).hash(seed=11)).alias("__nik_name")
            )
        return exprs

    def _parse(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Canonical value and error code of every variable, fast pass first."""
        fast_exprs: list[pl.Expr] = [pl.col(INDEX), pl.col(ROW)]
        forms = self._forms(frame)
        for v in self.variables:
            raw = self._raw(frame, v)
            numeric = self._numeric(frame, v)
            fast = FAST_PATHS.get(v.datatype)
            dtype = VALUE_TYPES[v.datatype]
            present = (raw.is_not_null() & (raw.str.len_bytes() > 0)).fill_null(False)
            if fast is None:
                value, ok = pl.lit(None, dtype=dtype), pl.lit(False)
            elif v.code in forms:
                value, ok = fast(raw, numeric, v, self.ctx, forms=forms[v.code])
            else:
                value, ok = fast(raw, numeric, v, self.ctx)
            ok = present & ok.fill_null(False)
            # The value is not masked with ``ok`` here, which would copy every column once more:
            # ``_full_rule`` replaces it where the fast path did not accept the cell.
            fast_exprs += [
                value.cast(dtype).alias(v.code),
                ok.alias(f"__ok__{v.code}"),
                present.alias(f"__present__{v.code}"),
            ]
        # The lazy engine computes an expression that several outputs share (``ok`` above, the
        # NIK parts) once per batch; the eager ``select`` evaluates it for every use.
        parsed = frame.lazy().select(fast_exprs).collect()
        outputs: list[pl.Series] = []
        for v in self.variables:
            outputs.extend(self._full_rule(frame, parsed, v))
        return parsed.with_columns(outputs).drop([c for c in parsed.columns if c.startswith(("__ok__", "__present__"))])

    def _forms(self, frame: pl.DataFrame) -> dict[str, frozenset[str]]:
        """Return, for each variable whose fast path has ``FORMS``, the notations some cell of ``frame`` shows."""
        tests = {
            (v.code, form): test.any()
            for v in self.variables if v.datatype in FORMS and v.code in frame.columns
            for form, test in FORMS[v.datatype](self._raw(frame, v)).items()
        }
        if not tests:
            return {}
        found = frame.lazy().select([test.alias(f"{code}\x00{form}") for (code, form), test in tests.items()]).collect()
        forms: dict[str, set[str]] = {code: set() for code, _form in tests}
        for (code, form), seen in zip(tests, found.row(0), strict=True):
            if seen:
                forms[code].add(form)
        return {code: frozenset(names) for code, names in forms.items()}

    def _raw(self, frame: pl.DataFrame, v: VariableSpec) -> pl.Expr:
        return pl.col(v.code).cast(pl.String) if v.code in frame.columns else pl.lit(None, dtype=pl.String)

    def _numeric(self, frame: pl.DataFrame, v: VariableSpec) -> pl.Expr:
        name = f"__num__{v.code}"
        return pl.col(name).fill_null(False) if name in frame.columns else pl.lit(False)

    def _full_rule(self, frame: pl.DataFrame, parsed: pl.DataFrame, v: VariableSpec) -> list[pl.Series]:
        """Run the full rule on the cells the fast pass did not accept; return value, error and detail."""
        value = parsed.get_column(v.code)
        present = parsed.get_column(f"__present__{v.code}")
        ok = parsed.get_column(f"__ok__{v.code}")
        # An empty cell has no value, whatever the fast path made of it. Fast paths map null to
        # null, so this is rare: an empty string that a reader did not turn into null.
        leftover = ~present & value.is_not_null()
        if leftover.any():
            value = pl.select(pl.when(leftover).then(None).otherwise(value)).to_series().alias(v.code)
        error = pl.repeat(None, parsed.height, dtype=pl.String, eager=True).alias(f"__err__{v.code}")
        detail = pl.repeat(None, parsed.height, dtype=pl.String, eager=True).alias(f"__det__{v.code}")
        if v.required:
            error = pl.select(pl.when(~present).then(pl.lit("required")).otherwise(None)).to_series().alias(error.name)
        slow = present & ~ok
        if slow.any():
            needed = [INDEX] + [c for c in (v.code, f"__num__{v.code}") if c in frame.columns]
            sub = frame.select(needed).filter(slow)
            raw = self._raw(frame, v).str.strip_chars()
            raw = pl.when(raw == "").then(None).otherwise(raw)
            out = RULES[v.datatype](raw, self._numeric(frame, v), v, self.ctx)
            rule_error = out.error
            if v.required:
                rule_error = pl.when(raw.is_null()).then(pl.lit("required")).otherwise(rule_error)
            else:
                rule_error = pl.when(raw.is_null()).then(None).otherwise(rule_error)
            rule_detail = out.detail if out.detail is not None else pl.lit(None, dtype=pl.String)
            result = sub.select(
                pl.when(rule_error.is_null()).then(out.value.cast(VALUE_TYPES[v.datatype])).otherwise(None).alias("v"),
                rule_error.alias("e"),
                pl.when(rule_error.is_not_null()).then(rule_detail).otherwise(None).alias("d"),
            )
            positions = sub.get_column(INDEX)
            value = value.scatter(positions, result.get_column("v"))
            error = error.scatter(positions, result.get_column("e"))
            detail = detail.scatter(positions, result.get_column("d"))
        return [value, error, detail]

    def _run_checks(self, parsed: pl.DataFrame, columns: set[str]) -> list[tuple[str, pl.DataFrame]]:
        """Cross-variable checks: error codes for all rows, details only for the failing ones."""
        items: list[tuple[str, pl.Expr, pl.Expr | None]] = []
        for check in row_checks(self.standard):
            for item in CHECKS[check.rule](check.params, columns, self.ctx):
                items.append((item.field, item.error, item.detail))
        if self.ctx.producer_regions and "business_village_code" in columns:
            village = pl.col("business_village_code")
            if self.ctx.regions is not None:
                # A code of an older edition is in scope where its current village is.
                village = self.ctx.regions.to_current(village)
            inside = pl.any_horizontal([
                (village == code) | village.str.starts_with(code + ".") for code in self.ctx.producer_regions
            ])
            outside = village.is_not_null() & pl.col("__err__business_village_code").is_null() & ~inside
            items.append(("business_village_code",
                          pl.when(outside).then(pl.lit("region.outside_scope")).otherwise(None),
                          pl.lit(json.dumps({"scope": self.ctx.producer_scope_label}))))
        sector_item = self._sector_scope_check(columns)
        if sector_item is not None:
            items.append(sector_item)
        if not items:
            return []
        codes = parsed.select([error.alias(f"c{i}") for i, (_f, error, _d) in enumerate(items)])
        failures: list[tuple[str, pl.DataFrame]] = []
        for i, (field_code, _error, detail) in enumerate(items):
            mask = codes.get_column(f"c{i}").is_not_null()
            if not mask.any():
                continue
            values = [c for c in parsed.columns if not c.startswith(("__err__", "__det__"))]
            error_columns = [c for c in parsed.columns if c.startswith("__err__")]
            failing = parsed.select(values + error_columns).filter(mask)
            detail_expr = detail if detail is not None else pl.lit(None, dtype=pl.String)
            failures.append((field_code, failing.select(
                pl.col(ROW), codes.get_column(f"c{i}").filter(mask).alias("code"), detail_expr.cast(pl.String).alias("detail"),
            )))
        return failures

    def _sector_scope_check(self, columns: set[str]) -> tuple[str, pl.Expr, pl.Expr] | None:
        """Reject a valid KBLI code outside the producer's sectors (Pasal 6 ayat 3: central producers
        deliver the data of their business sectors)."""
        sectors = self.ctx.producer_sectors
        if not sectors or "kbli" not in columns:
            return None
        letters = [s for s in sectors if s.isalpha()]
        divisions = [s for s in sectors if s.isdigit()]
        lookup = self.ctx.code_lists.get("kbli")
        division_category = {c: p for c, p in (lookup.parents.items() if lookup else []) if len(c) == 2}
        if letters and not division_category:
            # Without the KBLI divisions the category of a code is unknown, so no row can be judged.
            return None
        division = pl.col("kbli").str.slice(0, 2)
        inside = division.is_in(divisions)
        if letters:
            category = division.replace_strict(list(division_category), list(division_category.values()),
                                               default=None, return_dtype=pl.String)
            inside = inside | category.is_in(letters).fill_null(False)
        outside = pl.col("kbli").is_not_null() & pl.col("__err__kbli").is_null() & ~inside
        return ("kbli", pl.when(outside).then(pl.lit("kbli.outside_scope")).otherwise(None),
                pl.lit(json.dumps({"scope": ", ".join(sectors)})))

    def _collect_errors(self, parsed: pl.DataFrame, frame: pl.DataFrame,
                        check_errors: list[tuple[str, pl.DataFrame]]) -> pl.DataFrame:
        parts: list[pl.DataFrame] = []
        for v in self.variables:
            error_name = f"__err__{v.code}"
            mask = parsed.get_column(error_name).is_not_null()
            if not mask.any():
                continue
            failing = parsed.select(ROW, error_name, f"__det__{v.code}").filter(mask)
            raw = frame.get_column(v.code).filter(mask).cast(pl.String) if v.code in frame.columns else None
            parts.append(pl.DataFrame({
                "row": failing.get_column(ROW),
                "field": pl.Series([v.code] * failing.height, dtype=pl.String),
                "value": raw if raw is not None else pl.Series([None] * failing.height, dtype=pl.String),
                "code": failing.get_column(error_name),
                "detail": failing.get_column(f"__det__{v.code}"),
            }))
        for field_code, failing in check_errors:
            rows = failing.get_column(ROW)
            raw = (frame.select(ROW, pl.col(field_code).cast(pl.String)).filter(pl.col(ROW).is_in(rows.implode()))
                   if field_code in frame.columns else None)
            values = failing.select(ROW).join(raw, on=ROW, how="left").get_column(field_code) if raw is not None else None
            parts.append(pl.DataFrame({
                "row": rows,
                "field": pl.Series([field_code] * failing.height, dtype=pl.String),
                "value": values if values is not None else pl.Series([None] * failing.height, dtype=pl.String),
                "code": failing.get_column("code"),
                "detail": failing.get_column("detail"),
            }))
        for target in self.region_targets:
            error_name = f"__rerr__{target.code}"
            names = [name for name in target.names if name]
            failing = frame.select(ROW, error_name, f"__rfield__{target.code}", f"__rdetail__{target.code}", *names).filter(
                pl.col(error_name).is_not_null()
            )
            if not failing.height:
                continue
            # The value shown is the name at the level that failed.
            values = failing.select(pl.coalesce([
                pl.when(pl.col(f"__rfield__{target.code}") == name).then(pl.col(name)) for name in names
            ])).to_series()
            parts.append(pl.DataFrame({
                "row": failing.get_column(ROW),
                "field": failing.get_column(f"__rfield__{target.code}"),
                "value": values.cast(pl.String),
                "code": failing.get_column(error_name),
                "detail": failing.get_column(f"__rdetail__{target.code}"),
            }))
        if not parts:
            return empty_errors()
        errors = pl.concat([p.select([pl.col(k).cast(t) for k, t in ERROR_SCHEMA.items()]) for p in parts])
        # A village that cannot be placed by name is reported once, not again as a missing code.
        placed_by_name = {t.code for t in self.region_targets}
        if placed_by_name:
            name_rows = errors.filter(pl.col("code").str.starts_with("region.name_")).get_column("row").implode()
            errors = errors.filter(
                ~(pl.col("field").is_in(list(placed_by_name)) & (pl.col("code") == "required") & pl.col("row").is_in(name_rows))
            )
        return errors

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
        for key in self.unique_keys:
            # (owner_nik, business_name) is compared through the hash the batches computed.
            columns = ["nib"] if key == ["nib"] else ["__nik_name", "owner_nik"]
            if not all(c in frame.columns for c in columns):
                continue
            present = frame.select(ROW, *columns, *[k for k in key[:1] if k not in columns]).filter(
                pl.col(columns[0]).is_not_null()
            )
            # Batches are added in file order, so a key's first occurrence is the row it repeats.
            first = pl.struct(columns) if len(columns) > 1 else pl.col(columns[0])
            present = present.with_columns(first.is_first_distinct().alias("__is_first"))
            duplicates = present.filter(~pl.col("__is_first"))
            if duplicates.height:
                firsts = present.filter(pl.col("__is_first")).select(*columns, pl.col(ROW).alias("__first"))
                duplicates = duplicates.join(firsts, on=columns, how="left", maintain_order="left")
            if duplicates.height:
                label = " + ".join(key)
                parts.append(pl.DataFrame({
                    "row": duplicates.get_column(ROW),
                    "field": pl.Series([key[0]] * duplicates.height, dtype=pl.String),
                    "value": duplicates.get_column(key[0]).cast(pl.String),
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

