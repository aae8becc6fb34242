from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.commands import SatudataCommand
from satudata.publishedstats.comparison import compare_dataset
from satudata.publishedstats.loading import load_published_csv
from satudata.publishedstats.models import PublishedDataset
from satudata.registry.models import Business


class Command(SatudataCommand):
    help = "Load published aggregate statistics (Open Data exports) and compare them with the registry."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="Load one or more published CSV files.")
        load.add_argument("files", nargs="+", type=Path, help="Open Data CSV exports.")
        load.add_argument("--publisher", default="", help="Who published the files.")
        load.add_argument("--json", action="store_true", help="Print JSON.")
        compare = actions.add_parser("compare", help="Published figures next to registry counts.")
        compare.add_argument("dataset", help="Dataset identifier (see 'stats load' output).")
        compare.add_argument("--json", action="store_true", help="Print JSON.")
        for sub in (load, compare):
            self.add_language(sub)

    def handle(self, *args, **options):
        if options["action"] == "load":
            reports = []
            for path in options["files"]:
                if not path.is_file():
                    raise CommandError(_("File not found: {path}").format(path=path))
                report = load_published_csv(path, publisher=options["publisher"])
                record(Action.STATISTICS_LOADED, object_type="published_dataset", object_id=report.dataset.slug,
                       data={"rows": report.rows, "unmapped": report.unmapped_codes})
                reports.append(report)
            if options["json"]:
                self.print_json([
                    {"dataset": r.dataset.slug, "rows": r.rows, "regencies": r.regencies, "years": r.years,
                     "mapped_rows": r.mapped, "unmapped_bps_codes": r.unmapped_codes,
                     "measure": r.dataset.measure, "breakdown": r.dataset.dimension}
                    for r in reports
                ])
                return
            for r in reports:
                self.stdout.write(_(
                    "{dataset}: {rows} rows, {regencies} regencies, years {first}–{last}, {mapped} rows mapped to "
                    "Kemendagri codes, unmapped BPS codes: {unmapped}"
                ).format(dataset=r.dataset.slug, rows=r.rows, regencies=r.regencies, first=r.years[0],
                         last=r.years[-1], mapped=r.mapped, unmapped=", ".join(r.unmapped_codes) or "—"))
            return
        dataset = PublishedDataset.objects.filter(slug=options["dataset"]).first()
        if dataset is None:
            raise CommandError(_("No published dataset {slug}.").format(slug=options["dataset"]))
        # The command line runs as an operator with the whole registry in view.
        rows = compare_dataset(dataset, Business.objects.all())
        if options["json"]:
            self.print_json([r.__dict__ for r in rows])
            return
        for r in rows:
            self.stdout.write(f"{r.bps_code:<6} {r.region_code or '—':<8} {r.region_name[:30]:<30} {r.year} "
                              f"{r.published:>12,.0f} {r.registry:>10,}")

