import getpass

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand
from satudata.producers.models import ApiToken, Producer
from satudata.producers.tokens import create_token, revoke_token


def operator_label() -> str:
    """Return the audit label of a command-line action: the operating-system account that ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


class Command(SatudataCommand):
    help = "Create, list and revoke the API tokens that producers' own systems push records with."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print it once; only its hash is stored.")
        create.add_argument("--producer", required=True, help="Code of the producer the token acts for.")
        create.add_argument("--name", default="", help="What the token is for, such as the name of the system.")
        create.add_argument("--expires", type=int, metavar="DAYS",
                            help="Days until the token stops working (default: until revoked).")
        create.add_argument("--json", action="store_true", help="Print JSON.")
        listing = actions.add_parser("list", help="List tokens with their state; secrets are never shown.")
        listing.add_argument("--producer", help="Only the tokens of this producer.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")
        revoke = actions.add_parser("revoke", help="Revoke a token; requests with it get 401 from then on.")
        revoke.add_argument("id", type=int, help="Number of the token, as 'token list' shows it.")
        for sub in (create, listing, revoke):
            self.add_language(sub)

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"])(options)

    def _producer(self, code: str) -> Producer:
        producer = Producer.objects.filter(code=code).first()
        if producer is None:
            raise CommandError(_("No producer has the code {code}; see 'satudata producer list'.").format(code=code))
        return producer

    def _create(self, options) -> None:
        producer = self._producer(options["producer"])
        token, secret = create_token(producer, name=options["name"], expires_in_days=options["expires"],
                                     actor_label=operator_label())
        if options["json"]:
            self.print_json({**_as_json(token, timezone.now()), "token": secret})
            return
        self.stdout.write(_("Token {id} created for {producer}.").format(id=token.pk, producer=producer.code))
        self.stdout.write(secret)
        if token.expires_at:
            self.stdout.write(_("It expires on {date}.").format(date=_when(token.expires_at)))
        self.stdout.write(_("Copy it now: only its hash is stored, so it cannot be shown again."))

    def _list(self, options) -> None:
        tokens = ApiToken.objects.select_related("producer").order_by("producer__code", "-created_at")
        if options["producer"]:
            tokens = tokens.filter(producer=self._producer(options["producer"]))
        now = timezone.now()
        if options["json"]:
            self.print_json([_as_json(t, now) for t in tokens])
            return
        for t in tokens:
            self.stdout.write(f"{t.pk:>5}  {t.producer.code:<28} {t.prefix:<10} {str(_state_label(t, now)):<10} "
                              f"{_when(t.created_at):<17} {_when(t.expires_at) or '—':<17} {t.name}")

    def _revoke(self, options) -> None:
        token = ApiToken.objects.filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(_("No token has the number {id}; see 'satudata token list'.").format(id=options["id"]))
        revoke_token(token, actor_label=operator_label())
        self.stdout.write(_("Token {id} of {producer} is revoked.").format(id=token.pk, producer=token.producer.code))


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _state(token: ApiToken, now) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def _state_label(token: ApiToken, now) -> str:
    labels = {"revoked": _("revoked"), "expired": _("expired"), "active": _("active")}
    return labels[_state(token, now)]


def _as_json(token: ApiToken, now) -> dict:
    return {
        "id": token.pk, "producer": token.producer.code, "name": token.name, "prefix": token.prefix,
        "state": _state(token, now), "created_at": token.created_at, "expires_at": token.expires_at,
        "last_used_at": token.last_used_at, "revoked_at": token.revoked_at,
    }
