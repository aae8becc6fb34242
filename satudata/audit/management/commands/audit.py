import sys

from django.utils.translation import gettext as _

from satudata.audit.models import Action
from satudata.audit.services import record, sign_checkpoint
from satudata.audit.signing import rotate_signing_key
from satudata.audit.verification import verify_chain
from satudata.commands import SatudataCommand


class Command(SatudataCommand):
    help = "Check the hash chain of the audit log, or sign its head."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser(
            "verify", help="Recompute every entry's hash and check the signed checkpoints. "
                           "Exits 0 when the log is intact and 1 otherwise, naming the first bad entry.")
        verify.add_argument("--json", action="store_true", help="Print the report as JSON.")
        actions.add_parser("sign", help="Sign a checkpoint over the current chain head now.")
        actions.add_parser(
            "rotate-key",
            help="Replace the signing key. Its public key stays, so old checkpoints still verify.",
        )
        for sub in actions.choices.values():
            self.add_language(sub)

    def handle(self, *args, **options):
        if options["action"] == "sign":
            checkpoint = sign_checkpoint()
            if checkpoint is None:
                self.stdout.write(_("The audit log is empty; there is nothing to sign."))
                return
            self.stdout.write(_("Checkpoint signed at entry {entry} with key {key}.").format(
                entry=checkpoint.entry_id, key=checkpoint.key_id))
            return
        if options["action"] == "rotate-key":
            key = rotate_signing_key()
            sign_checkpoint()
            self.stdout.write(_("New audit signing key {key}.").format(key=key.key_id))
            return

        report = verify_chain()
        record(Action.AUDIT_VERIFIED, data={"ok": report.ok, "entries": report.entries,
                                            "first_bad_entry": report.first_bad_entry})
        if options["json"]:
            self.print_json(report.to_json())
        else:
            self._print_report(report)
        if not report.ok:
            sys.exit(1)

    def _print_report(self, report) -> None:
        out = self.stdout.write
        out(_("Entries checked: {entries}; checkpoints: {verified} of {checkpoints} with a valid signature; "
              "{seconds:.1f} s.").format(entries=report.entries, verified=report.checkpoints_verified,
                                         checkpoints=report.checkpoints, seconds=report.seconds))
        if report.ok:
            out(_("The audit log is intact."))
            return
        out(_("The audit log was altered: {count} problems; the first bad entry is {entry}.").format(
            count=report.problem_count, entry=report.first_bad_entry))
        for problem in report.problems:
            out(f"  [{problem.kind}] {problem.message}")
