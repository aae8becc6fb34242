from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand
from satudata.producers.models import Producer
from satudata.producers.services import create_producer


class Command(SatudataCommand):
    help = "List or register data producers."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="List producers with their codes and scopes.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")
        create = actions.add_parser("create", help="Register a producer.")
        create.add_argument("code", help="Short code, such as dinas-kumkm-bandung.")
        create.add_argument("--name", required=True, help="Full name of the office.")
        create.add_argument("--kind", choices=Producer.Kind.values, required=True,
                            help="central (scoped by KBLI sector) or regional (scoped by region).")
        create.add_argument("--region", default="", help="Dotted Kemendagri code for a regional producer (32.73).")
        create.add_argument("--kbli", default="", help="Comma-separated KBLI categories or divisions (C,10,47).")
        for sub in (listing, create):
            self.add_language(sub)

    def handle(self, *args, **options):
        if options["action"] == "create":
            producer = create_producer(
                code=options["code"], name=options["name"], kind=options["kind"], region_code=options["region"],
                kbli_sectors=[k.strip() for k in options["kbli"].split(",") if k.strip()],
            )
            self.stdout.write(_("Producer {code} registered.").format(code=producer.code))
            return
        producers = list(Producer.objects.order_by("code"))
        if options["json"]:
            self.print_json([
                {"code": p.code, "name": p.name, "kind": p.kind, "region_code": p.region_code or None,
                 "kbli_sectors": p.kbli_sectors, "active": p.is_active}
                for p in producers
            ])
            return
        for p in producers:
            scope = p.region_code or (",".join(p.kbli_sectors) if p.kbli_sectors else _("national"))
            self.stdout.write(f"{p.code:<28} {p.get_kind_display():<18} {scope:<12} {p.name}")
