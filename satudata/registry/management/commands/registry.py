import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.commands import SatudataCommand
from satudata.registry.codes import normalize_code
from satudata.registry.history import business_as_of
from satudata.registry.models import Business
from satudata.registry.presentation import _decrypt, _mask_name
from satudata.registry.queries import GROUPINGS, count_by
from satudata.security.masking import mask_nik, mask_phone

PERSONAL = ("owner_name", "owner_birth_date")


class Command(SatudataCommand):
    help = "Statistics of the registry."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        stats = actions.add_parser("stats", help="Count active businesses by a grouping.")
        stats.add_argument("--by", choices=sorted(GROUPINGS), default="province",
                           help="Grouping: province, regency, district, village, kbli (category), division or scale.")
        stats.add_argument("--json", action="store_true", help="Print JSON.")
        self.add_language(stats)
        show = actions.add_parser("show", help="Show one business's master data, now or as known on a date.")
        show.add_argument("code", help="UMKM code; a merged business's code shows its survivor.")
        show.add_argument("--as-of", type=dt.date.fromisoformat, help="Date (YYYY-MM-DD): as the registry knew it then.")
        show.add_argument("--json", action="store_true", help="Print JSON.")
        show.add_argument("--by-name", action="store_true",
                          help="Show personal data in clear; the access is written to the audit log.")
        self.add_language(show)

    def handle(self, *args, **options):
        if options["action"] == "show":
            self._show(options)
            return
        rows = count_by(Business.objects.all(), options["by"])
        total = sum(r.count for r in rows)
        if options["json"]:
            self.print_json({"by": options["by"], "total": total,
                             "rows": [{"key": r.key, "label": r.label, "count": r.count} for r in rows]})
            return
        for row in rows:
            self.stdout.write(f"{row.key:<14} {row.label[:50]:<50} {row.count:>10}")
        self.stdout.write(f"{_('Total'):<65} {total:>10}")

    def _show(self, options) -> None:
        from satudata.linkage.services import resolve_code

        code = normalize_code(options["code"])
        business = resolve_code(code)
        if business is None:
            raise CommandError(_("No business has the UMKM code {code}.").format(code=code))
        when = options["as_of"] or timezone.localdate()
        state = business_as_of(business, when)
        if state is None:
            raise CommandError(_("Business {code} was not yet registered on {date}.").format(
                code=business.umkm_code, date=when.isoformat()))
        values = dict(state.values)
        nik = _decrypt("owner_nik", state.sealed.get("owner_nik"))
        phone = _decrypt("owner_phone", state.sealed.get("owner_phone"))
        if options["by_name"]:
            record(Action.REGISTRY_VIEWED, actor_label="cli", object_type="business", object_id=business.umkm_code,
                   data={"by_name": True, "as_of": when.isoformat(), "channel": "cli"})
            values.update(owner_nik=nik, owner_phone=phone)
        else:
            values.update(owner_nik=mask_nik(nik), owner_phone=mask_phone(phone),
                          owner_name=_mask_name(values.get("owner_name") or ""),
                          owner_birth_date=(values.get("owner_birth_date") or "")[:4])
        result = {
            "umkm_code": business.umkm_code, "requested_code": code, "status": business.status,
            "as_of": when.isoformat(), "version": state.version, "valid_from": state.valid_from.isoformat(),
            "recorded_at": state.recorded_at.isoformat(), "masked": not options["by_name"], "values": values,
        }
        if options["json"]:
            self.print_json(result)
            return
        if code != business.umkm_code:
            self.stdout.write(_("{code} was merged into {survivor}.").format(code=code, survivor=business.umkm_code))
        self.stdout.write(_("{code}, version {version} as known on {date}").format(
            code=business.umkm_code, version=state.version, date=when.isoformat()))
        for key, value in values.items():
            self.stdout.write(f"  {key:<24} {'' if value is None else value}")
