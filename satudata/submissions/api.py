"""System-to-system submission API (Pasal 29): a producer's own system pushes records in batches.

A producer system authenticates with its API token; a signed-in producer's browser session works
too. Every request that changes something may carry an ``Idempotency-Key`` header: a retried
request with the same key and body gets the first answer back and changes nothing again.
"""

import hashlib
import json
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from satudata.access.api_auth import producer_token, verified_session
from satudata.errors import DomainError, PermissionDenied
from satudata.access.scope import producer_submissions, scoped_submissions
from satudata.producers.models import IdempotencyRecord, Producer
from satudata.submissions import procedure, reports, services
from satudata.submissions.models import Submission

router = Router(auth=[producer_token, verified_session])
MAX_RECORDS_PER_PUSH = 10_000


class SubmissionIn(Schema):
    reference_year: int | None = None
    name: str = ""
    # The KBLI edition the records' codes are written in; empty means the current edition.
    kbli_edition: str = ""


class RecordsIn(Schema):
    records: list[dict[str, Any]]


class SubmissionOut(Schema):
    id: int
    producer: str
    state: str
    state_label: str
    channel: str
    standard: str
    kbli_edition: str
    round: int
    records: int
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    businesses_created: int
    businesses_updated: int
    held_for_review: int = 0
    due_on: date | None
    created_at: datetime
    progress: dict[str, Any]
    errors_by_field: dict[str, Any]
    # The producer's earlier submission with the same SHA-256, when this one repeats it.
    same_file_as: int | None = None


class CorrectionIn(Schema):
    # A record pushed through the API is named by its number, 1 for the first record. A row of an
    # uploaded file is named by its row number as the spreadsheet shows it.
    record: int | None = None
    row: int | None = None
    values: dict[str, Any]


class CorrectionsIn(Schema):
    corrections: list[CorrectionIn]


class CorrectionsOut(Schema):
    submission: int
    saved: int
    corrected: int
    to_correct: int


class PushOut(Schema):
    submission: int
    received: int
    total: int


class RowErrorOut(Schema):
    row: int
    record: int | None
    column: str
    field: str
    value: str | None
    code: str
    message: str


class ErrorPageOut(Schema):
    total: int
    offset: int
    items: list[RowErrorOut]


class TooManyRecords(DomainError):
    code = "records.too_many"
    http_status = 413


class IdempotencyKeyReused(DomainError):
    code = "idempotency.key_reused"
    http_status = 422


def _producer(request: HttpRequest) -> Producer:
    producer = getattr(request, "api_producer", None)
    if producer is not None:
        return producer
    user = request.auth
    if getattr(user, "is_producer_user", False):
        return user.producer
    raise PermissionDenied(_("Only a producer's token or a producer account can push records."))


def _submissions(request: HttpRequest):
    producer = getattr(request, "api_producer", None)
    if producer is not None:
        return producer_submissions(producer)
    return scoped_submissions(request.auth)


def _get(request: HttpRequest, submission_id: int) -> Submission:
    submission = _submissions(request).select_related("producer", "standard_version").filter(pk=submission_id).first()
    if submission is None:
        raise Http404
    return submission


def _out(submission: Submission) -> dict[str, Any]:
    return {
        "id": submission.pk, "producer": submission.producer.code, "state": submission.state,
        "state_label": str(Submission.State(submission.state).label), "channel": submission.channel,
        "standard": submission.standard_version.label, "round": submission.round,
        "kbli_edition": submission.kbli_edition or (submission.summary or {}).get("kbli_edition") or "",
        "records": submission.records.count(), "rows_read": submission.rows_read,
        "rows_accepted": submission.rows_accepted, "rows_rejected": submission.rows_rejected,
        "businesses_created": submission.businesses_created, "businesses_updated": submission.businesses_updated,
        "held_for_review": submission.summary.get("held_for_review", 0),
        "due_on": submission.due_on, "created_at": submission.created_at, "progress": submission.progress,
        "errors_by_field": submission.summary.get("errors_by_field") or {},
        "same_file_as": submission.summary.get("same_file_as"),
    }


def _idempotent(request: HttpRequest, producer: Producer, handler) -> Status:
    """Run ``handler`` once per Idempotency-Key; replay its stored answer for a retry."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        with transaction.atomic():
            return Status(*handler())
    body_hash = hashlib.sha256(request.method.encode() + request.path.encode() + request.body).hexdigest()
    stored = IdempotencyRecord.objects.filter(producer=producer, key=key).first()
    if stored is None:
        try:
            with transaction.atomic():
                status, body = handler()
                IdempotencyRecord.objects.create(producer=producer, key=key[:200], request_hash=body_hash,
                                                 status=status, body=json.loads(json.dumps(body, default=str)))
                return Status(status, body)
        except IntegrityError:
            # A concurrent request with the same key won the race; its answer is the answer.
            stored = IdempotencyRecord.objects.filter(producer=producer, key=key).first()
            if stored is None:
                raise
    if stored.request_hash != body_hash:
        raise IdempotencyKeyReused(
            _("Idempotency-Key {key} was already used for a different request. Send a new key for a new "
              "request, or resend exactly the first request to get its answer again."),
            field="Idempotency-Key", key=key[:200],
        )
    return Status(stored.status, stored.body)


@router.post("/", response={201: SubmissionOut, 200: SubmissionOut})
def create_submission(request: HttpRequest, payload: SubmissionIn):
    """Open a draft submission that records will be pushed into."""
    producer = _producer(request)

    def handler():
        user = request.auth if hasattr(request.auth, "role") else None
        submission = services.open_draft(
            producer=producer, user=user, channel=Submission.Channel.API,
            name=(payload.name or "api-records")[:200] + ".csv", reference_year=payload.reference_year,
            kbli_edition=payload.kbli_edition,
        )
        return 201, _out(submission)

    return _idempotent(request, producer, handler)


@router.post("/{submission_id}/records", response={200: PushOut})
def push_records(request: HttpRequest, submission_id: int, payload: RecordsIn):
    """Append a batch of records (variable code → value) to a draft submission."""
    producer = _producer(request)
    if len(payload.records) > MAX_RECORDS_PER_PUSH:
        raise TooManyRecords(_("Push at most {limit} records per request."), field="records",
                             limit=MAX_RECORDS_PER_PUSH)

    def handler():
        submission = producer_submissions(producer).select_for_update().filter(pk=submission_id).first()
        if submission is None:
            raise Http404
        # add_records rejects a submission that is no longer a draft (409).
        total = services.add_records(submission, payload.records, user=_actor(request))
        return 200, {"submission": submission.pk, "received": len(payload.records), "total": total}

    return _idempotent(request, producer, handler)


@router.post("/{submission_id}/submit", response={200: SubmissionOut})
def submit_submission(request: HttpRequest, submission_id: int):
    """Close the draft and hand it to the walidata; validation runs in the background."""
    producer = _producer(request)

    def handler():
        submission = producer_submissions(producer).filter(pk=submission_id).first()
        if submission is None:
            raise Http404
        services.records_to_file(submission)
        procedure.submit(submission, actor=request.auth if hasattr(request.auth, "role") else None)
        submission.refresh_from_db()
        return 200, _out(submission)

    return _idempotent(request, producer, handler)


def _actor(request: HttpRequest):
    """Return the signed-in account behind a session request, or None for a producer system's token."""
    return request.auth if hasattr(request.auth, "role") else None


@router.post("/{submission_id}/corrections", response={200: CorrectionsOut})
def correct_records(request: HttpRequest, submission_id: int, payload: CorrectionsIn):
    """Store corrected values for records or rows the walidata returned (Pasal 22 ayat 5).

    Each correction replaces the whole record, so send every variable, not only the faulty one.
    Only a returned submission can be corrected, and only its rejected records.
    """
    producer = _producer(request)

    def handler():
        submission = producer_submissions(producer).filter(pk=submission_id).first()
        if submission is None:
            raise Http404
        corrections: dict[int, dict[str, str | None]] = {}
        for item in payload.corrections:
            if (item.record is None) == (item.row is None):
                raise DomainError(_("Give each correction either a record number or a row number, not both."),
                                  code="correction.row_missing", field="record")
            row = item.row if item.row is not None else submission.row_of_record(item.record)
            corrections[row] = {str(k): (None if v is None else str(v)) for k, v in item.values.items()}
        saved = procedure.save_corrections(submission, corrections, actor=_actor(request))
        return 200, {"submission": submission.pk, "saved": saved,
                     "corrected": submission.corrections.filter(round=submission.round).count(),
                     "to_correct": len(procedure.rows_to_correct(submission))}

    return _idempotent(request, producer, handler)


@router.post("/{submission_id}/resubmit", response={200: SubmissionOut})
def resubmit_submission(request: HttpRequest, submission_id: int):
    """Send a returned submission back with its corrections; it is validated again in the background."""
    producer = _producer(request)

    def handler():
        submission = producer_submissions(producer).filter(pk=submission_id).first()
        if submission is None:
            raise Http404
        procedure.resubmit(submission, actor=_actor(request))
        submission.refresh_from_db()
        return 200, _out(submission)

    return _idempotent(request, producer, handler)


@router.get("/", response=list[SubmissionOut])
def list_submissions(request: HttpRequest, state: str | None = None, limit: int = 100, offset: int = 0):
    """The caller's submissions, newest first."""
    submissions = _submissions(request).select_related("producer", "standard_version").order_by("-created_at")
    if state:
        submissions = submissions.filter(state=state)
    return [_out(s) for s in submissions[offset:offset + min(limit, 500)]]


@router.get("/{submission_id}", response=SubmissionOut)
def get_submission(request: HttpRequest, submission_id: int):
    """The state, counts and progress of one submission."""
    return _out(_get(request, submission_id))


@router.get("/{submission_id}/errors", response=ErrorPageOut)
def get_errors(request: HttpRequest, submission_id: int, offset: int = 0, limit: int = 1000, language: str = "id"):
    """Row-level errors with their messages (language ``id`` or ``en``)."""
    submission = _get(request, submission_id)
    frame = services.error_frame(submission)
    with translation.override("en" if language == "en" else "id"):
        errors = reports.row_errors(submission, offset=offset, limit=min(limit, 10_000), frame=frame)
    return {
        "total": frame.height, "offset": offset,
        "items": [{"row": e.row, "record": e.record, "column": e.column,
                   "field": e.field, "value": e.value, "code": e.code, "message": e.message} for e in errors],
    }
