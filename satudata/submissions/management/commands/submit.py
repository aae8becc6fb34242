import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satudata.commands import SatudataCommand
from satudata.producers.models import Producer
from satudata.accounts.models import User
from satudata.submissions import procedure, services
from satudata.submissions.errors import MESSAGES, FileRejected
from satudata.submissions.mapping import read_mapping_file
from satudata.submissions.models import Submission
from satudata.submissions.reports import row_errors


class Command(SatudataCommand):
    help = (
        "Submit a producer's file (CSV, XLSX, or a SIDT-UMKM export) and validate every row; the submission "
        "then waits, checked, for the walidata's decision. With --accept a walidata operator also accepts it and "
        "compiles the valid rows into the registry. Exits non-zero only when the file cannot be read at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV or XLSX file to submit.")
        parser.add_argument("--producer", required=True, help="Code of the submitting producer (see 'producer list').")
        parser.add_argument("--mapping", type=Path,
                            help="Column mapping file: JSON {\"header\": \"variable\"} or CSV header,variable.")
        parser.add_argument("--reference-year", type=int,
                            help="Reference year for the transaction values when the file has no year column.")
        parser.add_argument("--kbli-edition",
                            help="KBLI edition the file's codes are written in (default: the current edition).")
        parser.add_argument("--accept", action="store_true",
                            help="Accept and compile at once, for trusted batch loads and migrations of SIDT exports.")
        parser.add_argument("--operator", help="User name of the walidata operator who accepts (with --accept).")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("File not found: {path}").format(path=path))
        producer = Producer.objects.filter(code=options["producer"]).first()
        if producer is None:
            raise CommandError(_("No producer has the code {code}; see 'satudata producer list'.").format(
                code=options["producer"]))
        operator = self._operator(options) if options["accept"] else None
        saved = read_mapping_file(options["mapping"]) if options["mapping"] else None
        progress = None if options["json"] else self._progress_line
        self._line_open = False
        try:
            with open(path, "rb") as source:
                submission = services.receive_file(
                    producer=producer, source=source, original_name=path.name,
                    channel=Submission.Channel.CLI, reference_year=options["reference_year"],
                    kbli_edition=options["kbli_edition"],
                )
            services.inspect(submission, saved=saved)
            procedure.submit(submission, background=False, on_progress=progress)
            self._end_progress_line()
            if submission.state == Submission.State.REJECTED:
                raise FileRejected(MESSAGES.get(submission.failure_code, submission.failure_code),
                                   code=submission.failure_code, **submission.failure_detail)
            if operator is not None and submission.rows_accepted:
                procedure.accept(submission, actor=operator, background=False,
                                 reason=_("Accepted from the command line by the operator."))
        except FileRejected as exc:
            if options["json"]:
                self.print_json({"file": str(path), "state": "rejected", "error": {"code": exc.code,
                                                                                   "message": exc.message}})
            raise CommandError(exc.message) from None
        submission.refresh_from_db()
        errors = row_errors(submission)
        if options["json"]:
            self.print_json(self._as_json(submission, errors))
        else:
            self._print(submission, errors)

    def _operator(self, options) -> User:
        """The walidata account on whose authority --accept accepts the submission."""
        username = options.get("operator") or ""
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None or not (user.is_walidata or user.is_superuser):
            raise CommandError(_("--accept needs --operator with the user name of an active walidata account."))
        return user

    def _progress_line(self, stage: str, done: int, total: int | None) -> None:
        if stage == "validated":
            # Notices printed after validation (console e-mail) start on a line of their own.
            self._end_progress_line()
            return
        if total:
            line = _("Validating: {done} of about {total} rows").format(done=f"{done:,}", total=f"{total:,}")
        else:
            line = _("Validating: {done} rows").format(done=f"{done:,}")
        self.stderr.write("\r" + line, ending="")
        self._line_open = True

    def _end_progress_line(self) -> None:
        if self._line_open:
            self.stderr.write("")
            self._line_open = False

    def _as_json(self, submission: Submission, errors) -> dict:
        return {
            "submission": submission.pk,
            "file": submission.original_name,
            "sha256": submission.sha256,
            "same_file_as": submission.summary.get("same_file_as"),
            "state": submission.state,
            "standard": submission.standard_version.label,
            "kbli_edition": submission.kbli_edition or submission.summary.get("kbli_edition"),
            "rows_read": submission.rows_read,
            "rows_accepted": submission.rows_accepted,
            "rows_rejected": submission.rows_rejected,
            "businesses_created": submission.businesses_created,
            "businesses_updated": submission.businesses_updated,
            "unchanged": submission.summary.get("unchanged", 0),
            "held_for_review": submission.summary.get("held_for_review", 0),
            "errors_by_field": submission.summary.get("errors_by_field", {}),
            "notes": submission.summary.get("notes", []),
            "header_row": submission.layout.get("header_row"),
            "mapping": [
                {"column": c["header"], "variable": c["variable"] or None, "how": c["source"]}
                for c in submission.mapping.get("columns", [])
            ],
            "unmapped_columns": submission.summary.get("unmapped", []),
            "missing_required": submission.summary.get("missing_required", []),
            "errors": [
                {"row": e.row, "column": e.column, "field": e.field, "value": e.value, "code": e.code,
                 "message": e.message}
                for e in errors
            ],
        }

    def _print(self, submission: Submission, errors) -> None:
        out = self.stdout.write
        out(_("Submission {id}: {file} (SHA-256 {sha})").format(
            id=submission.pk, file=submission.original_name, sha=submission.sha256[:16]))
        same = submission.summary.get("same_file_as")
        if same:
            out(_("This file is identical to submission {id} (same SHA-256). Rows already compiled are "
                  "recognised as the same businesses and not registered twice.").format(id=same))
        labels = {v.code: v.label for v in submission.standard_version.variables.all()}

        def variable(code: str) -> str:
            # The variable name from the standard, with the code that --json and --mapping use.
            return f"{labels[code]} ({code})" if code in labels else code

        out(_("Header found in row {row}. Column mapping:").format(row=submission.layout.get("header_row")))
        for column in submission.mapping.get("columns", []):
            target = variable(column["variable"]) if column["variable"] else "—"
            how = str(MAPPING_SOURCES.get(column["source"], column["source"]))
            out(f"  {column['header']!s:<40} → {target}  ({how})")
        unmapped = submission.summary.get("unmapped", [])
        if unmapped:
            out(_("Columns not stored because no variable matches them: {columns}").format(columns=", ".join(unmapped)))
        missing = submission.summary.get("missing_required", [])
        if missing:
            out(_("Required variables with no column: {variables}").format(
                variables=", ".join(variable(code) for code in missing)))
        for note in submission.summary.get("notes", []):
            out(str(NOTE_TEXT.get(note, note)))
        out("")
        out(_("Rows read: {read}   accepted: {accepted}   rejected: {rejected}").format(
            read=submission.rows_read, accepted=submission.rows_accepted, rejected=submission.rows_rejected))
        out(_("New businesses: {created}   updated businesses: {updated}   unchanged: {unchanged}").format(
            created=submission.businesses_created, updated=submission.businesses_updated,
            unchanged=submission.summary.get("unchanged", 0)))
        held = submission.summary.get("held_for_review", 0)
        if held:
            out(_("Rows waiting for clerical review: {held}. They are not in the registry until the walidata "
                  "decide them in the review queue.").format(held=held))
        by_field = submission.summary.get("errors_by_field", {})
        if by_field:
            out(_("Errors by field and code:"))
            for field_code, codes in sorted(by_field.items()):
                for code, count in sorted(codes.items()):
                    out(f"  {variable(field_code):<44} {code:<28} {count}")
            out("")
            out(_("Rejected rows:"))
            for error in errors:
                row = _("row {number}").format(number=error.row)
                value = json.dumps(error.value, ensure_ascii=False) if error.value is not None else _("(empty)")
                out(f"  {row} · {error.column} · {value} · {error.code} · {error.message}")


MAPPING_SOURCES = {
    "saved": gettext_lazy("your earlier choice"),
    "alias": gettext_lazy("known column name"),
    "similar": gettext_lazy("similar name: please check"),
    "numbering": gettext_lazy("row numbers: not stored"),
    "excluded": gettext_lazy("left out earlier"),
    "duplicate": gettext_lazy("another column already holds this variable"),
    "unknown": gettext_lazy("unknown: not stored"),
    "confirmed": gettext_lazy("confirmed"),
}
NOTE_TEXT = {
    "kbli_structure_only": gettext_lazy(
        "Note: the full KBLI list is not loaded, so KBLI codes were checked by their structure only."
    ),
    "regions_not_loaded": gettext_lazy("Note: no region list is loaded, so region codes were not checked."),
}
