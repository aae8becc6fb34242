from django.utils.translation import gettext as _

from satudata.commands import SatudataCommand
from satudata.portal.setup import initialize


class Command(SatudataCommand):
    help = (
        "Prepare the database under SATUDATA_HOME: migrate, load the Kemendagri region list and the data "
        "standard, create the encryption keyring; with --demo also the demo producers and accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Create the demo producers and accounts.")

    def handle(self, *args, **options):
        report = initialize(demo=options["demo"], verbosity=options["verbosity"])
        out = self.stdout.write
        if report.regions_loaded:
            out(_("Kemendagri region codes loaded: {count} entries.").format(count=report.region_entries))
        if report.kbli_complete:
            out(_("KBLI: edition {edition}.").format(edition=report.kbli_edition))
        else:
            out(_(
                "KBLI: only the 21 categories A–U are known, so codes are checked by their structure. "
                "Load the full list with: satudata codelist import kbli FILE.csv --edition 2020"
            ))
        out(_("Data standard: {standard}.").format(standard=report.standard))
        if report.credentials:
            out("")
            out(_("Demo accounts (the passwords and authenticator secrets are shown only this once):"))
            for credential in report.credentials:
                out(f"  {credential.username:<20} {credential.password:<18} {credential.role}")
                if credential.totp_secret:
                    out("      " + _("TOTP secret {secret}  {uri}").format(secret=credential.totp_secret,
                                                                           uri=credential.totp_uri))
            out(_("Accounts with a TOTP secret confirm each sign-in with a 6-digit code: add the secret "
                  "(or the otpauth link) to an authenticator app."))
