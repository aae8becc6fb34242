"""Every state change of linkage: linking a batch, training a model, review decisions, merges.

Views and commands call these functions; each writes its audit entry. Personal data stays
encrypted at rest: NIKs are decrypted only in memory, to compute near hashes, and never logged.
"""

import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Iterable
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.access.scope import region_paths_q
from satudata.audit.services import record
from satudata.errors import DomainError
from satudata.linkage import engine
from satudata.linkage.features import NEAR_COLUMNS, VillageCrosswalk, comparison_records
from satudata.linkage.fingerprints import add_keyed_hashes, purpose_key
from satudata.linkage.model import TrainedModel, connect, train
from satudata.linkage.models import LinkageModel, LinkDecision, Merge, OwnerKey, ReviewItem
from satudata.registry.models import Business, BusinessVersion, Owner, TransactionRecord
from satudata.security.crypto import FieldCipher
from satudata.submissions.services import compile_reviewed_row

logger = logging.getLogger(__name__)

QUERY_CHUNK = 5_000
RECORD_KEY_PURPOSE = "linkage-record"
# Audit actions of this app; the audit log stores the action as text.
LINKED_BATCH = "linkage.batch_linked"
MODEL_TRAINED = "linkage.model_trained"
REVIEW_DECIDED = "linkage.review_decided"
MERGED = "linkage.merged"
UNMERGED = "linkage.unmerged"
# Values of the incoming record kept for the review page (NIK and phone are sealed separately).
REVIEW_FIELDS = (
    "nib",
    "business_name",
    "owner_name",
    "business_address",
    "business_rt",
    "business_rw",
    "business_village_code",
    "kbli",
    "year_started",
)


class LinkageError(DomainError):
    code = "linkage.error"


def _chunks(values: list, size: int = QUERY_CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- registry side ----------------------------------------------------------------------------------


def refresh_owner_keys(owner_ids: Iterable[int]) -> int:
    """Compute near hashes for owners that have none or whose NIK changed; return how many were written.

    NIKs are decrypted in memory for this and dropped with the frame.
    """
    ids = list(owner_ids)
    stale: list[tuple[int, str | None, str | None]] = []
    for chunk in _chunks(ids):
        known = dict(OwnerKey.objects.filter(owner_id__in=chunk).values_list("owner_id", "nik_index"))
        for owner_id, nik_index, token in Owner.objects.filter(id__in=chunk).values_list(
            "id", "nik_index", "nik_encrypted"
        ):
            if owner_id not in known or known[owner_id] != nik_index:
                stale.append((owner_id, nik_index, token))
    if not stale:
        return 0
    cipher = FieldCipher("owner_nik")
    frame = pl.DataFrame(
        {
            "owner_id": [s[0] for s in stale],
            "index": [s[1] for s in stale],
            "owner_nik": [cipher.decrypt(s[2]) for s in stale],
        },
        schema={"owner_id": pl.Int64, "index": pl.String, "owner_nik": pl.String},
    )
    hashed = add_keyed_hashes(frame, nik="owner_nik", phone=None)
    del frame
    OwnerKey.objects.filter(owner_id__in=[s[0] for s in stale]).delete()
    OwnerKey.objects.bulk_create(
        [
            OwnerKey(owner_id=row["owner_id"], nik_index=row["index"], **{c: row[c] for c in NEAR_COLUMNS})
            for row in hashed.iter_rows(named=True)
        ],
        batch_size=QUERY_CHUNK,
    )
    return len(stale)


def _registry_frame(queryset) -> pl.DataFrame:
    """Comparison records of active businesses in ``queryset``, from stored columns and blind indexes."""
    rows = list(
        queryset.filter(status=Business.Status.ACTIVE).values_list(
            "id",
            "nib",
            "name",
            "owner__name",
            "owner__nik_index",
            "owner__phone_index",
            "address",
            "rt",
            "rw",
            "village_code",
            "kbli",
            "year_started",
            "owner_id",
        )
    )
    columns = [
        "business_id",
        "nib",
        "business_name",
        "owner_name",
        "nik_index",
        "phone_index",
        "business_address",
        "business_rt",
        "business_rw",
        "business_village_code",
        "kbli",
        "year_started",
        "owner_id",
    ]
    frame = pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)
    if frame.height == 0:
        frame = pl.DataFrame(schema={c: pl.String for c in columns}).with_columns(
            pl.col("business_id", "owner_id", "year_started").cast(pl.Int64)
        )
    owner_ids = frame.get_column("owner_id").unique().to_list()
    refresh_owner_keys(owner_ids)
    keys = []
    for chunk in _chunks(owner_ids):
        keys += list(OwnerKey.objects.filter(owner_id__in=chunk).values_list("owner_id", *NEAR_COLUMNS))
    near = pl.DataFrame(keys, schema={c: pl.Int64 for c in ("owner_id", *NEAR_COLUMNS)}, orient="row")
    frame = frame.with_columns(pl.col("owner_id").cast(pl.Int64)).join(near, on="owner_id", how="left")
    return comparison_records(frame, id_column="business_id")


def registry_candidates(incoming: pl.DataFrame) -> pl.DataFrame:
    """Comparison records of the registered businesses any blocking rule could pair with ``incoming``.

    That is every active business in the incoming records' districts or with one of their NIBs,
    and those whose owner shares a NIK, a near hash or a phone number with one of them, wherever
    they are.
    """
    nibs = incoming.get_column("nib").drop_nulls().unique().to_list()
    districts = incoming.get_column("district_code").drop_nulls().unique().to_list()
    niks = incoming.get_column("nik_index").drop_nulls().unique().to_list()
    phones = incoming.get_column("phone_index").drop_nulls().unique().to_list()
    near_values = pl.concat([incoming.get_column(c) for c in NEAR_COLUMNS]).drop_nulls().unique().to_list()
    owner_ids: set[int] = set()
    for chunk in _chunks(niks):
        owner_ids.update(Owner.objects.filter(nik_index__in=chunk).values_list("id", flat=True))
    for chunk in _chunks(phones):
        owner_ids.update(Owner.objects.filter(phone_index__in=chunk).values_list("id", flat=True))
    for chunk in _chunks(near_values):
        query = Q()
        for column in NEAR_COLUMNS:
            query |= Q(**{f"{column}__in": chunk})
        owner_ids.update(OwnerKey.objects.filter(query).values_list("owner_id", flat=True))
    business_ids: set[int] = set()
    for chunk in _chunks(nibs):
        business_ids.update(
            Business.objects.filter(nib__in=chunk, status=Business.Status.ACTIVE).values_list("id", flat=True)
        )
    for chunk in _chunks(districts):
        business_ids.update(
            Business.objects.filter(region_paths_q(chunk, level=3), status=Business.Status.ACTIVE).values_list(
                "id", flat=True
            )
        )
    for chunk in _chunks(list(owner_ids)):
        business_ids.update(
            Business.objects.filter(owner_id__in=chunk, status=Business.Status.ACTIVE).values_list(
                "id", flat=True
            )
        )
    frames = [
        _registry_frame(Business.objects.filter(id__in=chunk)) for chunk in _chunks(sorted(business_ids))
    ]
    if not frames:
        return _registry_frame(Business.objects.none())
    return pl.concat(frames)


# -- linking a batch --------------------------------------------------------------------------------


def active_model() -> LinkageModel | None:
    return LinkageModel.objects.filter(is_active=True).first()


def record_keys(incoming: pl.DataFrame) -> pl.Series:
    """A keyed hash of each comparison record's identifying fields, stable across submissions."""
    key = purpose_key(RECORD_KEY_PURPOSE)
    fields = incoming.select(
        pl.concat_str(
            [
                pl.col(c).cast(pl.String).fill_null("")
                for c in ("nik_index", "biz_key", "owner_key", "village_code")
            ],
            separator="|",
        )
    ).to_series()
    return pl.Series(
        "record_key",
        [hmac.new(key, value.encode(), hashlib.sha256).hexdigest() for value in fields],
        dtype=pl.String,
    )


def _reviewed_pairs(incoming: pl.DataFrame, keys: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Earlier review decisions on the same records: links to apply and pairs never to link."""
    frame = pl.DataFrame({"unique_id": incoming.get_column("unique_id"), "record_key": keys})
    decided = list(
        ReviewItem.objects.filter(
            record_key__in=keys.unique().to_list(),
            status__in=[ReviewItem.Status.LINKED, ReviewItem.Status.SEPARATED],
        ).values_list("record_key", "candidate_id", "status")
    )
    table = pl.DataFrame(
        decided, schema={"record_key": pl.String, "business_id": pl.Int64, "status": pl.String}, orient="row"
    )
    joined = frame.join(table, on="record_key")
    links = (
        joined.filter(pl.col("status") == ReviewItem.Status.LINKED)
        .unique("unique_id")
        .select("unique_id", "business_id")
    )
    separated = joined.filter(pl.col("status") == ReviewItem.Status.SEPARATED).select(
        "unique_id", "business_id"
    )
    return links, separated


def link_batch(
    incoming: pl.DataFrame,
    *,
    row_column: str = "__row",
    submission: Any = None,
    crosswalk: VillageCrosswalk | None = None,
    model: LinkageModel | None = None,
    record_decisions: bool = True,
    already_matched: Iterable[int] = (),
) -> pl.DataFrame:
    """Decide for each incoming row whether it describes a registered business.

    ``incoming`` has the data standard's variable codes as columns (``nib``, ``business_name``,
    ``owner_name``, ``owner_nik``, ``owner_phone``, ``business_address``, ``business_rt``,
    ``business_rw``, ``business_village_code``, ``kbli``, ``year_started``; missing ones count as
    empty) and clear NIK and phone values in memory, plus ``row_column`` with a unique row number.
    ``crosswalk`` maps village codes of an older region edition to current ones.

    Returns one row per incoming row: ``row`` (from ``row_column``), ``business_id`` (the registered
    business to update, null unless linked), ``decision`` (``link``, ``new`` or ``review``),
    ``match_probability``, ``rule`` (``nib``, ``nik_name``, ``model``, ``reviewed`` or ``none``),
    ``candidate_id`` (best candidate, also for review and new), ``model_version`` and
    ``review_item_id`` (for review rows). With ``record_decisions`` the decisions are stored as
    ``LinkDecision`` rows and review rows become open ``ReviewItem``s; call it inside the
    transaction that compiles the rows, so both are kept or discarded together.

    A registered business takes at most one row of a batch, because one row gives it its next
    version: when several rows link to it, the most probable one links and the others go to
    review, as do rows linked to a business in ``already_matched`` (updated by another row).

    Without an active model only the deterministic rules run and every other row is new.
    """
    started = time.monotonic()
    records = comparison_records(incoming, id_column=row_column, crosswalk=crosswalk)
    registry = registry_candidates(records)
    keys = record_keys(records)
    links, separated = _reviewed_pairs(records, keys)
    model = model if model is not None else active_model()
    if model is not None:
        trained = TrainedModel.from_settings(model.settings, model.summary)
        thresholds = engine.Thresholds(link=model.link_threshold, review=model.review_threshold)
        con = connect()
        try:
            result = engine.link_records(
                records,
                registry,
                trained,
                thresholds=thresholds,
                con=con,
                fixed_links=links,
                separated=separated,
            )
        finally:
            con.close()
    else:
        result = _deterministic_only(records, registry, links, separated)
    result = _one_row_per_business(result, set(already_matched))
    result = result.with_columns(keys.alias("record_key")).rename({"unique_id": "row"})
    review_ids = _record(result, incoming, row_column, submission) if record_decisions else {}
    result = result.with_columns(
        pl.col("row").replace_strict(review_ids, default=None, return_dtype=pl.Int64).alias("review_item_id")
    ).drop("record_key", "second_probability")
    logger.info(
        "Linked submission=%s rows=%d linked=%d review=%d seconds=%.1f",
        getattr(submission, "pk", None),
        result.height,
        result.filter(pl.col("decision") == engine.LINK).height,
        result.filter(pl.col("decision") == engine.REVIEW).height,
        time.monotonic() - started,
    )
    return result


def _one_row_per_business(result: pl.DataFrame, already_matched: set[int]) -> pl.DataFrame:
    """Send to review each link to a business in ``already_matched`` or to one a likelier row links to."""
    is_link = pl.col("decision") == engine.LINK
    rank = (
        pl.when(is_link)
        .then(pl.col("match_probability").rank("ordinal", descending=True).over("business_id"))
        .otherwise(None)
    )
    second = is_link & ((rank > 1) | pl.col("business_id").is_in(list(already_matched)))
    return result.with_columns(
        pl.when(second).then(pl.lit(engine.REVIEW)).otherwise(pl.col("decision")).alias("decision"),
        pl.when(second).then(None).otherwise(pl.col("business_id")).alias("business_id"),
    )


def _deterministic_only(
    records: pl.DataFrame, registry: pl.DataFrame, links: pl.DataFrame, separated: pl.DataFrame
) -> pl.DataFrame:
    unused = TrainedModel.from_settings({}, {})
    result = engine.link_records(
        records, registry, unused, fixed_links=links, separated=separated, rules_only=True
    )
    return result.with_columns(pl.lit("").alias("model_version"))


def _record(result: pl.DataFrame, incoming: pl.DataFrame, row_column: str, submission: Any) -> dict[int, int]:
    """Store decisions and open review items; return review item ids by row."""
    now = timezone.now()
    LinkDecision.objects.bulk_create(
        [
            LinkDecision(
                submission=submission,
                row_number=row["row"],
                outcome=row["decision"],
                business_id=row["business_id"],
                rule=row["rule"],
                match_probability=row["match_probability"],
                model_version=row["model_version"] or "",
                decided_at=now,
            )
            for row in result.iter_rows(named=True)
        ],
        batch_size=QUERY_CHUNK,
    )
    reviews = result.filter(pl.col("decision") == engine.REVIEW)
    if not reviews.height:
        return {}
    present = [c for c in REVIEW_FIELDS if c in incoming.columns]
    snapshot = incoming.filter(pl.col(row_column).is_in(reviews.get_column("row").implode())).select(
        pl.col(row_column).alias("row"),
        *present,
        *[pl.col(c) for c in ("owner_nik", "owner_phone") if c in incoming.columns],
    )
    by_row = {row["row"]: row for row in snapshot.iter_rows(named=True)}
    nik_cipher, phone_cipher = FieldCipher("owner_nik"), FieldCipher("owner_phone")
    ids: dict[int, int] = {}
    for row in reviews.iter_rows(named=True):
        values = by_row.get(row["row"], {})
        stored = {c: values.get(c) for c in present}
        stored["sealed"] = {
            "owner_nik": nik_cipher.encrypt(values.get("owner_nik")),
            "owner_phone": phone_cipher.encrypt(values.get("owner_phone")),
        }
        item = ReviewItem.objects.create(
            submission=submission,
            row_number=row["row"],
            record_key=row["record_key"],
            incoming=_jsonable(stored),
            candidate_id=row["candidate_id"],
            match_probability=row["match_probability"],
            model_version=row["model_version"] or "",
            created_at=now,
        )
        ids[row["row"]] = item.pk
    return ids


def _jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


# -- training ---------------------------------------------------------------------------------------


def _version_records(limit: int) -> pl.DataFrame:
    """Comparison records of stored master-data versions: each is one record as a producer sent it."""
    versions = BusinessVersion.objects.order_by("-id").values_list("id", "data")
    rows = list(versions[:limit] if limit else versions)
    cipher = FieldCipher("owner_nik")
    flat = []
    for version_id, data in rows:
        values = data.get("values", {})
        index = data.get("index", {})
        sealed = data.get("sealed", {})
        flat.append(
            {
                "version_id": version_id,
                **{c: values.get(c) for c in REVIEW_FIELDS},
                "owner_nik": cipher.decrypt(sealed.get("owner_nik")),
                "phone_index": index.get("owner_phone"),
            }
        )
    frame = pl.DataFrame(flat, infer_schema_length=None) if flat else pl.DataFrame({"version_id": []})
    hashed = add_keyed_hashes(frame, nik="owner_nik", phone=None)
    del frame
    return comparison_records(hashed, id_column="version_id")


@transaction.atomic
def train_registry_model(
    *,
    user: Any = None,
    seed: int = 1,
    sample: int = 200_000,
    activate: bool = True,
    link_threshold: float = 0.95,
    review_threshold: float = 0.5,
) -> LinkageModel:
    """Train a model on the registry: its active businesses against the master-data versions producers sent.

    Expectation maximisation needs no labels; a version of a business and the business itself are
    one real match each, so the registry trains its own model. Reviewers' decisions enter later runs
    as fixed links and separations. Raises ``LinkageError`` when the registry is empty.
    """
    # Filter before slicing: a sliced queryset can no longer be filtered to active businesses.
    active = Business.objects.filter(status=Business.Status.ACTIVE).order_by("id")
    registry = _registry_frame(active.filter(pk__in=active.values("pk")[:sample]) if sample else active)
    if registry.height == 0:
        raise LinkageError(_("The registry has no businesses to train a linkage model on."))
    versions = _version_records(sample)
    trained = train(registry, versions, seed=seed)
    return store_model(
        trained,
        user=user,
        activate=activate,
        link_threshold=link_threshold,
        review_threshold=review_threshold,
        data={"registry": registry.height, "versions": versions.height},
    )


@transaction.atomic
def store_model(
    trained: TrainedModel,
    *,
    user: Any = None,
    activate: bool = True,
    link_threshold: float = 0.95,
    review_threshold: float = 0.5,
    data: dict | None = None,
) -> LinkageModel:
    """Store a trained model under its version and, with ``activate``, make it the one compilation uses.

    ``data`` describes what it was trained on, for the audit entry.
    """
    model, _created = LinkageModel.objects.update_or_create(
        version=trained.version,
        defaults={
            "sha256": trained.sha256,
            "settings": trained.settings,
            "summary": trained.summary,
            "link_threshold": link_threshold,
            "review_threshold": review_threshold,
            "trained_at": timezone.now(),
        },
    )
    if activate:
        LinkageModel.objects.exclude(pk=model.pk).update(is_active=False)
        model.is_active = True
        model.save(update_fields=["is_active"])
    record(
        MODEL_TRAINED,
        actor=user,
        object_type="linkage_model",
        object_id=model.version,
        data={**(data or {}), "active": activate},
    )
    return model


# -- review decisions -------------------------------------------------------------------------------


@transaction.atomic
def decide_review(
    item: ReviewItem, status: str, *, user: Any, note: str = "", source_ip: str | None = None
) -> ReviewItem:
    """Record a reviewer's decision: the same business, different businesses, or deferred.

    When compilation held the item's row, linking compiles it into the candidate business and
    separating compiles it as a new business, in this transaction and through the compiler
    (``submissions.services.compile_reviewed_row``); deferring leaves it held. A decided item
    applies whenever the same record arrives again (see ``link_batch``). Only the walidata
    decide; views check that before calling. Raises ``LinkageError`` for an unknown status or an
    item already linked or separated.
    """
    if status not in (ReviewItem.Status.LINKED, ReviewItem.Status.SEPARATED, ReviewItem.Status.DEFERRED):
        raise LinkageError(_("Unknown review decision {value}."), field="status", value=status)
    item = ReviewItem.objects.select_for_update().select_related("candidate").get(pk=item.pk)
    if item.status in (ReviewItem.Status.LINKED, ReviewItem.Status.SEPARATED):
        raise LinkageError(
            _("Review item {value} was already decided ({status}); its decision stands."),
            field="status", value=item.pk, status=item.get_status_display(),
        )
    now = timezone.now()
    compiled = {}
    if item.row_held and status != ReviewItem.Status.DEFERRED:
        compiled = _compile_held_row(item, status, now)
        item.row_held = False

    item.status = status
    item.note = note
    item.decided_by = user if getattr(user, "pk", None) else None
    item.decided_at = now
    item.save(update_fields=["status", "note", "decided_by", "decided_at", "row_held"])
    record(
        REVIEW_DECIDED,
        actor=user,
        object_type="review_item",
        object_id=item.pk,
        source_ip=source_ip,
        data={
            "status": status,
            "candidate": item.candidate.umkm_code,
            "probability": item.match_probability,
            **compiled,
        },
    )
    return item


def _compile_held_row(item: ReviewItem, status: str, now: dt.datetime) -> dict:
    """Compile the held row of ``item`` as decided and store the decision; return what the audit keeps."""
    target = None
    if status == ReviewItem.Status.LINKED:
        target = resolve_code(item.candidate.umkm_code)
        if target is None or target.status != Business.Status.ACTIVE:
            raise LinkageError(
                _("Business {value} is no longer active; the row cannot be linked to it. Separate it, or "
                  "merge the businesses first."),
                field="candidate", value=item.candidate.umkm_code,
            )
    result = compile_reviewed_row(item.submission, item.row_number, target.pk if target else None)
    business = (
        TransactionRecord.objects.filter(submission=item.submission, row_number=item.row_number)
        .order_by("-id").select_related("business").first().business
    )
    LinkDecision.objects.create(
        submission=item.submission,
        row_number=item.row_number,
        outcome=LinkDecision.Outcome.LINK if target else LinkDecision.Outcome.NEW,
        business=business,
        rule=engine.RULE_REVIEWED,
        match_probability=item.match_probability,
        model_version=item.model_version,
        decided_at=now,
    )
    return {
        "submission": item.submission_id,
        "row": item.row_number,
        "business": business.umkm_code,
        "created": result.created,
        "updated": result.updated,
    }


# -- merging ----------------------------------------------------------------------------------------

# Survivorship per master variable: "complete" takes the first non-empty value in the order of
# the source ranking, "recent" the value of the business updated last.
SURVIVORSHIP = {
    "nib": "complete",
    "name": "recent",
    "legal_form": "complete",
    "kbli": "recent",
    "main_activity": "recent",
    "products": "recent",
    "address": "recent",
    "rt": "recent",
    "rw": "recent",
    "latitude": "complete",
    "longitude": "complete",
    "year_started": "complete",
    "month_started": "complete",
    "scale": "recent",
}
# A central producer's value wins over a regional one when both are complete.
SOURCE_RANK = {"central": 0, "regional": 1}


def _rank(business: Business) -> tuple:
    kind = getattr(business.last_submission.producer, "kind", "")
    return (SOURCE_RANK.get(kind, 9), -business.updated_at.timestamp(), business.id)


def survivor_values(survivor: Business, merged: Business) -> dict[str, tuple[Any, str]]:
    """The value each master variable takes after the merge and the business it came from."""
    by_source = sorted([survivor, merged], key=_rank)
    by_recency = sorted([survivor, merged], key=lambda b: (-b.updated_at.timestamp(), b.id))
    chosen = {}
    for field, rule in SURVIVORSHIP.items():
        order = by_recency if rule == "recent" else by_source
        winner = next((b for b in order if getattr(b, field) not in (None, "")), order[0])
        chosen[field] = (getattr(winner, field), winner.umkm_code)
    return chosen


def _snapshot(business: Business) -> dict:
    return {field: getattr(business, field) for field in SURVIVORSHIP} | {
        "updated_at": business.updated_at.isoformat()
    }


def _new_version(business: Business, changes: dict[str, Any], now: dt.datetime) -> None:
    """Supersede the current master-data version and store one with ``changes`` applied."""
    current = business.versions.filter(superseded_at__isnull=True).order_by("-number").first()
    if current is None:
        return
    data = dict(current.data)
    values = dict(data.get("values", {}))
    column_to_code = {
        "name": "business_name",
        "address": "business_address",
        "rt": "business_rt",
        "rw": "business_rw",
        "scale": "business_scale",
    }
    for field, value in changes.items():
        values[column_to_code.get(field, field)] = value
    data["values"] = values
    current.superseded_at = now
    current.save(update_fields=["superseded_at"])
    BusinessVersion.objects.create(
        business=business,
        number=current.number + 1,
        data=data,
        valid_from=now.date(),
        recorded_at=now,
        submission_id=current.submission_id,
        row_number=current.row_number,
    )


@transaction.atomic
def merge_businesses(
    survivor: Business, merged: Business, *, user: Any = None, reason: str = "", source_ip: str | None = None
) -> Merge:
    """Merge ``merged`` into ``survivor``: survivorship per variable, transactions moved, code redirected.

    The merged business keeps its UMKM code with status MERGED and ``merged_into`` the survivor, so
    the code still resolves. Raises ``LinkageError`` when either business is not active or both are one.
    """
    survivor = Business.objects.select_for_update().get(pk=survivor.pk)
    merged = Business.objects.select_for_update().get(pk=merged.pk)
    if survivor.pk == merged.pk:
        raise LinkageError(
            _("A business cannot be merged into itself."), field="merged", value=merged.umkm_code
        )
    for business in (survivor, merged):
        if business.status != Business.Status.ACTIVE:
            raise LinkageError(
                _("Business {value} is not active and cannot be merged."),
                field="business",
                value=business.umkm_code,
            )
    now = timezone.now()
    chosen = survivor_values(survivor, merged)
    changes = {f: v for f, (v, _src) in chosen.items() if getattr(survivor, f) != v}
    before = {
        "survivor": _snapshot(survivor),
        "moved_transactions": list(merged.transactions.values_list("id", flat=True)),
    }
    for field, value in changes.items():
        setattr(survivor, field, value)
    survivor.updated_at = now
    survivor.save()
    if changes:
        _new_version(survivor, changes, now)
    TransactionRecord.objects.filter(id__in=before["moved_transactions"]).update(business=survivor)
    merged.status = Business.Status.MERGED
    merged.merged_into = survivor
    merged.updated_at = now
    merged.save(update_fields=["status", "merged_into", "updated_at"])
    merge = Merge.objects.create(
        survivor=survivor,
        merged=merged,
        before=before,
        chosen={f: src for f, (_v, src) in chosen.items()},
        reason=reason,
        merged_by=user if getattr(user, "pk", None) else None,
        merged_at=now,
    )
    record(
        MERGED,
        actor=user,
        object_type="business",
        object_id=survivor.umkm_code,
        source_ip=source_ip,
        data={"merged": merged.umkm_code, "merge": merge.pk, "changed": sorted(changes)},
    )
    return merge


@transaction.atomic
def undo_merge(merge: Merge, *, user: Any = None, source_ip: str | None = None) -> Merge:
    """Undo a merge: the survivor's earlier values return as a new version, the transactions move
    back, and the merged business is active again under its own code. Raises ``LinkageError`` when
    the merge was already undone or the survivor was merged since."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise LinkageError(_("Merge {value} was already undone."), field="merge", value=merge.pk)
    survivor = Business.objects.select_for_update().get(pk=merge.survivor_id)
    merged = Business.objects.select_for_update().get(pk=merge.merged_id)
    if survivor.status != Business.Status.ACTIVE:
        raise LinkageError(
            _("Business {value} was merged again; undo that merge first."),
            field="survivor",
            value=survivor.umkm_code,
        )
    now = timezone.now()
    earlier = merge.before["survivor"]
    changes = {f: earlier[f] for f in SURVIVORSHIP if getattr(survivor, f) != earlier[f]}
    for field, value in changes.items():
        setattr(survivor, field, value)
    survivor.updated_at = now
    survivor.save()
    if changes:
        _new_version(survivor, changes, now)
    TransactionRecord.objects.filter(id__in=merge.before["moved_transactions"]).update(business=merged)
    merged.status = Business.Status.ACTIVE
    merged.merged_into = None
    merged.updated_at = now
    merged.save(update_fields=["status", "merged_into", "updated_at"])
    merge.undone_at = now
    merge.undone_by = user if getattr(user, "pk", None) else None
    merge.save(update_fields=["undone_at", "undone_by"])
    record(
        UNMERGED,
        actor=user,
        object_type="business",
        object_id=survivor.umkm_code,
        source_ip=source_ip,
        data={"merged": merged.umkm_code, "merge": merge.pk},
    )
    return merge


def resolve_code(umkm_code: str) -> Business | None:
    """The business a UMKM code names now: a merged business redirects to its survivor."""
    business = Business.objects.filter(umkm_code=umkm_code).first()
    seen = set()
    while business is not None and business.status == Business.Status.MERGED and business.merged_into_id:
        if business.pk in seen:
            break
        seen.add(business.pk)
        business = business.merged_into
    return business
