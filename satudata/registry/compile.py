"""Compiling validated rows into the registry, all of a submission in one transaction.

For each row: find the business it describes, then either register a new business with a new
UMKM code, or update the existing one and keep its previous master data as an earlier version.
Transaction values are stored per reference year; a newer record for the same year supersedes
the older one, which stays in the history.

The same NIB, or the same owner NIK and business name, always decides. When a linkage model is
active, the rows those rules leave go to record linkage (``linkage.services.link_batch``). A
linked row updates its business and a new one is registered. A row whose match is uncertain is
held out of the registry until a reviewer decides it, and the decision compiles it through this
same code (``compile_rows`` with ``reviewed``).
"""

import json
import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError
from satudata.linkage.models import LinkageModel, ReviewItem
from satudata.reference.lookups import code_list_lookup, region_lookup
from satudata.registry import bulk
from satudata.registry.codes import format_codes
from satudata.registry.keys import name_key_expr
from satudata.registry.models import Business, BusinessVersion, Owner, TransactionRecord, UmkmCodeCounter
from satudata.security.sealing import Sealer
from satudata.validation.specs import StandardSpec

logger = logging.getLogger(__name__)


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
# From this many rows on, personal data is sealed in a child process beside the database writes
# (see ``security.sealing``). For fewer rows, starting the process would cost more than it saves.
SEALING_PROCESS_MIN_ROWS = 50_000
# Columns that describe the file rather than the business.
NOT_STORED = {"reference_year", "business_scale__derived"}
TEXT_DEFAULT = {"legal_form", "main_activity", "products", "rt", "rw", "scale", "sex", "education", "village_code"}


class StaleRegionCodes(DomainError):
    code = "registry.region_codes_stale"
    http_status = 409


# Indexes whose keys arrive in random order when an empty registry is loaded. They are built
# after the load (see bulk.indexes_deferred), because building an index from a million rows
# costs a fraction of updating it on every insert.
INDEXES_BUILT_AFTER_LOAD = {
    Owner._meta.db_table: {("phone_index",)},
    Business._meta.db_table: {
        ("kbli_category",), ("kbli_division",), ("province_code", "regency_code", "district_code", "village_code"),
        ("scale",),
    },
}
# The indexes that matching reads. When the rows are matched in memory (``LoadedKeys``), they are
# built after the load too. Otherwise each batch is matched through them against the ones before.
MATCHING_INDEXES = {
    Owner._meta.db_table: {("nik_index",)},
    Business._meta.db_table: {("nib",), ("owner_id", "name_key")},
}


def indexes_built_after_load(matched_in_memory: bool) -> dict[str, set[tuple[str, ...]]]:
    if not matched_in_memory:
        return INDEXES_BUILT_AFTER_LOAD
    return {table: columns | MATCHING_INDEXES.get(table, set()) for table, columns in INDEXES_BUILT_AFTER_LOAD.items()}


class LoadedKeys:
    """The matching keys of what one compilation wrote, for a registry that was empty when it began.

    Rows of a first load can only match businesses and owners that earlier batches of the same
    compilation wrote, so matching reads these frames instead of the database. They mirror the
    rows as written and updated, so ``lookups`` returns what the registry's SQL would return, and
    SQLite can build the matching indexes after the load.
    """

    BUSINESSES = {"id": pl.Int64, "owner_id": pl.Int64, "nib": pl.String, "name_key": pl.String}
    OWNERS = {"id": pl.Int64, "nik_index": pl.String}

    def __init__(self) -> None:
        self.businesses = pl.DataFrame(schema=self.BUSINESSES)
        self.owners = pl.DataFrame(schema=self.OWNERS)

    def lookups(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Return the businesses by NIB, owners by NIK index and businesses by owner and name key
        that ``frame`` may match, oldest first, with the column names of ``Compiler._match``."""
        nibs = frame.get_column("nib").drop_nulls().unique().implode()
        by_nib = self.businesses.filter(pl.col("nib").is_in(nibs)).sort("id").select(
            "nib", pl.col("id").alias("__nib_business"), pl.col("owner_id").alias("__nib_owner"))
        niks = frame.get_column("__index_owner_nik").drop_nulls().unique().implode()
        by_nik = self.owners.filter(pl.col("nik_index").is_in(niks)).sort("id").select(
            pl.col("nik_index").alias("__index_owner_nik"), pl.col("id").alias("__nik_owner"))
        owners = by_nik.get_column("__nik_owner").unique().implode()
        by_name = self.businesses.filter(pl.col("owner_id").is_in(owners)).sort("id").select(
            pl.col("owner_id").alias("__nik_owner"), pl.col("name_key").alias("__name_key"),
            pl.col("id").alias("__name_business"))
        return by_nib, by_nik, by_name

    def add_owners(self, ids: pl.Series, nik_index: pl.Series) -> None:
        added = pl.DataFrame({"id": ids, "nik_index": nik_index}, schema=self.OWNERS)
        self.owners = pl.concat([self.owners, added])

    def add_businesses(self, rows: pl.DataFrame) -> None:
        """Add or replace businesses; ``rows`` has id, owner_id, nib and name_key."""
        rows = rows.select([pl.col(c).cast(t) for c, t in self.BUSINESSES.items()])
        kept = self.businesses.filter(~pl.col("id").is_in(rows.get_column("id").implode()))
        self.businesses = pl.concat([kept, rows])

    def update_owners(self, rows: pl.DataFrame) -> None:
        """Replace the NIK index of owners that an update rewrote; ``rows`` has id and nik_index."""
        rows = rows.select([pl.col(c).cast(t) for c, t in self.OWNERS.items()]).unique("id", keep="last")
        kept = self.owners.filter(~pl.col("id").is_in(rows.get_column("id").implode()))
        self.owners = pl.concat([kept, rows])


@dataclass
class CompileResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows held out of the registry until a reviewer decides whether they describe a registered business.
    held: int = 0
    transactions: int = 0
    seconds: float = 0.0


class Compiler:
    """Compiles batches of one submission's validated rows.

    ``reviewed`` compiles rows a reviewer decided instead of matching them: it maps each row
    number to the business the reviewer linked it to, or to None for a new business. Otherwise
    rows are matched by the exact rules, and by ``linkage_model`` when one is given.
    """

    def __init__(self, submission, standard: StandardSpec, *, linkage_model: LinkageModel | None = None,
                 reviewed: dict[int, int | None] | None = None, first_load: bool = False,
                 sealer: Sealer | None = None) -> None:
        self.submission = submission
        self.standard = standard
        self.linkage_model = linkage_model
        self.reviewed = reviewed
        # Record linkage and reviewed rows read the registry itself, so only plain matching loads in memory.
        self.loaded = LoadedKeys() if first_load and linkage_model is None and reviewed is None else None
        self.now = timezone.now()
        self.now_text = bulk.database_datetime(self.now)
        self.sealer = sealer or Sealer(SEALED, INDEXED)
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
            pl.col("reference_year").cast(pl.Int32),
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
        clear = {code: address if code == "owner_address" else frame.get_column(code).cast(pl.String)
                 for code in SEALED}
        sealed = self.sealer.seal(clear)
        return frame.with_columns(list(sealed.values())).drop(list(SEALED) + ["owner_rt", "owner_rw"])

    # -- matching ----------------------------------------------------------------------------------

    def _match(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add ``__business_id`` and ``__owner_id`` of the registry business each row describes.

        A row matches the oldest active business with its NIB; a row whose NIB matches none
        matches by its owner's NIK and the business's name key.
        """
        if self.loaded is not None:
            by_nib, by_nik, by_name = self.loaded.lookups(frame)
        else:
            by_nib, by_nik, by_name = self._registry_lookups(frame)
        by_nik = by_nik.unique("__index_owner_nik", keep="first", maintain_order=True)
        frame = (
            frame
            .join(by_nib.unique("nib", keep="first", maintain_order=True), on="nib", how="left",
                  maintain_order="left")
            .join(by_nik, on="__index_owner_nik", how="left", maintain_order="left")
            .join(by_name.unique(["__nik_owner", "__name_key"], keep="first", maintain_order=True),
                  on=["__nik_owner", "__name_key"], how="left", maintain_order="left")
        )
        by_nib_found = pl.col("__nib_business").is_not_null()
        return frame.with_columns(
            pl.when(by_nib_found).then(pl.col("__nib_business")).otherwise(pl.col("__name_business"))
            .alias("__business_id"),
            pl.when(by_nib_found).then(pl.col("__nib_owner")).otherwise(pl.col("__nik_owner")).alias("__owner_id"),
        ).drop("__nib_business", "__nib_owner", "__nik_owner", "__name_business")

    def _registry_lookups(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Read the active businesses and the owners that ``frame`` may match, oldest first."""
        businesses, owners = Business._meta.db_table, Owner._meta.db_table
        active = [Business.Status.ACTIVE.value]
        by_nib = _frame(bulk.select_by_keys(
            f"SELECT nib, id, owner_id FROM {businesses}",  # noqa: S608
            "nib", frame.get_column("nib").drop_nulls().unique().to_list(),
            where="status = %s", params=active, order_by="id",
        ), {"nib": pl.String, "__nib_business": pl.Int64, "__nib_owner": pl.Int64})
        by_nik = _frame(bulk.select_by_keys(
            f"SELECT nik_index, id FROM {owners}",  # noqa: S608
            "nik_index", frame.get_column("__index_owner_nik").drop_nulls().unique().to_list(), order_by="id",
        ), {"__index_owner_nik": pl.String, "__nik_owner": pl.Int64})
        by_name = _frame(bulk.select_by_keys(
            f"SELECT owner_id, name_key, id FROM {businesses}",  # noqa: S608
            "owner_id", by_nik.get_column("__nik_owner").unique().to_list(),
            where="status = %s", params=active, order_by="id",
        ), {"__nik_owner": pl.Int64, "__name_key": pl.String, "__name_business": pl.Int64})
        return by_nib, by_nik, by_name

    def _owners_of(self, business_ids: list[int]) -> pl.DataFrame:
        return _frame(bulk.select_by_keys(
            f"SELECT id, owner_id FROM {Business._meta.db_table}",  # noqa: S608
            "id", business_ids,
        ), {"__chosen_business": pl.Int64, "__chosen_owner": pl.Int64})

    def _with_chosen(self, frame: pl.DataFrame, chosen: pl.DataFrame) -> pl.DataFrame:
        """Set ``__business_id`` and ``__owner_id`` of the rows in ``chosen``.

        ``chosen`` has ``__row`` and ``__chosen_business``.

        A row chosen for a registered business takes that business's owner. A row chosen to be new
        (null business) keeps the owner its NIK matched, as an unmatched row does.
        """
        owners = self._owners_of(chosen.get_column("__chosen_business").drop_nulls().unique().to_list())
        chosen = chosen.join(owners, on="__chosen_business", how="left")
        in_chosen = pl.col("__row").is_in(chosen.get_column("__row").implode())
        return (
            frame.join(chosen, on="__row", how="left", maintain_order="left")
            .with_columns(
                pl.when(in_chosen).then(pl.col("__chosen_business")).otherwise(pl.col("__business_id"))
                .alias("__business_id"),
                pl.when(pl.col("__chosen_owner").is_not_null()).then(pl.col("__chosen_owner"))
                .otherwise(pl.col("__owner_id")).alias("__owner_id"),
            )
            .drop("__chosen_business", "__chosen_owner")
        )

    def _link(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Decide the rows the exact rules left by record linkage; return the rows to write now.

        ``prepare`` kept the clear NIK and phone beside the sealed ones, because linkage hashes them
        in memory. Rows decided ``review`` are left out and counted as held. Their review
        items are marked ``row_held``, so the reviewer's decision compiles them.
        """
        # Splink loads only when a model is active, so compilation without one starts as fast as before.
        from satudata.linkage import engine
        from satudata.linkage.services import link_batch

        unmatched = frame.filter(pl.col("__business_id").is_null()).get_column("__row")
        if not unmatched.len():
            return frame
        decisions = link_batch(
            frame.filter(pl.col("__row").is_in(unmatched.implode())).with_columns(
                pl.col("__clear_owner_nik").alias("owner_nik"),
                pl.col("__clear_owner_phone").alias("owner_phone"),
            ),
            row_column="__row",
            submission=self.submission,
            model=self.linkage_model,
            already_matched=frame.get_column("__business_id").drop_nulls().unique().to_list(),
        )
        linked = decisions.filter(pl.col("decision") == engine.LINK).select(
            pl.col("row").alias("__row"), pl.col("business_id").alias("__chosen_business")
        )
        if linked.height:
            frame = self._with_chosen(frame, linked)
        held = decisions.filter(pl.col("decision") == engine.REVIEW)
        if not held.height:
            return frame
        ReviewItem.objects.filter(pk__in=held.get_column("review_item_id").to_list()).update(row_held=True)
        self.result.held += held.height
        return frame.filter(~pl.col("__row").is_in(held.get_column("row").implode()))

    def _apply_reviews(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Keep only the reviewed rows, each matched to the business its reviewer chose."""
        chosen = pl.DataFrame(
            {"__row": list(self.reviewed), "__chosen_business": list(self.reviewed.values())},
            schema={"__row": pl.Int64, "__chosen_business": pl.Int64},
        )
        frame = frame.filter(pl.col("__row").is_in(chosen.get_column("__row").implode()))
        return self._with_chosen(frame, chosen)

    # -- rows to write -----------------------------------------------------------------------------

    def _snapshot(self) -> pl.Expr:
        """Master data of each row as JSON: clear values, blind indexes and sealed tokens."""
        clear = [c for c in self.master_codes if c not in SEALED and c not in ("owner_rt", "owner_rw")]
        exprs = {code: pl.col(code) for code in clear}
        exprs["scale_is_derived"] = pl.col("business_scale__derived")
        values = pl.struct(**exprs)
        index = pl.struct(**{code: pl.col(f"__index_{code}") for code in INDEXED})
        sealed = pl.struct(**{code: pl.col(f"__sealed_{code}") for code in SEALED})
        return pl.struct(values=values, index=index, sealed=sealed).struct.json_encode()

    @staticmethod
    def _comparable(data: str | dict) -> str:
        parsed = json.loads(data) if isinstance(data, str) else data
        return json.dumps({"values": parsed["values"], "index": parsed["index"]}, sort_keys=True)

    def _attributes(self) -> pl.Expr:
        if not self.attribute_codes:
            return pl.lit("{}")
        return pl.struct(**{c: pl.col(c) for c in self.attribute_codes}).struct.json_encode()

    def _transaction_values(self, columns: list[str]) -> pl.Expr:
        """Transaction values of each row as JSON, keyed by the variable codes among ``columns``."""
        present = [c for c in self.transaction_codes if c in columns]
        return pl.struct(**{c: pl.col(c) for c in present}).struct.json_encode()

    @staticmethod
    def _owner_columns() -> list[pl.Expr]:
        """Owner columns other than id and timestamps, in the order of OWNER_INSERT."""
        return [
            pl.col("__index_owner_nik").alias("nik_index"),
            pl.col("__sealed_owner_nik").alias("nik_encrypted"),
            pl.col("owner_name").alias("name"),
            pl.col("__owner_name_key").alias("name_key"),
            pl.col("owner_sex").fill_null("").alias("sex"),
            pl.col("owner_birth_date").alias("birth_date"),
            pl.col("owner_education").fill_null("").alias("education"),
            pl.col("owner_disability").alias("has_disability"),
            pl.col("__sealed_owner_phone").alias("phone_encrypted"),
            pl.col("__index_owner_phone").alias("phone_index"),
            pl.col("__sealed_owner_email").alias("email_encrypted"),
            pl.col("__index_owner_email").alias("email_index"),
            pl.col("__sealed_owner_address").alias("address_encrypted"),
            pl.col("owner_village_code").fill_null("").alias("village_code"),
        ]

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

    def _business_columns(self) -> list[pl.Expr]:
        """Business columns in the order of BUSINESS_FIELDS."""
        return [
            pl.col("nib"),
            pl.col("business_name").alias("name"),
            pl.col("__name_key").alias("name_key"),
            pl.col("legal_form").fill_null(""),
            pl.col("kbli"),
            pl.lit(self.kbli_edition).alias("kbli_edition"),
            pl.col("__category").alias("kbli_category"),
            pl.col("__division").alias("kbli_division"),
            pl.col("main_activity").fill_null(""),
            pl.col("products").fill_null(""),
            pl.col("business_address").alias("address"),
            pl.col("business_rt").fill_null("").alias("rt"),
            pl.col("business_rw").fill_null("").alias("rw"),
            pl.col("business_village_code").alias("village_code"),
            pl.col("__district").alias("district_code"),
            pl.col("__regency").alias("regency_code"),
            pl.col("__province").alias("province_code"),
            pl.lit(self.region_edition).alias("region_edition"),
            pl.col("__submitted_village").fill_null("").alias("submitted_village_code"),
            pl.col("__submitted_edition").fill_null("").alias("submitted_region_edition"),
            pl.col("latitude"),
            pl.col("longitude"),
            pl.col("year_started"),
            pl.col("month_started"),
            pl.col("business_scale").fill_null("").alias("scale"),
            pl.col("business_scale__derived").cast(pl.Boolean).fill_null(False).alias("scale_is_derived"),
            pl.col("__attributes").alias("attributes"),
        ]

    def _insert_versions(self, frame: pl.DataFrame, number: pl.Expr) -> None:
        bulk.insert_frame(BusinessVersion._meta.db_table, frame.select(
            pl.col("__business_id").alias("business_id"),
            number.alias("number"),
            pl.col("__snapshot").alias("data"),
            pl.date(pl.col("reference_year"), 1, 1).alias("valid_from"),
            pl.col("__row").alias("row_number"),
        ), constants={"recorded_at": self.now_text, "submission_id": self.submission.pk})

    # -- writing -----------------------------------------------------------------------------------

    def prepare(self, batch: pl.DataFrame) -> pl.DataFrame:
        """Complete and seal a batch and encode its JSON columns.

        None of this needs the database, so it can run ahead in a thread (see ``_prepared_ahead``).
        """
        complete = self._complete(batch)
        if self.linkage_model is not None:
            # Linkage hashes the clear NIK and phone in memory; sealing drops them from the frame.
            complete = complete.with_columns(
                pl.col("owner_nik").alias("__clear_owner_nik"),
                pl.col("owner_phone").alias("__clear_owner_phone"),
            )
        frame = self._seal(complete)
        return frame.with_columns(
            self._snapshot().alias("__snapshot"),
            self._attributes().alias("__attributes"),
            self._transaction_values(frame.columns).alias("__transaction_values"),
        )

    def compile_batch(self, batch: pl.DataFrame) -> None:
        self.compile_prepared(self.prepare(batch))

    def compile_prepared(self, prepared: pl.DataFrame) -> None:
        """Match a prepared batch against the registry and write it."""
        frame = self._match(prepared)
        if self.reviewed is not None:
            frame = self._apply_reviews(frame)
        elif self.linkage_model is not None:
            frame = self._link(frame)
        new = frame.filter(pl.col("__business_id").is_null())
        old = frame.filter(pl.col("__business_id").is_not_null())
        if new.height:
            new = self._insert_new(new)
        if old.height:
            self._update_existing(old)
        self._insert_transactions(new, old)

    def _insert_owners(self, new: pl.DataFrame) -> pl.DataFrame:
        """Register the owners that rows of new businesses need; return the rows with ``__owner_id`` set.

        A row keeps the registered owner it matched; otherwise rows with the same NIK share one
        new owner, and each row without a NIK gets its own.
        """
        needs_owner = new.filter(pl.col("__owner_id").is_null())
        with_nik = needs_owner.filter(pl.col("__index_owner_nik").is_not_null()).unique(
            "__index_owner_nik", keep="first", maintain_order=True
        )
        without_nik = needs_owner.filter(pl.col("__index_owner_nik").is_null())
        source = pl.concat([with_nik, without_nik])
        ids = pl.Series("id", bulk.reserve_ids(Owner._meta.db_table, source.height), dtype=pl.Int64)
        bulk.insert_frame(Owner._meta.db_table, source.select(ids, *self._owner_columns()),
                          constants={"created_at": self.now_text, "updated_at": self.now_text})
        if self.loaded is not None:
            self.loaded.add_owners(ids, source.get_column("__index_owner_nik"))

        by_nik = pl.DataFrame({
            "__index_owner_nik": with_nik.get_column("__index_owner_nik"),
            "__nik_new_owner": ids[:with_nik.height],
        })
        by_row = pl.DataFrame({
            "__row": without_nik.get_column("__row"),
            "__row_new_owner": ids[with_nik.height:],
        })
        return (
            new
            .join(by_nik, on="__index_owner_nik", how="left", maintain_order="left")
            .join(by_row, on="__row", how="left", maintain_order="left")
            .with_columns(pl.coalesce("__owner_id", "__nik_new_owner", "__row_new_owner").alias("__owner_id"))
            .drop("__nik_new_owner", "__row_new_owner")
        )

    def _insert_new(self, new: pl.DataFrame) -> pl.DataFrame:
        """Register new businesses with fresh UMKM codes, their owners and first versions."""
        new = self._insert_owners(new)
        ids = bulk.reserve_ids(Business._meta.db_table, new.height)
        new = new.with_columns(pl.Series("__business_id", ids, dtype=pl.Int64))
        counter = UmkmCodeCounter.objects.select_for_update().get(pk=1)
        codes = format_codes(counter.last_value + 1, new.height)
        counter.last_value += new.height
        counter.save(update_fields=["last_value"])

        constants = {
            "status": Business.Status.ACTIVE.value, "kbli_edition": self.kbli_edition,
            "region_edition": self.region_edition, "first_submission_id": self.submission.pk,
            "last_submission_id": self.submission.pk, "created_at": self.now_text, "updated_at": self.now_text,
        }
        businesses = new.select(
            pl.col("__business_id").alias("id"),
            pl.lit(codes).alias("umkm_code"),
            pl.col("__owner_id").alias("owner_id"),
            *self._business_columns(),
        )
        bulk.insert_frame(Business._meta.db_table, businesses.drop(*constants, strict=False), constants=constants)
        if self.loaded is not None:
            self.loaded.add_businesses(businesses.select("id", "owner_id", "nib", "name_key"))
        self._insert_versions(new, pl.lit(1, dtype=pl.Int64))
        self.result.created += new.height
        return new

    def _update_existing(self, old: pl.DataFrame) -> None:
        """Update matched businesses whose master data changed, keeping the previous state as a version."""
        submission_id = self.submission.pk
        ids = old.get_column("__business_id").to_list()
        # business id → (id of its current version, version number, data)
        current: dict[int, tuple[int, int, str | dict]] = {
            business_id: (version_id, number, data)
            for version_id, business_id, number, data in bulk.select_by_keys(
                f"SELECT id, business_id, number, data FROM {BusinessVersion._meta.db_table}",  # noqa: S608
                "business_id", ids, where="superseded_at IS NULL",
            )
        }
        snapshots = old.get_column("__snapshot").to_list()
        changed_rows: list[int] = []
        for position, (business_id, data) in enumerate(zip(ids, snapshots, strict=True)):
            previous = current.get(business_id)
            if previous is None or self._comparable(previous[2]) != self._comparable(data):
                changed_rows.append(position)
        self.result.unchanged += old.height - len(changed_rows)
        self.result.updated += len(changed_rows)

        changed = old[changed_rows] if changed_rows else old.clear()
        if changed.height:
            changed_ids = changed.get_column("__business_id").to_list()
            bulk.update_by_keys(BusinessVersion._meta.db_table, {"superseded_at": self.now_text}, "id",
                                [current[bid][0] for bid in changed_ids if bid in current])
            numbers = pl.Series([current[bid][1] + 1 if bid in current else 1 for bid in changed_ids],
                                dtype=pl.Int64)
            self._insert_versions(changed, pl.lit(numbers))
            business_values = changed.select(self._business_columns()).iter_rows()
            business_columns = (*self.BUSINESS_FIELDS, "last_submission_id", "updated_at")
            bulk.update_rows(Business._meta.db_table, business_columns, (
                (*values, submission_id, self.now_text, bid)
                for bid, values in zip(changed_ids, business_values, strict=True)
            ))
            owner_ids = changed.get_column("__owner_id").to_list()
            owner_values = changed.select(self._owner_columns()).with_columns(
                pl.col(pl.Date).dt.strftime("%Y-%m-%d")
            )
            bulk.update_rows(Owner._meta.db_table, (*self.OWNER_INSERT[1:-2], "updated_at"), (
                (*values, self.now_text, owner_id)
                for owner_id, values in zip(owner_ids, owner_values.iter_rows(), strict=True)
            ))
            if self.loaded is not None:
                self.loaded.add_businesses(changed.select(
                    pl.col("__business_id").alias("id"), pl.col("__owner_id").alias("owner_id"), "nib",
                    pl.col("__name_key").alias("name_key")))
                self.loaded.update_owners(changed.select(
                    pl.col("__owner_id").alias("id"), pl.col("__index_owner_nik").alias("nik_index")))
        changed_positions = set(changed_rows)
        unchanged_ids = [bid for position, bid in enumerate(ids) if position not in changed_positions]
        bulk.update_by_keys(Business._meta.db_table, {"last_submission_id": submission_id}, "id",
                            unchanged_ids)

    def _insert_transactions(self, new: pl.DataFrame, old: pl.DataFrame) -> None:
        """Store each row's transaction values; they supersede the current record of the same year.

        Only matched businesses can have records already, because new ones got their ids in this batch.
        """
        for (period,), rows in old.group_by("reference_year"):
            bulk.update_by_keys(
                TransactionRecord._meta.db_table, {"superseded_at": self.now_text}, "business_id",
                rows.get_column("__business_id").to_list(), where="period = %s AND superseded_at IS NULL",
                params=[period],
            )
        frame = pl.concat([new, old], how="diagonal_relaxed")
        if not frame.height:
            return
        records = frame.select(
            pl.col("__business_id").alias("business_id"),
            pl.col("reference_year").alias("period"),
            pl.col("__transaction_values").alias("values"),
            pl.col("__row").alias("row_number"),
        )
        constants = {"standard_version": self.standard.label, "recorded_at": self.now_text,
                     "submission_id": self.submission.pk}
        bulk.insert_frame(TransactionRecord._meta.db_table, records, constants=constants)
        self.result.transactions += frame.height


def _frame(rows: list[tuple], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def _prepared_ahead(compiler: Compiler, batches: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """Yield the prepared batches, preparing the next one in a second thread meanwhile.

    Reading, encryption and Polars work on the next batch overlap the database writes of the
    current one, which release the GIL while SQLite or PostgreSQL works. The thread never
    touches the database connection, which belongs to the caller's thread. One batch at most
    waits ahead, so memory stays bounded. An exception in the thread is raised here.
    """
    batches = iter(batches)

    def prepare_next() -> pl.DataFrame | None:
        batch = next(batches, None)
        return None if batch is None else compiler.prepare(batch)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="compile-prepare") as pool:
        pending = pool.submit(prepare_next)
        while (prepared := pending.result()) is not None:
            pending = pool.submit(prepare_next)
            yield prepared


def compile_rows(submission, standard: StandardSpec, batches: Iterable[pl.DataFrame], *,
                 reviewed: dict[int, int | None] | None = None) -> CompileResult:
    """Compile all batches in one transaction: the registry gets all of them or none.

    With the active linkage model, rows the exact rules do not match are linked, and uncertain
    ones held for review. ``reviewed`` compiles only the given rows, as their reviewers decided
    (row number → business id, or None for a new business).
    """
    started = time.monotonic()
    model = LinkageModel.objects.filter(is_active=True).first() if reviewed is None else None
    in_process = reviewed is not None or (submission.rows_accepted or 0) < SEALING_PROCESS_MIN_ROWS
    with Sealer(SEALED, INDEXED, in_process=in_process) as sealer, transaction.atomic(), bulk.sqlite_bulk_settings():
        UmkmCodeCounter.objects.get_or_create(pk=1)
        # Two compilations that run at once would each find no business for a row they share and
        # both register it. Locking the counter row before any matching makes the second wait
        # until the first has committed, on PostgreSQL; SQLite's IMMEDIATE transactions already
        # admit one writer at a time.
        UmkmCodeCounter.objects.select_for_update().get(pk=1)
        # Read under the lock, so no other compilation can add a business before this one ends.
        first_load = not Owner.objects.exists() and not Business.objects.exists()
        compiler = Compiler(submission, standard, linkage_model=model, reviewed=reviewed, first_load=first_load,
                            sealer=sealer)
        with bulk.indexes_deferred(indexes_built_after_load(compiler.loaded is not None)):
            for prepared in _prepared_ahead(compiler, batches):
                compiler.compile_prepared(prepared)
    compiler.result.seconds = round(time.monotonic() - started, 3)
    logger.info(
        "Compiled submission=%s created=%d updated=%d unchanged=%d held=%d seconds=%.1f",
        submission.pk, compiler.result.created, compiler.result.updated, compiler.result.unchanged,
        compiler.result.held, compiler.result.seconds,
    )
    return compiler.result
