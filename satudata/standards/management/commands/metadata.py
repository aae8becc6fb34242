import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand
from satudata.standards.metadata_json import export_all, import_document


class Command(SatudataCommand):
    help = "Export or import activity, variable and indicator metadata as JSON (Satu Data Indonesia fields)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Write every standard version's metadata to a JSON file.")
        export.add_argument("path", type=Path, help="File to write.")
        imp = actions.add_parser("import", help="Import versions from a JSON file, each as a new draft.")
        imp.add_argument("path", type=Path, help="File to read.")
        for sub in (export, imp):
            self.add_language(sub)

    def handle(self, *args, **options):
        path: Path = options["path"]
        if options["action"] == "export":
            path.write_text(json.dumps(export_all(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
            self.stdout.write(_("Wrote {file}.").format(file=path))
            return
        if not path.is_file():
            raise CommandError(_("File not found: {path}").format(path=path))
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CommandError(_("{file} is not valid JSON: {reason}").format(file=path.name, reason=exc)) from None
        versions = import_document(document)
        self.stdout.write(_("Imported as drafts: {labels}").format(labels=", ".join(v.label for v in versions)))
