from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand
from satudata.producers.models import Producer
from satudata.submissions import procedure
from satudata.submissions.deadlines import days_overdue, due_date, step_label
from satudata.submissions.models import Submission, SubmissionEvent


class Command(SatudataCommand):
    help = "Show one submission with its history, or list submissions by producer, state or lateness."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        show = actions.add_parser("show", help="State, file, counts, deadline and every step of one submission.")
        show.add_argument("id", type=int, help="Number of the submission.")
        show.add_argument("--json", action="store_true", help="Print JSON.")
        listing = actions.add_parser("list", help="List submissions, newest first.")
        listing.add_argument("--producer", help="Only the submissions of this producer code.")
        listing.add_argument("--state", choices=Submission.State.values, help="Only submissions in this state.")
        listing.add_argument("--overdue", action="store_true",
                             help="Only submissions whose current step is past its due date.")
        listing.add_argument("--limit", type=int, default=200, help="Maximum number of submissions to list (default: 200).")
        listing.add_argument("--json", action="store_true", help="Print JSON.")
        for sub in (show, listing):
            self.add_language(sub)

    def handle(self, *args, **options):
        if options["action"] == "show":
            self._show(options)
        else:
            self._list(options)

    def _show(self, options) -> None:
        submission = Submission.objects.select_related("producer", "standard_version").filter(pk=options["id"]).first()
        if submission is None:
            raise CommandError(_("No submission has the number {id}; see 'satudata submission list'.").format(
                id=options["id"]))
        today = timezone.localdate()
        events = list(submission.events.all())

        if options["json"]:
            self.print_json({**_summary(submission, today), **_details(submission), "events": [
                _event_json(e) for e in events]})
            return

        out = self.stdout.write
        out(_("Submission {id}: {file}").format(id=submission.pk, file=submission.display_name))
        out(_("Producer: {code} ({name})").format(code=submission.producer.code, name=submission.producer.name))
        out(_("State: {state}, round {round}").format(state=submission.get_state_display(), round=submission.round))
        if submission.due_on:
            late = days_overdue(submission, today)
            line = _("Next step: {step}, due on {date}.").format(step=step_label(submission.state),
                                                                 date=submission.due_on.isoformat())
            if late:
                line += " " + _("Overdue by {days} working days.").format(days=late)
            out(line)

        out(_("File: {file}, {size} bytes, SHA-256 {sha}").format(
            file=submission.original_name, size=submission.size_bytes, sha=submission.sha256 or "—"))
        same = submission.summary.get("same_file_as")
        if same:
            out(_("The same file (same SHA-256) was already submitted as submission {id}.").format(id=same))
        out(_("Rows read: {read}   accepted: {accepted}   rejected: {rejected}").format(
            read=submission.rows_read, accepted=submission.rows_accepted, rejected=submission.rows_rejected))
        out(_("New businesses: {created}   updated businesses: {updated}   unchanged: {unchanged}").format(
            created=submission.businesses_created, updated=submission.businesses_updated,
            unchanged=submission.summary.get("unchanged", 0)))
        if submission.state == Submission.State.ACCEPTED and submission.progress.get("stage") == "compiling":
            out(_("Compilation started at {at} and has not finished. If no worker is compiling it now, the "
                  "compilation was interrupted and left the registry unchanged, and 'satudata worker' compiles "
                  "it again when it starts.").format(
                at=submission.progress.get("at", "?")[:19]))
        if submission.state == Submission.State.VALIDATING and submission.step_started_at:
            out(_("Validation started at {at} and has not finished. If no worker is validating it now, the "
                  "validation was interrupted, and 'satudata worker' validates it again from the file when "
                  "it starts.").format(at=timezone.localtime(submission.step_started_at).isoformat()[:19]))
        if submission.return_reason:
            out(_("Reason for returning: {reason}").format(reason=submission.return_reason))

        out("")
        out(_("History:"))
        for event in events:
            due = due_date(event.to_state, timezone.localtime(event.at).date())
            before = _state_label(event.from_state) if event.from_state else "—"
            line = f"  {_when(event.at)}  {before} → {event.to_state_label} · {event.actor_display}"
            if due:
                line += "  " + _("due {date}").format(date=due.isoformat())
            out(line)
            if event.reason:
                out("      " + _("Reason: {reason}").format(reason=event.reason))

    def _list(self, options) -> None:
        today = timezone.localdate()
        submissions = (procedure.overdue(today) if options["overdue"] else Submission.objects.all())
        submissions = submissions.select_related("producer").order_by("-created_at")
        if options["producer"]:
            producer = Producer.objects.filter(code=options["producer"]).first()
            if producer is None:
                raise CommandError(_("No producer has the code {code}; see 'satudata producer list'.").format(
                    code=options["producer"]))
            submissions = submissions.filter(producer=producer)
        if options["state"]:
            submissions = submissions.filter(state=options["state"])
        submissions = list(submissions[:max(options["limit"], 1)])
        if options["json"]:
            self.print_json([_summary(s, today) for s in submissions])
            return
        if not submissions:
            self.stdout.write(_("No submission matches."))
            return
        width = max(len(str(label)) for label in Submission.State.labels)
        for s in submissions:
            late = days_overdue(s, today)
            due = s.due_on.isoformat() if s.due_on else "—"
            flag = _("overdue {days} d").format(days=late) if late else ""
            self.stdout.write(f"{s.pk:>6}  {_when(s.created_at):<16}  {s.producer.code:<24} "
                              f"{s.get_state_display():<{width}} {s.rows_accepted:>8}/{s.rows_read:<8} "
                              f"{due:<10} {flag:<14} {s.display_name}")


def _state_label(state: str) -> str:
    return Submission.State(state).label if state in Submission.State.values else state


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _summary(submission: Submission, today) -> dict:
    return {
        "id": submission.pk, "producer": submission.producer.code, "state": submission.state,
        "round": submission.round, "channel": submission.channel, "file": submission.original_name,
        "sha256": submission.sha256, "created_at": submission.created_at, "due_on": submission.due_on,
        "days_overdue": days_overdue(submission, today), "rows_read": submission.rows_read,
        "rows_accepted": submission.rows_accepted, "rows_rejected": submission.rows_rejected,
    }


def _details(submission: Submission) -> dict:
    return {
        "producer_name": submission.producer.name, "standard": submission.standard_version.label,
        "size_bytes": submission.size_bytes, "step": step_label(submission.state) or None,
        "same_file_as": submission.summary.get("same_file_as"),
        "businesses_created": submission.businesses_created, "businesses_updated": submission.businesses_updated,
        "errors_by_field": submission.summary.get("errors_by_field") or {},
        "return_reason": submission.return_reason or None, "submitted_at": submission.submitted_at,
        "validated_at": submission.validated_at, "accepted_at": submission.accepted_at,
        "compiled_at": submission.compiled_at, "progress": submission.progress,
    }


def _event_json(event: SubmissionEvent) -> dict:
    return {
        "at": event.at, "from": event.from_state or None, "to": event.to_state, "by": event.actor_label,
        "reason": event.reason or None, "due_on": due_date(event.to_state, timezone.localtime(event.at).date()),
        "data": event.data,
    }
