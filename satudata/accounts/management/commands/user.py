from datetime import date

from django.utils.translation import gettext as _

from satudata.access.models import STATEMENT_TEXT, STATEMENT_VERSION, ConfidentialityStatement
from satudata.access.scope import scope_for
from satudata.accounts import services
from satudata.accounts.documents import check_pdf
from satudata.accounts.models import Role, User
from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.commands import SatudataCommand
from satudata.producers.models import Producer


class Command(SatudataCommand):
    help = "Create, list, disable, renew or unlock user accounts."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create an account and print its password once.")
        create.add_argument("username", help="User name, such as dinas-bandung-admin.")
        create.add_argument("--role", required=True, choices=Role.values, help="Role of the account.")
        create.add_argument(
            "--producer", default="", help="Producer code, for producer and enumerator accounts."
        )
        create.add_argument(
            "--region",
            action="append",
            default=[],
            help="Dotted Kemendagri region code of the scope (32.73); repeat for several.",
        )
        create.add_argument(
            "--kbli",
            action="append",
            default=[],
            help="KBLI category letter or two-digit division of the scope; repeat or separate with commas.",
        )
        create.add_argument(
            "--by-name",
            action="store_true",
            help="Grant by-name access; it takes effect with a confidentiality statement.",
        )
        create.add_argument(
            "--statement",
            default="",
            help="PDF of the signed confidentiality statement, recorded for by-name access.",
        )
        create.add_argument("--email", default="", help="E-mail address.")
        create.add_argument("--name", default="", help="Full name.")
        create.add_argument(
            "--review-date",
            type=date.fromisoformat,
            default=None,
            help="Date after which the account cannot sign in until renewed (YYYY-MM-DD; default "
            "a year from today).",
        )
        listing = actions.add_parser("list", help="List accounts with their roles and scopes.")
        listing.add_argument("--json", action="store_true", help="Print JSON.")
        disable = actions.add_parser("disable", help="Disable an account.")
        disable.add_argument("username")
        disable.add_argument("--reason", default="", help="Reason, kept in the audit log.")
        renew = actions.add_parser("renew", help="Move the review date a year ahead and enable the account.")
        renew.add_argument("username")
        renew.add_argument("--reason", default="", help="Reason, kept in the audit log.")
        unlock = actions.add_parser("unlock", help="Lift a lockout after repeated failed sign-ins.")
        unlock.add_argument("username")
        for sub in (create, listing, disable, renew, unlock):
            self.add_language(sub)

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            return self._create(options)
        if action == "list":
            return self._list(options)
        user = self._user(options["username"])
        if action == "disable":
            services.disable_user(user, reason=options["reason"])
            self.stdout.write(_("Account {username} disabled.").format(username=user.username))
        elif action == "renew":
            services.renew_user(user, reason=options["reason"])
            self.stdout.write(
                _("Account {username} renewed until {date}.").format(
                    username=user.username, date=user.expires_on.isoformat()
                )
            )
        elif action == "unlock":
            services.unlock_user(user)
            self.stdout.write(_("Account {username} unlocked.").format(username=user.username))

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise services.AccountError(_("No account has the user name {username}."), username=username)
        return user

    def _create(self, options) -> None:
        producer = None
        if options["producer"]:
            producer = Producer.objects.filter(code=options["producer"]).first()
            if producer is None:
                raise services.AccountError(
                    _("No producer has the code {producer}; see 'satudata producer list'."),
                    producer=options["producer"],
                )
        kbli = [code.strip() for value in options["kbli"] for code in value.split(",") if code.strip()]
        user, password = services.create_user(
            username=options["username"],
            role=options["role"],
            producer=producer,
            email=options["email"],
            full_name=options["name"],
            region_scope=options["region"],
            kbli_scope=kbli,
            by_name_access=options["by_name"],
            expires_on=options["review_date"],
        )
        if options["statement"]:
            self._record_statement(user, options["statement"])
        self.stdout.write(
            _("Account {username} created. Password (shown only now): {password}").format(
                username=user.username, password=password
            )
        )
        if user.requires_second_factor:
            self.stdout.write(_("The account sets up an authenticator app at its first sign-in."))

    def _record_statement(self, user: User, path: str) -> None:
        from django.core.files import File

        with open(path, "rb") as handle:
            check_pdf(handle, field="statement", label=_("Signed confidentiality statement"))
            digest = services.file_sha256(handle)
            statement = ConfidentialityStatement(
                user=user,
                text_version=STATEMENT_VERSION,
                accepted_text=str(STATEMENT_TEXT),
                document_sha256=digest,
            )
            statement.document.save("statement.pdf", File(handle), save=True)
        record(
            Action.STATEMENT_RECORDED,
            object_type="user",
            object_id=user.pk,
            data={"version": STATEMENT_VERSION, "sha256": digest},
        )

    def _list(self, options) -> None:
        users = list(User.objects.select_related("producer").order_by("username"))
        if options["json"]:
            self.print_json(
                [
                    {
                        "username": u.username,
                        "role": u.role,
                        "producer": u.producer.code if u.producer_id else None,
                        "regions": u.region_scope,
                        "kbli": u.kbli_scope,
                        "by_name_access": u.by_name_access,
                        "by_name_effective": scope_for(u).by_name,
                        "active": u.is_active,
                        "review_date": u.expires_on.isoformat() if u.expires_on else None,
                        "expired": u.is_expired,
                    }
                    for u in users
                ]
            )
            return
        for u in users:
            scope = ",".join(u.region_scope or []) or (u.producer.code if u.producer_id else "") or "-"
            state = _("active") if u.is_active and not u.is_expired else _("inactive")
            self.stdout.write(f"{u.username:<24} {u.role:<18} {scope:<24} {state}")
