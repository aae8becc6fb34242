"""Every state change of a submission: receive, inspect, validate, compile.

Views, the API and the command line call these functions; they never save a submission
themselves. Each function records what it did in the audit log.
"""

import datetime as dt
import hashlib
import logging
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.errors import DomainError
from satudata.producers.models import ColumnMapping, Producer
from satudata.reference.lookups import code_list_lookup, region_lookup
from satudata.registry.compile import CompileResult, compile_rows
from satudata.standards.loading import current_version
from satudata.standards.models import StandardVersion
from satudata.submissions import reading
from satudata.submissions.errors import FileRejected, rejected
from satudata.submissions.mapping import Mapping, known_headers, propose, saved_choices
from satudata.submissions.models import Submission
from satudata.validation.engine import ERROR_SCHEMA, FileChecks, Validator, unique_keys_of
from satudata.validation.rules import RuleContext
from satudata.validation.specs import StandardSpec, spec_from_version

logger = logging.getLogger(__name__)
COPY_CHUNK = 1024 * 1024


class SubmissionStateError(DomainError):
    code = "submission.wrong_state"
    http_status = 409


class UnknownVariables(DomainError):
    code = "submission.unknown_variables"
    http_status = 422


class UnknownKbliEdition(DomainError):
    code = "submission.kbli_edition_unknown"
    http_status = 422


def kbli_editions() -> list[str]:
    """Names of the loaded KBLI editions, newest first: what a producer may declare a file to use."""
    from satudata.reference.models import Edition

    return list(Edition.objects.filter(code_list__kind="kbli").order_by("-name").values_list("name", flat=True))


def declared_kbli_edition(name: str | None) -> str:
    """Check a declared KBLI edition; an empty declaration means the current edition."""
    name = (name or "").strip()
    if name and name not in kbli_editions():
        raise UnknownKbliEdition(
            _("KBLI edition {edition} is not loaded. Declare one of: {loaded}, or leave it empty for the "
              "current edition."),
            field="kbli_edition", value=name, edition=name, loaded=", ".join(kbli_editions()) or "-",
        )
    return name


@dataclass
class Inspection:
    layout: reading.TableLayout
    mapping: Mapping


# -- receiving --------------------------------------------------------------------------------------

def _store_raw(source: IO[bytes], target: Path, display_name: str) -> tuple[str, int]:
    """Copy the upload into the submission folder, hashing it on the way; enforce the size limit."""
    limit = settings.SATUDATA_MAX_UPLOAD_BYTES
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    # A second thread hashes each chunk while this one writes it. Both release the interpreter
    # lock for large buffers, so the copy costs about the longer of the two rather than the sum.
    with open(target, "wb") as out, ThreadPoolExecutor(max_workers=1, thread_name_prefix="receive-hash") as hasher:
        hashing: Future | None = None
        while chunk := source.read(COPY_CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise rejected("file.too_large", file=display_name, size_mb=f"> {limit // 1024**2}",
                               limit_mb=limit // 1024**2)
            if hashing is not None:
                hashing.result()
            hashing = hasher.submit(digest.update, chunk)
            out.write(chunk)
        if hashing is not None:
            hashing.result()
    return digest.hexdigest(), size


def _stored_name(original_name: str) -> str:
    suffix = Path(original_name).suffix.lower()
    safe = suffix if suffix in {".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".tsv"} else ".bin"
    return "raw" + safe


def receive_file(*, producer: Producer, source: IO[bytes], original_name: str, user: Any = None,
                 channel: str = Submission.Channel.WEB, reference_year: int | None = None,
                 standard_version: StandardVersion | None = None, source_ip: str | None = None,
                 kbli_edition: str | None = None) -> Submission:
    """Store a producer's file as a new submission. The raw bytes are kept unchanged, with their hash.

    ``kbli_edition`` names the KBLI edition the file's codes are written in (default: current).
    """
    version = standard_version or current_version()
    kbli_edition = declared_kbli_edition(kbli_edition)
    display_name = Path(original_name).name
    submission = Submission.objects.create(
        producer=producer, standard_version=version, submitted_by=user if getattr(user, "pk", None) else None,
        channel=channel, original_name=display_name[:255], stored_name=_stored_name(display_name),
        sha256="", size_bytes=0, reference_year=reference_year, kbli_edition=kbli_edition,
    )
    try:
        sha256, size = _store_raw(source, submission.raw_path, display_name)
    except FileRejected as exc:
        _mark_rejected(submission, exc)
        raise
    submission.sha256, submission.size_bytes = sha256, size
    submission.save(update_fields=["sha256", "size_bytes"])
    _note_same_file(submission)
    record(Action.SUBMISSION_CREATED, actor=user, object_type="submission", object_id=submission.pk,
           source_ip=source_ip, data={"producer": producer.code, "sha256": sha256, "bytes": size, "channel": channel})
    logger.info("Received submission=%s producer=%s bytes=%d", submission.pk, producer.code, size)
    return submission


def _note_same_file(submission: Submission) -> None:
    """Record the producer's earliest submission with the same SHA-256, so screens can show that the
    file was sent before. The file is still processed, and its rows match the businesses already compiled."""
    earlier = (Submission.objects.filter(producer=submission.producer, sha256=submission.sha256)
               .exclude(pk=submission.pk).order_by("id").first())
    if earlier is not None:
        submission.summary = {**submission.summary, "same_file_as": earlier.pk}
        submission.save(update_fields=["summary"])


def _mark_rejected(submission: Submission, exc: FileRejected) -> None:
    from satudata.submissions.workflow import move

    submission.failure_code = exc.code
    submission.failure_detail = {k: str(v) for k, v in exc.params.items()}
    submission.save(update_fields=["failure_code", "failure_detail"])
    if submission.state != Submission.State.REJECTED:
        move(submission, Submission.State.REJECTED, reason=exc.code)
    logger.warning("Rejected submission=%s code=%s", submission.pk, exc.code)


def failure_message(submission: Submission) -> str:
    from satudata.submissions.errors import MESSAGES

    template = MESSAGES.get(submission.failure_code)
    if template is None:
        return submission.failure_code
    return str(template).format_map(_Defaults(submission.failure_detail))


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return "?"


# -- inspecting and mapping -------------------------------------------------------------------------

def inspect(submission: Submission, *, saved: dict[str, str] | None = None) -> Inspection:
    """Find the header row and propose a column mapping, using the producer's saved mapping first."""
    variables = list(submission.standard_version.variables.all())
    try:
        layout = reading.inspect_table(submission.raw_path, submission.original_name, known_headers(variables),
                                       submission.folder)
    except FileRejected as exc:
        _mark_rejected(submission, exc)
        raise
    if saved is None:
        stored = ColumnMapping.objects.filter(producer=submission.producer,
                                              standard_version=submission.standard_version).first()
        saved = stored.mapping if stored else {}
    mapping = propose(layout.headers, variables, saved)
    submission.file_format = layout.file_format
    submission.layout = layout.to_json()
    submission.mapping = mapping.to_json()
    submission.save(update_fields=["file_format", "layout", "mapping"])
    return Inspection(layout=layout, mapping=mapping)


@transaction.atomic
def save_mapping(submission: Submission, mapping: Mapping, user: Any = None) -> None:
    """Remember the producer's confirmed mapping for its next file."""
    stored, _created = ColumnMapping.objects.get_or_create(
        producer=submission.producer, standard_version=submission.standard_version
    )
    stored.mapping = {**stored.mapping, **saved_choices(mapping)}
    stored.save(update_fields=["mapping", "updated_at"])
    submission.mapping = mapping.to_json()
    submission.save(update_fields=["mapping"])
    record(Action.MAPPING_SAVED, actor=user, object_type="producer", object_id=submission.producer.code,
           data={"submission": submission.pk, "columns": len(mapping.columns)})


# -- validating --------------------------------------------------------------------------------------

def rule_context(producer: Producer, *, kbli_edition: str = "") -> RuleContext:
    """Return what the rules check a producer's file against, with the file's declared KBLI edition."""
    kinds = {"sex", "legal_form", "education", "business_scale"}
    regions = (producer.region_code,) if producer.kind == Producer.Kind.REGIONAL and producer.region_code else ()
    label = producer.region_code
    lookup = region_lookup()
    if regions and lookup is not None:
        label = f"{lookup.names.name_of(producer.region_code)} ({producer.region_code})"
    return RuleContext(
        today=timezone.localdate(),
        regions=lookup,
        code_lists={**{kind: code_list_lookup(kind) for kind in kinds},
                    "kbli": code_list_lookup("kbli", kbli_edition or None)},
        producer_regions=regions,
        producer_scope_label=label,
        producer_sectors=tuple(producer.kbli_sectors or ()),
    )


def _notes(ctx: RuleContext) -> list[str]:
    notes = []
    kbli = ctx.code_lists.get("kbli")
    if kbli is None or not kbli.is_complete:
        notes.append("kbli_structure_only")
    if ctx.regions is None:
        notes.append("regions_not_loaded")
    return notes


def _batches(submission: Submission, layout: reading.TableLayout, columns: dict[int, str],
             batch_size: int) -> Iterator[pl.DataFrame]:
    """Return the file's rows in batches, with the producer's corrections in place of returned rows.

    A CSV file starts being parsed when this is called, in Polars' threads.
    """
    corrections = {c.row_number: c.values for c in submission.corrections.all()}
    mapped = [name for name in columns.values() if not name.startswith("__col__")]
    correction_frame = None
    if corrections:
        correction_frame = pl.DataFrame(
            {"__row": list(corrections), **{name: [v.get(name) for v in corrections.values()] for name in mapped}},
            schema={"__row": pl.Int64, **{name: pl.String for name in mapped}},
        )
    batches = reading.iter_batches(submission.raw_path, layout, columns, submission.original_name, batch_size)
    if correction_frame is None:
        return batches
    return _corrected(batches, correction_frame)


def _corrected(batches: Iterator[pl.DataFrame], corrections: pl.DataFrame) -> Iterator[pl.DataFrame]:
    for batch in batches:
        yield batch.update(corrections.select([c for c in corrections.columns if c in batch.columns]),
                           on="__row", how="left", include_nulls=True)


ProgressCallback = Callable[[str, int, int | None], None]


def _report_progress(submission: Submission, stage: str, done: int, total: int | None,
                     on_progress: ProgressCallback | None = None) -> None:
    """Store the progress for the browser's progress bar and pass it to the caller's callback."""
    progress = {"stage": stage, "done": done, "total": total, "at": timezone.now().isoformat()}
    Submission.objects.filter(pk=submission.pk).update(progress=progress)
    submission.progress = progress
    if on_progress is not None:
        on_progress(stage, done, total)


def validate(submission: Submission, mapping: Mapping, *, user: Any = None,
             batch_size: int = 100_000, on_progress: ProgressCallback | None = None) -> Submission:
    """Read every row, validate it and stage the result: valid rows and row errors as Parquet files.

    Nothing is written to the registry here. Validating again replaces the earlier result; the
    submission's state is the caller's to change (see ``procedure``).
    """
    if submission.state not in (Submission.State.DRAFT, Submission.State.VALIDATING):
        raise SubmissionStateError(_("Submission {id} is {state} and cannot be validated now."),
                                   id=submission.pk, state=submission.get_state_display())
    started = time.monotonic()
    standard = spec_from_version(submission.standard_version)
    if submission.kbli_edition:
        declared_kbli_edition(submission.kbli_edition)  # it may have been removed since the upload
    layout = reading.TableLayout.from_json(submission.layout)
    columns = mapping.columns
    folder = submission.folder
    parts = submission.valid_folder
    # Every run starts from no output, so a run after an interrupted one or after a correction
    # round ends as a first run would. A stale rejected.parquet would otherwise outlive a run that
    # rejects nothing.
    shutil.rmtree(parts, ignore_errors=True)
    submission.errors_path.unlink(missing_ok=True)
    (folder / "rejected.parquet").unlink(missing_ok=True)
    parts.mkdir(parents=True)
    all_columns = {i: (columns.get(i) or f"__col__{i}") for i in range(len(layout.headers))}
    # The reader starts before the code lists are prepared, so Polars parses the first batches
    # of a CSV file meanwhile.
    try:
        batches = _batches(submission, layout, all_columns, batch_size)
    except FileRejected as exc:
        _mark_rejected(submission, exc)
        raise
    ctx = rule_context(submission.producer, kbli_edition=submission.kbli_edition)
    constants = _constant_columns(submission, mapping)
    validator = Validator(standard, ctx, list(columns.values()) + constants)
    file_checks = FileChecks(unique_keys_of(standard))
    rows_read = 0
    error_frames: list[pl.DataFrame] = []
    rejected_frames: list[pl.DataFrame] = []
    # Parts are written in a second thread while the next batch is validated. Polars releases
    # the GIL while it writes, and one write at most is in flight, so memory stays bounded.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate-write") as writer:
        pending: Future | None = None
        try:
            estimated = layout.estimated_rows
            for number, batch in enumerate(batches):
                rows_read += batch.height
                _report_progress(submission, "validating", rows_read, max(estimated or 0, rows_read) or None,
                                 on_progress)
                batch = _add_constants(batch, submission, mapping)
                result = validator.validate(batch.select([c for c in batch.columns if not c.startswith("__col__")]))
                if pending is not None:
                    pending.result()
                pending = writer.submit(_write_part, result.valid, parts / f"part-{number:05d}.parquet")
                file_checks.add(result.keys)
                if result.errors.height:
                    error_frames.append(result.errors)
                    rejected_rows = result.errors.get_column("row").unique()
                    rejected_frames.append(batch.filter(pl.col("__row").is_in(rejected_rows.implode())))
        except FileRejected as exc:
            _mark_rejected(submission, exc)
            raise
        if pending is not None:
            pending.result()
    file_errors = file_checks.errors()
    if file_errors.height:
        error_frames.append(file_errors)
    errors = pl.concat(error_frames) if error_frames else pl.DataFrame(schema=ERROR_SCHEMA)
    errors = errors.sort(["row", "field"])
    errors.write_parquet(submission.errors_path)
    if file_errors.height:
        # Rows rejected by whole-file checks passed their batch, so their cells are read again.
        rows = file_errors.get_column("row").unique().implode()
        for batch in _batches(submission, layout, all_columns, batch_size):
            batch = _add_constants(batch, submission, mapping)
            rejected_frames.append(batch.filter(pl.col("__row").is_in(rows)))
    if rejected_frames:
        pl.concat(rejected_frames, how="diagonal_relaxed").unique("__row", keep="first").sort("__row").write_parquet(
            folder / "rejected.parquet"
        )

    accepted = valid_rows(submission).select(pl.len()).collect().item()
    by_field: dict[str, dict[str, int]] = {}
    for field_code, code, count in errors.group_by(["field", "code"]).len().iter_rows():
        by_field.setdefault(field_code, {})[code] = count
    seconds = round(time.monotonic() - started, 3)
    submission.rows_read = rows_read
    submission.rows_accepted = accepted
    submission.rows_rejected = rows_read - accepted
    submission.summary = {
        **{k: v for k, v in submission.summary.items() if k == "same_file_as"},
        "errors_by_field": by_field,
        "error_count": errors.height,
        "notes": _notes(ctx),
        "unmapped": [c.header for c in mapping.unmapped],
        # The reference year given with the upload fills a missing year column.
        "missing_required": [c for c in mapping.missing_required if c not in constants],
        "seconds": {"validate": seconds},
        "kbli_edition": (ctx.code_lists.get("kbli").edition if ctx.code_lists.get("kbli") else None),
        "region_edition": ctx.regions.edition if ctx.regions else None,
    }
    submission.mapping = mapping.to_json()
    submission.validated_at = timezone.now()
    submission.progress = {"stage": "validated", "done": rows_read, "total": rows_read}
    submission.save()
    if on_progress is not None:
        on_progress("validated", rows_read, rows_read)
    record(Action.SUBMISSION_VALIDATED, actor=user, object_type="submission", object_id=submission.pk,
           data={"rows": rows_read, "accepted": accepted, "rejected": submission.rows_rejected})
    logger.info("Validated submission=%s rows=%d accepted=%d seconds=%.1f", submission.pk, rows_read, accepted, seconds)
    return submission


def _constant_columns(submission: Submission, mapping: Mapping) -> list[str]:
    if submission.reference_year and "reference_year" not in mapping.columns.values():
        return ["reference_year"]
    return []


def _add_constants(batch: pl.DataFrame, submission: Submission, mapping: Mapping) -> pl.DataFrame:
    if _constant_columns(submission, mapping):
        return batch.with_columns(pl.lit(str(submission.reference_year)).alias("reference_year"))
    return batch


# -- compiling ---------------------------------------------------------------------------------------

def compile_submission(submission: Submission, *, user: Any = None) -> Submission:
    """Write an accepted submission's valid rows into the registry, all in one transaction.

    The state becomes compiled in the same transaction, so a crash or a killed worker leaves the
    registry as it was and the submission accepted, ready to be compiled again.
    """
    from satudata.submissions.workflow import move

    if submission.state != Submission.State.ACCEPTED:
        raise SubmissionStateError(_("Submission {id} is {state}; only an accepted submission can be compiled."),
                                   id=submission.pk, state=submission.get_state_display())
    standard: StandardSpec = spec_from_version(submission.standard_version)
    batches = valid_rows(submission).collect_batches(chunk_size=100_000)
    # Committed before the compiling transaction starts, so the stage outlives a rollback and
    # 'satudata submission show' can tell that a compilation was started.
    _report_progress(submission, "compiling", 0, submission.rows_accepted)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state != Submission.State.ACCEPTED:
            raise SubmissionStateError(_("Submission {id} was compiled by another process."), id=submission.pk)
        result = compile_rows(submission, standard, batches)
        submission.businesses_created = result.created
        submission.businesses_updated = result.updated
        submission.summary = {
            **submission.summary,
            "unchanged": result.unchanged,
            "held_for_review": result.held,
            "seconds": {**submission.summary.get("seconds", {}), "compile": result.seconds},
        }
        submission.compiled_at = timezone.now()
        submission.progress = {"stage": "compiled",
                               "done": result.created + result.updated + result.unchanged + result.held,
                               "total": submission.rows_accepted}
        submission.save()
        move(submission, Submission.State.COMPILED, data={"created": result.created, "updated": result.updated})
        record(Action.SUBMISSION_COMPILED, actor=user, object_type="submission", object_id=submission.pk,
               data={"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                     "held_for_review": result.held})
    return submission


def compile_reviewed_row(submission: Submission, row_number: int, business_id: int | None) -> CompileResult:
    """Compile a row that compilation held for clerical review, as its reviewer decided.

    ``business_id`` is the registered business the reviewer linked the row to, or None when the
    row is a business of its own. The row goes through the same compiler as the rest of the
    submission, and the submission's counts move from held to created or updated. Call it inside
    the transaction that records the decision (``linkage.services.decide_review``). Raises
    ``SubmissionStateError`` when the submission is not compiled or the row is not among its
    valid rows.
    """
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.state != Submission.State.COMPILED:
        raise SubmissionStateError(
            _("Submission {id} is {state}; a held row is compiled only after the rest of the submission."),
            id=locked.pk, state=locked.get_state_display())
    batch = valid_rows(locked).filter(pl.col("__row") == row_number).collect()
    if batch.height != 1:
        raise SubmissionStateError(
            _("Row {row} of submission {id} is not among its valid rows, so it cannot be compiled. Its staged "
              "rows may have been removed."), id=locked.pk, row=row_number)
    standard = spec_from_version(locked.standard_version)
    result = compile_rows(locked, standard, [batch], reviewed={row_number: business_id})
    summary = locked.summary
    locked.businesses_created += result.created
    locked.businesses_updated += result.updated
    locked.summary = {
        **summary,
        "unchanged": summary.get("unchanged", 0) + result.unchanged,
        "held_for_review": max(summary.get("held_for_review", 0) - 1, 0),
    }
    locked.save(update_fields=["businesses_created", "businesses_updated", "summary"])
    return result


def _write_part(valid: pl.DataFrame, path: Path) -> None:
    """Stage one batch of valid rows.

    Parquet's dictionary encoding alone makes the parts smaller than LZ4-compressed Arrow IPC
    (166 against 225 MB for a 447 MB export), and writing them costs about 0.7 instead of
    1.2 CPU s per million rows, so no compression is added.
    """
    valid.write_parquet(path, compression="uncompressed", statistics=False)


def valid_rows(submission: Submission) -> pl.LazyFrame:
    """The submission's valid rows: its validated parts minus the rows that have any error."""
    parts = sorted(submission.valid_folder.glob("part-*.parquet"))
    # Submissions validated by earlier releases staged their parts as Arrow IPC files.
    legacy = sorted(submission.valid_folder.glob("part-*.arrow"))
    if not parts and not legacy:
        return pl.LazyFrame(schema={"__row": pl.Int64})
    rejected = pl.scan_parquet(submission.errors_path).select("row").unique().collect().get_column("row")
    staged = pl.scan_parquet(parts) if parts else pl.scan_ipc(legacy)
    return staged.filter(~pl.col("__row").is_in(rejected.implode()))


def error_frame(submission: Submission) -> pl.DataFrame:
    if not submission.errors_path.exists():
        return pl.DataFrame(schema=ERROR_SCHEMA)
    return pl.read_parquet(submission.errors_path)


def error_counts(submission: Submission) -> Counter:
    counts: Counter = Counter()
    for field_code, codes in (submission.summary.get("errors_by_field") or {}).items():
        for code, count in codes.items():
            counts[(field_code, code)] += count
    return counts


def today() -> dt.date:
    return timezone.localdate()


def records_to_file(submission: Submission) -> Submission:
    """Write the records pushed through the API or entered in the form to the submission's raw file.

    The file is a CSV whose header is the variable codes, so the column mapping is the identity;
    it is kept and hashed like an uploaded file, and row N + 1 of it is record N.
    """
    records = list(submission.records.order_by("sequence").values_list("values", flat=True))
    if not records:
        raise rejected("file.empty", file=submission.original_name)
    columns: list[str] = []
    for values in records:
        for key in values:
            if key not in columns:
                columns.append(key)
    frame = pl.DataFrame({c: [values.get(c) for values in records] for c in columns},
                         schema={c: pl.String for c in columns})
    submission.folder.mkdir(parents=True, exist_ok=True)
    submission.stored_name = "raw.csv"
    frame.write_csv(submission.raw_path)
    content = submission.raw_path.read_bytes()
    submission.sha256 = hashlib.sha256(content).hexdigest()
    submission.size_bytes = len(content)
    submission.save(update_fields=["stored_name", "sha256", "size_bytes"])
    _note_same_file(submission)
    inspect(submission, saved={})
    return submission


def open_draft(*, producer: Producer, channel: str, name: str, user: Any = None,
               reference_year: int | None = None, kbli_edition: str | None = None) -> Submission:
    """Open an empty draft that records are added to (API pushes, enumerator entry)."""
    kbli_edition = declared_kbli_edition(kbli_edition)
    submission = Submission.objects.create(
        producer=producer, standard_version=current_version(), submitted_by=user if getattr(user, "pk", None) else None,
        channel=channel, original_name=name[:255], stored_name="raw.csv", sha256="", size_bytes=0,
        reference_year=reference_year, kbli_edition=kbli_edition,
    )
    record(Action.SUBMISSION_CREATED, actor=user, object_type="submission", object_id=submission.pk,
           data={"producer": producer.code, "channel": channel})
    return submission


def add_records(submission: Submission, records: list[dict[str, Any]], *, user: Any = None) -> int:
    """Append records (variable code → value as text) to a draft; return how many it now holds."""
    from django.db.models import Max

    from satudata.submissions.models import SubmissionRecord

    if submission.state != Submission.State.DRAFT:
        raise SubmissionStateError(_("Submission {id} is {state}; records can only be added to a draft."),
                                   id=submission.pk, state=submission.get_state_display())
    known = set(submission.standard_version.variables.values_list("code", flat=True))
    for number, values in enumerate(records, start=1):
        unknown = sorted(str(key) for key in values if str(key) not in known)
        if unknown:
            # A misspelt code would otherwise lose its values without a word.
            raise UnknownVariables(
                _("Record {number} of this batch has fields that are not variables of standard {standard}: "
                  "{fields}. Use the variable codes of the standard's Table Schema; nothing of this batch "
                  "was stored."),
                field=unknown[0], value=unknown[0], number=number, fields=", ".join(unknown),
                standard=submission.standard_version.label,
            )
    last = submission.records.aggregate(n=Max("sequence"))["n"] or 0
    SubmissionRecord.objects.bulk_create([
        SubmissionRecord(submission=submission, sequence=last + number, created_by=user if getattr(user, "pk", None) else None,
                         values={str(k): (None if v is None else str(v)) for k, v in values.items()})
        for number, values in enumerate(records, start=1)
    ], batch_size=2000)
    # Counts and record numbers only: the values hold personal data.
    record(Action.DRAFT_RECORDS_CHANGED, actor=user, object_type="submission", object_id=submission.pk,
           data={"added": len(records), "first": last + 1, "last": last + len(records)})
    return last + len(records)


def _draft_record(submission: Submission, sequence: int):
    if submission.state != Submission.State.DRAFT:
        raise SubmissionStateError(
            _("Submission {id} is {state}; only the records of a draft can be changed."),
            id=submission.pk, state=submission.get_state_display())
    found = submission.records.filter(sequence=sequence).first()
    if found is None:
        raise SubmissionStateError(_("Submission {id} has no record {sequence}."), id=submission.pk,
                                   sequence=sequence)
    return found


def replace_record(submission: Submission, sequence: int, values: dict[str, Any], *, user: Any = None) -> None:
    """Replace the values of one record of a draft (variable code → value as text)."""
    found = _draft_record(submission, sequence)
    found.values = {str(k): (None if v is None else str(v)) for k, v in values.items()}
    found.save(update_fields=["values", "updated_at"])
    record(Action.DRAFT_RECORDS_CHANGED, actor=user, object_type="submission", object_id=submission.pk,
           data={"changed": sequence})


def remove_record(submission: Submission, sequence: int, *, user: Any = None) -> None:
    """Delete one record of a draft; the others keep their numbers."""
    _draft_record(submission, sequence).delete()
    record(Action.DRAFT_RECORDS_CHANGED, actor=user, object_type="submission", object_id=submission.pk,
           data={"deleted": sequence})
