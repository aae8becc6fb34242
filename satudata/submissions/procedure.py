"""The steps of the collection and processing procedure, each in one function.

``submit`` and ``resubmit`` hand a submission to the walidata and queue its validation;
``accept`` and ``return_to_producer`` are the walidata's decision after checking; corrections
replace returned rows; compilation into the registry runs in the worker. Transitions and their
permissions live in ``workflow``.
"""

import datetime as dt
import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import polars as pl
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError
from satudata.producers.models import Producer
from satudata.submissions import services, tasks
from satudata.submissions.errors import FileRejected
from satudata.submissions.deadlines import days_overdue, step_label
from satudata.submissions.mapping import Mapping
from satudata.submissions.models import RowCorrection, Submission
from satudata.submissions.workflow import build_checklist, confirm_checklist, move

logger = logging.getLogger(__name__)
State = Submission.State
# States in which a submission waits for someone and can be overdue.
WAITING = (State.SUBMITTED, State.RESUBMITTED, State.VALIDATING, State.CHECKED, State.RETURNED, State.ACCEPTED)


class ProcedureError(DomainError):
    code = "submission.procedure"


def submit(submission: Submission, *, actor: Any = None, background: bool = True,
           on_progress: services.ProgressCallback | None = None) -> Submission:
    """Hand a draft over to the walidata and validate it: in the background worker, or at once
    when ``background`` is false (the command line, which shows its own progress)."""
    with transaction.atomic():
        move(submission, State.SUBMITTED, actor=actor)
        if background:
            tasks.enqueue_validation(submission.pk)
    if not background:
        run_validation(submission.pk, on_progress=on_progress)
    submission.refresh_from_db()
    return submission


def run_validation(submission_id: int, *, on_progress: services.ProgressCallback | None = None) -> Submission | None:
    """Validate a submitted or resubmitted submission and leave it checked for the walidata.

    A submission found validating while no one holds its validation lock was interrupted midway,
    and is validated again from its file.
    """
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or submission.state not in (State.SUBMITTED, State.RESUBMITTED, State.VALIDATING):
        return submission
    with _validation_lock(submission):
        # Another worker may have validated it while this one waited for the lock.
        submission.refresh_from_db()
        if submission.state == State.VALIDATING:
            logger.warning("Submission=%s was left validating by a stopped worker; validating it again",
                           submission.pk)
        elif submission.state in (State.SUBMITTED, State.RESUBMITTED):
            move(submission, State.VALIDATING)
        else:
            return submission
        try:
            services.validate(submission, Mapping.from_json(submission.mapping), on_progress=on_progress)
        except FileRejected as exc:
            # services.validate has already moved the submission to rejected, with the reason.
            logger.warning("Submission=%s could not be read: %s", submission.pk, exc.code)
            submission.refresh_from_db()
            return submission
        submission.refresh_from_db()
        submission.checklist = build_checklist(submission)
        submission.save(update_fields=["checklist"])
        move(submission, State.CHECKED, data={"accepted": submission.rows_accepted,
                                              "rejected": submission.rows_rejected})
    submission.refresh_from_db()
    return submission


@contextmanager
def _validation_lock(submission: Submission) -> Iterator[None]:
    """Hold the submission's validation lock, waiting while another process or thread holds it.

    One validation at a time writes the submission's folder. The lock is an exclusive ``flock``
    on a file in that folder, so the operating system releases it when its holder ends, even by
    SIGKILL: a submission that is validating while its lock is free has no worker on it.
    """
    submission.folder.mkdir(parents=True, exist_ok=True)
    with open(submission.folder / "validation.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def accept(submission: Submission, *, actor: Any, answers: dict[str, tuple[bool, str]] | None = None,
           reason: str = "", background: bool = True) -> Submission:
    """The walidata accepts the checked submission; its valid rows are compiled in the background
    worker, or at once when ``background`` is false."""
    with transaction.atomic():
        submission.checklist = confirm_checklist(submission, answers or {})
        submission.save(update_fields=["checklist"])
        if submission.rows_accepted == 0:
            raise ProcedureError(_("Submission {id} has no valid row to compile; return it to the producer instead."),
                                 id=submission.pk)
        move(submission, State.ACCEPTED, actor=actor, reason=reason)
        if background:
            tasks.enqueue_compilation(submission.pk)
    if not background:
        run_compilation(submission.pk)
    submission.refresh_from_db()
    return submission


def return_to_producer(submission: Submission, *, actor: Any, reason: str,
                       answers: dict[str, tuple[bool, str]] | None = None) -> Submission:
    """The walidata returns the submission with its rejected rows and a reason (Pasal 22 ayat 5)."""
    if not reason.strip():
        raise ProcedureError(_("Say why the submission is returned, so the producer knows what to correct."))
    with transaction.atomic():
        submission.checklist = confirm_checklist(submission, answers or {})
        submission.return_reason = reason.strip()
        submission.save(update_fields=["checklist", "return_reason"])
        move(submission, State.RETURNED, actor=actor, reason=reason.strip())
    submission.refresh_from_db()
    return submission


def rows_to_correct(submission: Submission) -> list[int]:
    """Row numbers the producer is asked to correct: the rows that have an error."""
    frame = services.error_frame(submission)
    return sorted(frame.get_column("row").unique().to_list())


def original_rows(submission: Submission, rows: list[int]) -> dict[int, dict[str, str | None]]:
    """The cells of returned rows as the producer sent them, by variable code."""
    path = submission.folder / "rejected.parquet"
    if not path.exists() or not rows:
        return {}
    frame = pl.read_parquet(path).filter(pl.col("__row").is_in(rows))
    variables = [c for c in frame.columns if not c.startswith("__")]
    return {row["__row"]: {v: row[v] for v in variables} for row in frame.iter_rows(named=True)}


@transaction.atomic
def save_corrections(submission: Submission, corrections: dict[int, dict[str, str | None]], *,
                     actor: Any = None) -> int:
    """Store corrected values for returned rows; only rows the walidata returned may be corrected."""
    if submission.state != State.RETURNED:
        raise ProcedureError(_("Only a returned submission can be corrected; submission {id} is {state}."),
                             id=submission.pk, state=State(submission.state).label)
    allowed = set(rows_to_correct(submission))
    unknown = sorted(set(corrections) - allowed)
    if unknown:
        raise ProcedureError(
            _("Rows {rows} were not returned for correction; correct only the rows listed in the error report."),
            rows=", ".join(map(str, unknown[:10])),
        )
    for row_number, values in corrections.items():
        RowCorrection.objects.update_or_create(
            submission=submission, row_number=row_number,
            defaults={"values": values, "round": submission.round, "created_by": actor if getattr(actor, "pk", None) else None},
        )
    return len(corrections)


def corrections_from_file(submission: Submission, source: IO[bytes], name: str, *, actor: Any = None) -> int:
    """Read a correction file: the XLSX error report with its rows corrected, or any file with a
    column giving the row number in the original file (the record number, for records)."""
    from satudata.submissions import reading

    folder = submission.folder / f"correction-{submission.round}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("correction" + ("".join(c for c in name[-5:] if c.isalnum() or c == ".") or ".csv"))
    with open(path, "wb") as handle:
        while chunk := source.read(1024 * 1024):
            handle.write(chunk)
    headers = {c["header"]: c["variable"] for c in submission.mapping.get("columns", []) if c.get("variable")}
    record_names = _record_column_names() if submission.from_records else set()
    number_names = {"baris di berkas anda", "row in your file", "baris", "row"} | record_names
    known = {reading.normalize_header(h) for h in headers} | number_names
    layout = reading.inspect_table(path, name, known, folder)
    row_column = next((i for i, h in enumerate(layout.headers) if reading.normalize_header(h) in number_names),
                      None)
    if row_column is None:
        raise ProcedureError(_("{file} has no column with the row number of the original file. Correct the rows in the "
                               "downloaded error report and upload that workbook."), file=name)
    by_record = reading.normalize_header(layout.headers[row_column]) in record_names
    columns = {row_column: "__original_row"}
    for index, header in enumerate(layout.headers):
        if header in headers:
            columns[index] = headers[header]
    corrections: dict[int, dict[str, str | None]] = {}
    for batch in reading.iter_batches(path, layout, columns, name):
        for row in batch.iter_rows(named=True):
            number = row.pop("__original_row")
            row.pop("__row", None)
            if number and str(number).strip().isdigit():
                number = int(str(number).strip())
                row_number = submission.row_of_record(number) if by_record else number
                corrections[row_number] = {k: v for k, v in row.items() if not k.startswith("__")}
    return save_corrections(submission, corrections, actor=actor)


def _record_column_names() -> set[str]:
    """Return the first column's header of a records submission's error report, in every language."""
    from satudata.submissions import reading

    names = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.add(reading.normalize_header(str(_("Record"))))
    return names


def resubmit(submission: Submission, *, actor: Any = None) -> Submission:
    """Send the corrected submission back; rows already valid are not asked for again."""
    if not submission.corrections.filter(round=submission.round).exists():
        raise ProcedureError(_("Correct at least one returned row before resubmitting."))
    with transaction.atomic():
        move(submission, State.RESUBMITTED, actor=actor)
        tasks.enqueue_validation(submission.pk)
    submission.refresh_from_db()
    return submission


def run_compilation(submission_id: int) -> Submission | None:
    """Compile an accepted submission. A crash leaves it accepted, so running this again resumes it."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or submission.state != State.ACCEPTED:
        return submission
    try:
        services.compile_submission(submission)
    except services.SubmissionStateError:
        # Another worker compiled it while this one waited for the submission's row lock.
        logger.info("Submission=%s was compiled by another worker", submission_id)
    submission.refresh_from_db()
    return submission


def resume_interrupted() -> list[int]:
    """Queue again the validations and compilations that a stopped worker left unfinished; return
    the ids of their submissions.

    A worker that stops, even by SIGKILL or a power cut, loses the job it had taken from the queue.
    A validation stopped midway leaves its submission validating. A compilation stopped midway
    rolls back and leaves it accepted. A job taken but not yet started leaves it submitted,
    resubmitted or accepted. The worker and 'satudata serve' call this when they start: each
    submission in one of these states whose job is not waiting in the queue gets a new job. A job
    that finds another worker still on its submission waits for it (the validation lock, the
    compilation's row lock) and then finds the work done, so nothing is validated or compiled twice.
    """
    # The queue is read before the submissions, so a job taken after this counts as queued. A job
    # queued after it at worst runs twice, and the second run does nothing.
    queued_validations, queued_compilations = tasks.queued_jobs()
    unvalidated = (State.SUBMITTED, State.RESUBMITTED, State.VALIDATING)
    validations = list(Submission.objects.filter(state__in=unvalidated).exclude(pk__in=queued_validations)
                       .order_by("id").values_list("id", flat=True))
    compilations = list(Submission.objects.filter(state=State.ACCEPTED).exclude(pk__in=queued_compilations)
                        .order_by("id").values_list("id", flat=True))
    for submission_id in validations:
        tasks.enqueue_validation(submission_id)
    for submission_id in compilations:
        tasks.enqueue_compilation(submission_id)
    if validations:
        logger.info("Queued %d interrupted validations again: %s", len(validations), validations)
    if compilations:
        logger.info("Queued %d interrupted compilations again: %s", len(compilations), compilations)
    return sorted(validations + compilations)


def overdue(today: dt.date | None = None, submissions=None):
    """Submissions waiting past the due date of their step, among ``submissions`` (default: all).

    Views pass the user's scoped submissions; the worker's notices look at all of them.
    """
    today = today or timezone.localdate()
    submissions = submissions if submissions is not None else Submission.objects.all()
    return submissions.filter(state__in=WAITING, due_on__lt=today).select_related("producer")


def producers_without_delivery(today: dt.date | None = None) -> list[tuple[Producer, dt.datetime | None]]:
    """Active producers with no accepted delivery in the last year (Pasal 20 ayat 2), with their last one."""
    today = today or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=365), dt.time()))
    delivered = Q(submissions__state__in=(State.ACCEPTED, State.COMPILED))
    producers = Producer.objects.filter(is_active=True).annotate(last=Max("submissions__accepted_at", filter=delivered))
    return [(p, p.last) for p in producers.order_by("code") if p.last is None or p.last < since]


def notify_overdue(today: dt.date | None = None) -> int:
    """E-mail the steps that became overdue since the last notice; return how many there were.

    The walidata gets one list of them, and a producer also hears of its own late corrections.
    Each late step is announced once: the start of the step announced is stored on the
    submission, and the next step is announced again when it is late too.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        late = list(overdue(today).select_for_update(of=("self",))
                    .exclude(overdue_notice_step=F("step_started_at")).order_by("due_on", "id"))
        Submission.objects.filter(pk__in=[s.pk for s in late]).update(overdue_notice_step=F("step_started_at"))
    if not late:
        logger.info("Overdue notice: no newly overdue steps")
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        lines = [_overdue_line(s, today) for s in late]
        subject = str(_("Overdue submissions: {count}")).format(count=len(late))
        if settings.SATUDATA_WALIDATA_EMAIL:
            send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [settings.SATUDATA_WALIDATA_EMAIL],
                      fail_silently=True)
        for submission, line in zip(late, lines, strict=True):
            recipients = [submission.producer.email] if submission.producer.email else []
            if submission.state == State.RETURNED and recipients:
                send_mail(str(_("Submission {id}: correction overdue")).format(id=submission.pk), line,
                          settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)
    logger.info("Overdue notice: %d newly overdue steps", len(late))
    return len(late)


def _overdue_line(submission: Submission, today: dt.date) -> str:
    return str(_("Submission {id} ({file}) of {producer}: {step} was due on {date}, {days} working days ago.")).format(
        id=submission.pk, file=submission.display_name, producer=submission.producer.code,
        step=step_label(submission.state), date=submission.due_on.isoformat(),
        days=days_overdue(submission, today))
