from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.commands import SatudataCommand
from satudata.reference.loaders import import_bps_bridge, import_code_list_csv
from satudata.reference.models import Edition


class Command(SatudataCommand):
    help = "List and import code lists (regions, KBLI, the BPS–Kemendagri bridge)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="List the loaded code-list editions.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")
        imp = actions.add_parser("import", help="Import a code,level,title,parent CSV as a new edition.")
        imp.add_argument("kind", help="Code list kind: kbli or region.")
        imp.add_argument("file", type=Path, help="The CSV file.")
        imp.add_argument("--edition", required=True, help="Edition name, such as 2020.")
        imp.add_argument("--source", default="", help="Decree or publication the list comes from.")
        imp.add_argument("--keep-current", action="store_true",
                         help="Store the edition beside the current one without replacing it (an older edition).")
        bridge = actions.add_parser("import-bridge", help="Import the BPS ↔ Kemendagri bridge folder.")
        bridge.add_argument("folder", type=Path, help="Folder with provinsi.csv, kabkota.csv and kecamatan.csv.")
        bridge.add_argument("--edition", default="2020", help="Year of the codes (default 2020).")
        for sub in (listing, imp, bridge):
            self.add_language(sub)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "list":
            editions = Edition.objects.select_related("code_list").order_by("code_list__kind", "name")
            rows = [
                {"kind": e.code_list.kind, "edition": e.name, "current": e.is_current, "complete": e.is_complete,
                 "entries": e.entry_count, "source": e.source}
                for e in editions
            ]
            if options["json"]:
                self.print_json(rows)
                return
            for r in rows:
                flag = "*" if r["current"] else " "
                self.stdout.write(f"{flag} {r['kind']:<16} {r['edition']:<16} {r['entries']:>8}  {r['source'][:60]}")
            return
        if action == "import":
            if not options["file"].is_file():
                raise CommandError(_("File not found: {path}").format(path=options["file"]))
            edition = import_code_list_csv(options["kind"], options["file"], options["edition"],
                                           source=options["source"], make_current=not options["keep_current"])
            record(Action.CODELIST_IMPORTED, object_type="edition", object_id=edition.pk,
                   data={"kind": options["kind"], "edition": edition.name, "entries": edition.entry_count})
            self.stdout.write(_("Imported {kind} edition {edition}: {count} codes.").format(
                kind=options["kind"], edition=edition.name, count=edition.entry_count))
            return
        crosswalk = import_bps_bridge(options["folder"], options["edition"])
        record(Action.CODELIST_IMPORTED, object_type="crosswalk", object_id=crosswalk.pk,
               data={"kind": "bps_region", "pairs": crosswalk.pairs.count()})
        self.stdout.write(_("Imported the BPS–Kemendagri bridge: {count} code pairs.").format(
            count=crosswalk.pairs.count()))
