"""The procedure a submission goes through, and who may move it from one state to the next.

Every transition is recorded as a ``SubmissionEvent`` and in the audit log, gets the deadline of
its step, and notifies the party whose turn it is. Long work (validation, compilation) runs in
the background worker; see ``submissions.tasks``.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Role
from satudata.audit.services import record
from satudata.errors import DomainError
from satudata.submissions.deadlines import due_date, step_label
from satudata.submissions.models import SYSTEM_ACTOR, Submission, SubmissionEvent

logger = logging.getLogger(__name__)
State = Submission.State

PRODUCER_ROLES = {Role.PRODUCER, Role.ENUMERATOR}
WALIDATA_ROLES = {Role.WALIDATA_ADMIN, Role.WALIDATA_ANALYST}
SYSTEM = SYSTEM_ACTOR

# (from, to) → who may make the move: roles, and SYSTEM for moves made without a signed-in user.
TRANSITIONS: dict[tuple[str, str], set] = {
    (State.DRAFT, State.SUBMITTED): PRODUCER_ROLES | WALIDATA_ROLES | {SYSTEM},
    (State.SUBMITTED, State.VALIDATING): {SYSTEM},
    (State.RESUBMITTED, State.VALIDATING): {SYSTEM},
    (State.VALIDATING, State.CHECKED): {SYSTEM},
    (State.CHECKED, State.RETURNED): WALIDATA_ROLES,
    (State.CHECKED, State.ACCEPTED): WALIDATA_ROLES,
    (State.RETURNED, State.RESUBMITTED): {Role.PRODUCER, SYSTEM} | WALIDATA_ROLES,
    (State.ACCEPTED, State.COMPILED): {SYSTEM},
    (State.DRAFT, State.REJECTED): {SYSTEM},
    (State.SUBMITTED, State.REJECTED): {SYSTEM},
    (State.VALIDATING, State.REJECTED): {SYSTEM},
    (State.RESUBMITTED, State.REJECTED): {SYSTEM},
}


class TransitionNotAllowed(DomainError):
    code = "submission.transition_not_allowed"
    http_status = 409


@dataclass
class ChecklistItem:
    code: str
    passed: bool
    detail: str


def _allowed(actor: Any, allowed: set) -> bool:
    if actor is None:
        return SYSTEM in allowed
    return actor.is_superuser or actor.role in allowed


@transaction.atomic
def move(submission: Submission, to_state: str, *, actor: Any = None, reason: str = "",
         data: dict | None = None) -> Submission:
    """Move a submission to ``to_state`` if the procedure allows it for this actor (None = the system)."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    from_state = locked.state
    allowed = TRANSITIONS.get((from_state, to_state))
    if allowed is None or not _allowed(actor, allowed):
        raise TransitionNotAllowed(
            _("Submission {id} cannot go from {current} to {target} by this account."),
            id=submission.pk, current=State(from_state).label, target=State(to_state).label,
        )
    now = timezone.now()
    locked.state = to_state
    locked.step_started_at = now
    locked.due_on = due_date(to_state, timezone.localdate(now))
    fields = ["state", "step_started_at", "due_on"]
    if to_state in (State.SUBMITTED, State.RESUBMITTED):
        locked.submitted_at = now
        fields.append("submitted_at")
    if to_state == State.ACCEPTED:
        locked.accepted_at = now
        fields.append("accepted_at")
    if to_state == State.RESUBMITTED:
        locked.round += 1
        fields.append("round")
    locked.save(update_fields=fields)
    label = actor.get_username() if actor is not None else SYSTEM
    SubmissionEvent.objects.create(submission=locked, from_state=from_state, to_state=to_state, actor=actor,
                                   actor_label=label, reason=reason, data=data or {})
    record(f"submission.{to_state}", actor=actor, actor_label=label, object_type="submission", object_id=locked.pk,
           reason=reason, data={"from": from_state, "round": locked.round, **(data or {})})
    transaction.on_commit(lambda: notify(locked.pk))
    submission.refresh_from_db()
    logger.info("Submission=%s moved %s→%s by=%s", locked.pk, from_state, to_state, label)
    return submission


def build_checklist(submission: Submission) -> list[dict]:
    """The walidata's conformity checklist (Pasal 22 ayat 4), pre-filled from the validation result."""
    by_field = submission.summary.get("errors_by_field") or {}

    def none_of(*prefixes: str) -> tuple[bool, int]:
        count = sum(n for codes in by_field.values() for code, n in codes.items() if code.startswith(prefixes))
        return count == 0, count

    items = [
        ("standard_version", True, submission.standard_version.label),
        ("required_columns", not submission.summary.get("missing_required"),
         ", ".join(submission.summary.get("missing_required") or [])),
    ]
    for key, prefixes in (
        ("reference_codes", ("region.", "kbli.", "code.")),
        ("identifiers", ("nik.", "nib.", "excel_")),
        ("values_in_domain", ("number.", "date.", "year.", "month.", "boolean.", "phone.", "email.", "rt_rw.",
                              "coordinate.", "too_long")),
        ("business_scale", ("scale.",)),
        ("no_duplicates", ("duplicate_in_file",)),
        ("required_values", ("required",)),
    ):
        passed, count = none_of(*prefixes)
        items.append((key, passed, str(count)))
    items.append(("rows_accepted", submission.rows_accepted > 0,
                  f"{submission.rows_accepted}/{submission.rows_read}"))
    return [{"code": code, "passed": passed, "detail": detail, "confirmed": None, "override_reason": ""}
            for code, passed, detail in items]


CHECKLIST_LABELS = {
    "standard_version": _("The data follow the data standard in force"),
    "required_columns": _("Every required variable has a column"),
    "reference_codes": _("Region and KBLI codes are in the reference code lists"),
    "identifiers": _("NIK and NIB are well formed"),
    "values_in_domain": _("Values are within their domains (numbers, dates, contacts)"),
    "business_scale": _("The declared business scale agrees with PP 7/2021"),
    "no_duplicates": _("No business appears twice in the file"),
    "required_values": _("Required values are filled in"),
    "rows_accepted": _("At least one row passed validation"),
}


def confirm_checklist(submission: Submission, answers: dict[str, tuple[bool, str]]) -> list[dict]:
    """Record the walidata's answer for each item; overriding the pre-filled result needs a reason."""
    items = [dict(item) for item in submission.checklist]
    for item in items:
        if item["code"] not in answers:
            continue
        confirmed, reason = answers[item["code"]]
        if confirmed != item["passed"] and not reason.strip():
            raise DomainError(_("Give a reason for overriding the checklist item {item}."),
                              code="submission.override_needs_reason",
                              item=str(CHECKLIST_LABELS.get(item["code"], item["code"])))
        item["confirmed"] = confirmed
        item["override_reason"] = reason.strip() if confirmed != item["passed"] else ""
    return items


def notify(submission_id: int) -> None:
    """E-mail the party whose turn it is: the walidata for checking, the producer otherwise."""
    submission = Submission.objects.select_related("producer").filter(pk=submission_id).first()
    if submission is None:
        return
    if submission.state == State.CHECKED:
        recipients = [address for address in [settings.SATUDATA_WALIDATA_EMAIL] if address]
    elif submission.state in (State.RETURNED, State.COMPILED, State.REJECTED):
        recipients = [address for address in [submission.producer.email] if address]
        recipients += [u.email for u in submission.producer.users.filter(is_active=True) if u.email]
    else:
        return
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(_("Submission {id}: {state}")).format(id=submission.pk, state=State(submission.state).label)
        lines = [
            str(_("Submission {id} ({file}) of {producer} is now: {state}.")).format(
                id=submission.pk, file=submission.display_name, producer=submission.producer.name,
                state=State(submission.state).label),
        ]
        if submission.due_on:
            lines.append(str(_("Next step: {step}, due on {date}.")).format(
                step=step_label(submission.state), date=submission.due_on.isoformat()))
        if submission.return_reason and submission.state == State.RETURNED:
            lines.append(str(_("Reason: {reason}")).format(reason=submission.return_reason))
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)
