from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand
from satudata.registry.models import Business
from satudata.registry.queries import GROUPINGS, count_by


class Command(SatudataCommand):
    help = "Statistics of the registry."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        stats = actions.add_parser("stats", help="Count active businesses by a grouping.")
        stats.add_argument("--by", choices=sorted(GROUPINGS), default="province",
                           help="Grouping: province, regency, district, village, kbli (category), division or scale.")
        stats.add_argument("--json", action="store_true", help="Print JSON.")
        self.add_language(stats)

    def handle(self, *args, **options):
        rows = count_by(Business.objects.all(), options["by"])
        total = sum(r.count for r in rows)
        if options["json"]:
            self.print_json({"by": options["by"], "total": total,
                             "rows": [{"key": r.key, "label": r.label, "count": r.count} for r in rows]})
            return
        for row in rows:
            self.stdout.write(f"{row.key:<14} {row.label[:50]:<50} {row.count:>10}")
        self.stdout.write(f"{_('Total'):<65} {total:>10}")
