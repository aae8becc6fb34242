"""Compiling validated rows into the registry, all of a submission in one transaction.

For each row: find the business it describes (same NIB, or same owner NIK and business name),
then either register a new business with a new UMKM code, or update the existing one and keep
its previous master data as an earlier version. Transaction values are stored per reference
year; a newer record for the same year supersedes the older one, which stays in the history.
"""

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError
from satudata.reference.lookups import code_list_lookup, region_lookup
from satudata.registry import bulk
from satudata.registry.codes import format_codes
from satudata.registry.keys import name_key_expr
from satudata.registry.models import Business, BusinessVersion, Owner, TransactionRecord, UmkmCodeCounter
from satudata.security.crypto import BlindIndex, FieldCipher
from satudata.validation.specs import StandardSpec

logger = logging.getLogger(__name__)

BATCH_ROWS = 100_000
QUERY_CHUNK = 5_000

# Variables stored in columns of Business; other master variables go to Business.attributes.
BUSINESS_COLUMNS = {
    "nib": "nib",
    "business_name": "name",
    "legal_form": "legal_form",
    "kbli": "kbli",
    "main_activity": "main_activity",
    "products": "products",
    "business_address": "address",
    "business_rt": "rt",
    "business_rw": "rw",
    "business_village_code": "village_code",
    "latitude": "latitude",
    "longitude": "longitude",
    "year_started": "year_started",
    "month_started": "month_started",
    "business_scale": "scale",
}
OWNER_COLUMNS = {
    "owner_name": "name",
    "owner_sex": "sex",
    "owner_birth_date": "birth_date",
    "owner_education": "education",
    "owner_disability": "has_disability",
    "owner_village_code": "village_code",
}
# Personal data stored encrypted, with the blind index used to match it.
SEALED = ("owner_nik", "owner_phone", "owner_email", "owner_address")
INDEXED = {"owner_nik": "nik", "owner_phone": "phone", "owner_email": "email"}
# Columns that describe the file rather than the business.
NOT_STORED = {"reference_year", "business_scale__derived"}
TEXT_DEFAULT = {"legal_form", "main_activity", "products", "rt", "rw", "scale", "sex", "education", "village_code"}


class StaleRegionCodes(DomainError):
    code = "registry.region_codes_stale"
    http_status = 409


@dataclass
class CompileResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    transactions: int = 0
    seconds: float = 0.0


class Compiler:
    def __init__(self, submission, standard: StandardSpec) -> None:
        self.submission = submission
        self.standard = standard
        self.now = timezone.now()
        self.ciphers = {code: FieldCipher(code) for code in SEALED}
        self.indexes = {code: BlindIndex(purpose) for code, purpose in INDEXED.items()}
        # Codes are stored in the KBLI edition they were validated against, which the producer may declare.
        kbli = code_list_lookup("kbli", (submission.summary or {}).get("kbli_edition")) or code_list_lookup("kbli")
        self.kbli_edition = kbli.edition if kbli else ""
        self.division_category = {c: p for c, p in (kbli.parents.items() if kbli else []) if len(c) == 2}
        regions = region_lookup()
        self.regions = regions
        self.region_edition = regions.edition if regions else ""
        master = [v for v in standard.variables if v.kind == "master" and v.datatype != "region_name"]
        self.attribute_codes = [
            v.code for v in master
            if v.code not in BUSINESS_COLUMNS and v.code not in OWNER_COLUMNS and v.code not in SEALED
            and v.code not in ("owner_rt", "owner_rw", "kbli_category")
        ]
        self.master_codes = [v.code for v in master]
        self.transaction_codes = [
            v.code for v in standard.variables if v.kind == "transaction" and v.code not in NOT_STORED
        ]
        self.result = CompileResult()

    # -- preparing a batch -------------------------------------------------------------------------

    def _complete(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add null columns for variables the file did not have, and the derived columns."""
        missing = [
            pl.lit(None, dtype=pl.String).alias(v.code)
            for v in self.standard.variables
            if v.code not in frame.columns and v.datatype != "region_name"
        ]
        if "business_scale__derived" not in frame.columns:
            missing.append(pl.lit(False).alias("business_scale__derived"))
        frame = frame.with_columns(missing)
        frame = self._current_villages(frame)
        village = pl.col("business_village_code")
        divisions = self.division_category
        return frame.with_columns(
            name_key_expr(pl.col("business_name")).alias("__name_key"),
            name_key_expr(pl.col("owner_name")).alias("__owner_name_key"),
            village.str.slice(0, 8).alias("__district"),
            village.str.slice(0, 5).alias("__regency"),
            village.str.slice(0, 2).alias("__province"),
            pl.col("kbli").str.slice(0, 2).alias("__division"),
            pl.col("kbli").str.slice(0, 2).replace_strict(
                list(divisions), list(divisions.values()), default="", return_dtype=pl.String
            ).alias("__category"),
            pl.col("__row").cast(pl.Int64),
        )

    def _current_villages(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Store villages in the current region edition, keeping a business's code of an older edition.

        Raises ``StaleRegionCodes`` when a code is in neither, because the region list or a crosswalk
        pair changed after the submission was validated.
        """
        regions = self.regions
        if regions is None:
            return frame.with_columns(pl.lit("").alias("__submitted_village"), pl.lit("").alias("__submitted_edition"))
        submitted = pl.col("business_village_code")
        frame = frame.with_columns(
            pl.when(regions.submitted_edition(submitted) != "").then(submitted).otherwise(pl.lit(""))
            .alias("__submitted_village"),
            regions.submitted_edition(submitted).alias("__submitted_edition"),
            regions.to_current(submitted).alias("business_village_code"),
            regions.to_current(pl.col("owner_village_code")).alias("owner_village_code"),
        )
        current = regions.villages.implode()
        stale = frame.filter(
            (pl.col("business_village_code").is_not_null() & ~pl.col("business_village_code").is_in(current))
            | (pl.col("owner_village_code").is_not_null() & ~pl.col("owner_village_code").is_in(current))
        )
        if stale.height:
            raise StaleRegionCodes(
                _("{count} rows have village codes that are not in the current region list ({edition}), for "
                  "example row {row}. Validate the submission again."),
                count=stale.height, edition=regions.edition, row=stale.get_column("__row").min(),
            )
        return frame

    def _seal(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Encrypt personal data and compute blind indexes; the clear columns are dropped."""
        address = frame.select(
            pl.when(pl.col("owner_address").is_not_null() | pl.col("owner_rt").is_not_null()
                    | pl.col("owner_rw").is_not_null())
            .then(pl.struct(address=pl.col("owner_address"), rt=pl.col("owner_rt"), rw=pl.col("owner_rw"))
                  .struct.json_encode())
            .otherwise(None)
        ).to_series()
        columns = []
        for code in SEALED:
            values = address if code == "owner_address" else frame.get_column(code).cast(pl.String)
            plain = values.to_list()
            columns.append(pl.Series(f"__sealed_{code}", self.ciphers[code].encrypt_many(plain), dtype=pl.String))
            if code in self.indexes:
                columns.append(pl.Series(f"__index_{code}", self.indexes[code].compute_many(plain), dtype=pl.String))
        return frame.with_columns(columns).drop(list(SEALED) + ["owner_rt", "owner_rw"])

    # -- matching ----------------------------------------------------------------------------------

    @staticmethod
    def _chunks(values: list, size: int = QUERY_CHUNK) -> Iterator[list]:
        for start in range(0, len(values), size):
            yield values[start:start + size]

    def _match(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add ``__business_id`` and ``__owner_id`` of the registry business each row describes."""
        by_nib: dict[str, tuple[int, int]] = {}
        nibs = frame.get_column("nib").drop_nulls().unique().to_list()
        for chunk in self._chunks(nibs):
            for nib, business_id, owner_id in Business.objects.filter(
                nib__in=chunk, status=Business.Status.ACTIVE
            ).order_by("id").values_list("nib", "id", "owner_id"):
                by_nib.setdefault(nib, (business_id, owner_id))
        owners: dict[str, int] = {}
        niks = frame.get_column("__index_owner_nik").drop_nulls().unique().to_list()
        for chunk in self._chunks(niks):
            for index, owner_id in Owner.objects.filter(nik_index__in=chunk).values_list("nik_index", "id"):
                owners.setdefault(index, owner_id)
        by_owner_name: dict[tuple[int, str], int] = {}
        for chunk in self._chunks(list(set(owners.values()))):
            for business_id, owner_id, key in Business.objects.filter(
                owner_id__in=chunk, status=Business.Status.ACTIVE
            ).order_by("id").values_list("id", "owner_id", "name_key"):
                by_owner_name.setdefault((owner_id, key), business_id)

        business_ids: list[int | None] = []
        owner_ids: list[int | None] = []
        for nib, nik_index, key in frame.select("nib", "__index_owner_nik", "__name_key").iter_rows():
            found = by_nib.get(nib) if nib else None
            if found is not None:
                business_ids.append(found[0])
                owner_ids.append(found[1])
                continue
            owner_id = owners.get(nik_index) if nik_index else None
            business_id = by_owner_name.get((owner_id, key)) if owner_id is not None else None
            business_ids.append(business_id)
            owner_ids.append(owner_id)
        return frame.with_columns(
            pl.Series("__business_id", business_ids, dtype=pl.Int64),
            pl.Series("__owner_id", owner_ids, dtype=pl.Int64),
        )

    # -- writing -----------------------------------------------------------------------------------

    def _snapshot(self, frame: pl.DataFrame) -> pl.Series:
        """Master data of each row as JSON: clear values, blind indexes and sealed tokens."""
        clear = [c for c in self.master_codes if c not in SEALED and c not in ("owner_rt", "owner_rw")]
        exprs = {code: pl.col(code) for code in clear}
        exprs["scale_is_derived"] = pl.col("business_scale__derived")
        values = pl.struct(**exprs)
        index = pl.struct(**{code: pl.col(f"__index_{code}") for code in INDEXED})
        sealed = pl.struct(**{code: pl.col(f"__sealed_{code}") for code in SEALED})
        return frame.select(
            pl.struct(values=values, index=index, sealed=sealed).struct.json_encode().alias("data")
        ).to_series()

    @staticmethod
    def _comparable(data: str) -> str:
        parsed = json.loads(data)
        return json.dumps({"values": parsed["values"], "index": parsed["index"]}, sort_keys=True)

    def _transactions_json(self, frame: pl.DataFrame) -> pl.Series:
        present = [c for c in self.transaction_codes if c in frame.columns]
        return frame.select(
            pl.struct(**{c: pl.col(c) for c in present}).struct.json_encode().alias("values")
        ).to_series()

    def _attributes_json(self, frame: pl.DataFrame) -> pl.Series:
        if not self.attribute_codes:
            return pl.Series("attributes", ["{}"] * frame.height)
        return frame.select(
            pl.struct(**{c: pl.col(c) for c in self.attribute_codes}).struct.json_encode().alias("attributes")
        ).to_series()

    def _owner_rows(self, frame: pl.DataFrame, ids: list[int]) -> Iterator[tuple]:
        columns = frame.select(
            "__index_owner_nik", "__sealed_owner_nik", "owner_name", "__owner_name_key", "owner_sex",
            "owner_birth_date", "owner_education", "owner_disability", "__sealed_owner_phone",
            "__index_owner_phone", "__sealed_owner_email", "__index_owner_email", "__sealed_owner_address",
            "owner_village_code",
        ).iter_rows()
        for owner_id, row in zip(ids, columns, strict=True):
            (nik_index, nik, name, name_key, sex, birth, education, disability, phone, phone_index,
             email, email_index, address, village) = row
            yield (owner_id, nik_index, nik, name, name_key, sex or "", birth, education or "", disability,
                   phone, phone_index, email, email_index, address, village or "", self.now, self.now)

    OWNER_INSERT = (
        "id", "nik_index", "nik_encrypted", "name", "name_key", "sex", "birth_date", "education",
        "has_disability", "phone_encrypted", "phone_index", "email_encrypted", "email_index",
        "address_encrypted", "village_code", "created_at", "updated_at",
    )
    BUSINESS_FIELDS = (
        "nib", "name", "name_key", "legal_form", "kbli", "kbli_edition", "kbli_category", "kbli_division",
        "main_activity", "products", "address", "rt", "rw", "village_code", "district_code", "regency_code",
        "province_code", "region_edition", "submitted_village_code", "submitted_region_edition", "latitude",
        "longitude", "year_started", "month_started", "scale", "scale_is_derived", "attributes",
    )

    def _business_values(self, frame: pl.DataFrame) -> Iterator[tuple]:
        attributes = self._attributes_json(frame)
        rows = frame.select(
            "nib", "business_name", "__name_key", "legal_form", "kbli", "__category", "__division",
            "main_activity", "products", "business_address", "business_rt", "business_rw",
            "business_village_code", "__district", "__regency", "__province", "__submitted_village",
            "__submitted_edition", "latitude", "longitude", "year_started", "month_started", "business_scale",
            "business_scale__derived",
        ).iter_rows()
        for row, attrs in zip(rows, attributes, strict=True):
            (nib, name, key, legal_form, kbli, category, division, activity, products, address, rt, rw,
             village, district, regency, province, submitted_village, submitted_edition, lat, lon, year, month,
             scale, derived) = row
            yield (nib, name, key, legal_form or "", kbli, self.kbli_edition, category, division, activity or "",
                   products or "", address, rt or "", rw or "", village, district, regency, province,
                   self.region_edition, submitted_village or "", submitted_edition or "", lat, lon, year, month,
                   scale or "", bool(derived), attrs)

    def compile_batch(self, batch: pl.DataFrame) -> None:
        frame = self._seal(self._complete(batch))
        frame = self._match(frame)
        submission_id = self.submission.pk

        new = frame.filter(pl.col("__business_id").is_null())
        old = frame.filter(pl.col("__business_id").is_not_null())

        # Owners of new businesses: an owner already registered, one new owner per NIK, or one per row without NIK.
        needs_owner = new.filter(pl.col("__owner_id").is_null())
        with_nik = needs_owner.filter(pl.col("__index_owner_nik").is_not_null()).unique(
            "__index_owner_nik", keep="first", maintain_order=True
        )
        without_nik = needs_owner.filter(pl.col("__index_owner_nik").is_null())
        owner_source = pl.concat([with_nik, without_nik])
        owner_ids = bulk.reserve_ids(Owner._meta.db_table, owner_source.height)
        bulk.insert_rows(Owner._meta.db_table, self.OWNER_INSERT, self._owner_rows(owner_source, owner_ids))
        nik_owner = dict(zip(with_nik.get_column("__index_owner_nik").to_list(), owner_ids[: with_nik.height], strict=True))
        row_owner = dict(zip(without_nik.get_column("__row").to_list(), owner_ids[with_nik.height:], strict=True))
        resolved_owner = [
            existing if existing is not None else (nik_owner.get(nik) if nik else row_owner[row])
            for existing, nik, row in new.select("__owner_id", "__index_owner_nik", "__row").iter_rows()
        ]
        new = new.with_columns(pl.Series("__owner_id", resolved_owner, dtype=pl.Int64))

        # New businesses with fresh UMKM codes.
        if new.height:
            business_ids = bulk.reserve_ids(Business._meta.db_table, new.height)
            counter = UmkmCodeCounter.objects.select_for_update().get(pk=1)
            codes = format_codes(counter.last_value + 1, new.height).to_list()
            counter.last_value += new.height
            counter.save(update_fields=["last_value"])
            new = new.with_columns(pl.Series("__business_id", business_ids, dtype=pl.Int64))
            columns = ("id", "umkm_code", "status", "owner_id", *self.BUSINESS_FIELDS,
                       "first_submission_id", "last_submission_id", "created_at", "updated_at")
            bulk.insert_rows(Business._meta.db_table, columns, (
                (bid, code, Business.Status.ACTIVE, owner, *values, submission_id, submission_id, self.now, self.now)
                for bid, code, owner, values in zip(
                    business_ids, codes, new.get_column("__owner_id").to_list(), self._business_values(new), strict=True
                )
            ))
            snapshots = self._snapshot(new)
            bulk.insert_rows(BusinessVersion._meta.db_table, (
                "business_id", "number", "data", "valid_from", "recorded_at", "submission_id", "row_number"
            ), (
                (bid, 1, data, dt.date(int(year), 1, 1), self.now, submission_id, row)
                for bid, data, year, row in zip(
                    business_ids, snapshots, new.get_column("reference_year").to_list(),
                    new.get_column("__row").to_list(), strict=True,
                )
            ))
            self.result.created += new.height

        if old.height:
            self._update_existing(old)

        self._insert_transactions(pl.concat([new, old], how="diagonal_relaxed"))

    def _update_existing(self, old: pl.DataFrame) -> None:
        submission_id = self.submission.pk
        ids = old.get_column("__business_id").to_list()
        # business id → (id of its current version, version number, data)
        current: dict[int, tuple[int, int, str]] = {}
        for chunk in self._chunks(ids):
            for version_id, business_id, number, data in BusinessVersion.objects.filter(
                business_id__in=chunk, superseded_at__isnull=True
            ).values_list("id", "business_id", "number", "data"):
                current[business_id] = (version_id, number, json.dumps(data))
        snapshots = self._snapshot(old).to_list()
        changed_rows: list[int] = []
        for position, (business_id, data) in enumerate(zip(ids, snapshots, strict=True)):
            previous = current.get(business_id)
            if previous is None or self._comparable(previous[2]) != self._comparable(data):
                changed_rows.append(position)
        unchanged = old.height - len(changed_rows)
        self.result.unchanged += unchanged
        self.result.updated += len(changed_rows)
        changed = old[changed_rows] if changed_rows else old.clear()
        if changed.height:
            changed_ids = changed.get_column("__business_id").to_list()
            bulk.update_rows(BusinessVersion._meta.db_table, ("superseded_at",), (
                (self.now, current[bid][0]) for bid in changed_ids if bid in current
            ))
            bulk.insert_rows(BusinessVersion._meta.db_table, (
                "business_id", "number", "data", "valid_from", "recorded_at", "submission_id", "row_number"
            ), (
                (bid, (current[bid][1] + 1) if bid in current else 1, data, dt.date(int(year), 1, 1), self.now,
                 submission_id, row)
                for bid, data, year, row in zip(
                    changed_ids, [snapshots[p] for p in changed_rows],
                    changed.get_column("reference_year").to_list(), changed.get_column("__row").to_list(), strict=True,
                )
            ))
            bulk.update_rows(Business._meta.db_table, (*self.BUSINESS_FIELDS, "last_submission_id", "updated_at"), (
                (*values, submission_id, self.now, bid)
                for bid, values in zip(changed_ids, self._business_values(changed), strict=True)
            ))
            owner_ids = changed.get_column("__owner_id").to_list()
            bulk.update_rows(Owner._meta.db_table, self.OWNER_INSERT[1:-2] + ("updated_at",), (
                (*row[1:-2], self.now, owner_id)
                for owner_id, row in zip(owner_ids, self._owner_rows(changed, owner_ids), strict=True)
            ))
        changed_positions = set(changed_rows)
        unchanged_ids = [bid for p, bid in enumerate(ids) if p not in changed_positions]
        bulk.update_rows(Business._meta.db_table, ("last_submission_id",), ((submission_id, bid) for bid in unchanged_ids))

    def _insert_transactions(self, frame: pl.DataFrame) -> None:
        if not frame.height:
            return
        submission_id = self.submission.pk
        matched = frame.filter(pl.col("__owner_id").is_not_null())
        with connection.cursor() as cursor:
            superseded = [
                (self.now, bid, int(year))
                for bid, year in frame.select("__business_id", "reference_year").iter_rows()
            ]
            if matched.height and TransactionRecord.objects.exists():
                cursor.executemany(
                    f"UPDATE {TransactionRecord._meta.db_table} SET superseded_at = %s "  # noqa: S608
                    "WHERE business_id = %s AND period = %s AND superseded_at IS NULL",
                    superseded,
                )
        values = self._transactions_json(frame)
        bulk.insert_rows(TransactionRecord._meta.db_table, (
            "business_id", "period", "values", "standard_version", "recorded_at", "submission_id", "row_number"
        ), (
            (bid, int(year), data, self.standard.label, self.now, submission_id, row)
            for bid, year, data, row in zip(
                frame.get_column("__business_id").to_list(), frame.get_column("reference_year").to_list(),
                values, frame.get_column("__row").to_list(), strict=True,
            )
        ))
        self.result.transactions += frame.height


def compile_rows(submission, standard: StandardSpec, batches: Iterator[pl.DataFrame]) -> CompileResult:
    """Compile all batches in one transaction: the registry gets all of them or none."""
    started = time.monotonic()
    compiler = Compiler(submission, standard)
    with transaction.atomic():
        UmkmCodeCounter.objects.get_or_create(pk=1)
        for batch in batches:
            compiler.compile_batch(batch)
    compiler.result.seconds = round(time.monotonic() - started, 3)
    logger.info(
        "Compiled submission=%s created=%d updated=%d unchanged=%d seconds=%.1f",
        submission.pk, compiler.result.created, compiler.result.updated, compiler.result.unchanged,
        compiler.result.seconds,
    )
    return compiler.result
