from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand
from satudata.standards.artifacts import FORMATS, render_artifact
from satudata.standards.loading import current_version
from satudata.standards.models import StandardVersion


class Command(SatudataCommand):
    help = "List data standard versions and export their artifacts."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="List the versions with their status and effective date.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")
        export = actions.add_parser("export", help="Write one artifact of a version to a file.")
        export.add_argument("version", help="Version label such as umkm-1, or 'current'.")
        export.add_argument("--format", required=True, choices=FORMATS, help="The artifact to write.")
        export.add_argument("-o", "--output", type=Path, required=True, help="File to write.")
        export.add_argument("--region", default="", help="Limit the template's village list to a region (32.73).")
        for sub in (listing, export):
            self.add_language(sub)

    def handle(self, *args, **options):
        if options["action"] == "list":
            current = current_version()
            versions = StandardVersion.objects.select_related("standard").order_by("standard__code", "number")
            rows = [{"label": v.label, "status": v.status, "effective_from": v.effective_from,
                     "forum_decision": v.forum_decision, "variables": v.variables.count(),
                     "indicators": v.indicators.count(), "in_force": v == current} for v in versions]
            if options["json"]:
                self.print_json(rows)
                return
            for r in rows:
                mark = "*" if r["in_force"] else " "
                self.stdout.write(f"{mark} {r['label']:<12} {r['status']:<10} {r['effective_from'] or '—'!s:<12} "
                                  f"{r['variables']:>4} {r['indicators']:>4}")
            return
        label = options["version"]
        version = current_version() if label == "current" else _find(label)
        content, _media, name = render_artifact(version, options["format"], region_prefix=options["region"],
                                                language=options.get("language") or "id")
        options["output"].write_bytes(content)
        self.stdout.write(_("Wrote {file} ({size} bytes).").format(file=options["output"], size=len(content)))


def _find(label: str) -> StandardVersion:
    code, _sep, number = label.rpartition("-")
    version = StandardVersion.objects.filter(standard__code=code, number=int(number) if number.isdigit() else -1).first()
    if version is None:
        raise CommandError(_("No standard version {label}; see 'satudata standard list'.").format(label=label))
    return version
