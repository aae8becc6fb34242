"""Preparing an installation: code lists, the data standard, keys and the demo accounts."""

import logging
from dataclasses import dataclass, field

from django.core.management import call_command

from satudata.access.models import STATEMENT_TEXT, STATEMENT_VERSION, ConfidentialityStatement
from satudata.accounts.models import Role, User
from satudata.accounts.services import create_user
from satudata.accounts.two_factor import enroll_confirmed_totp, secret_base32
from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.audit.signing import load_signing_key
from satudata.producers.models import Producer
from satudata.producers.services import create_producer
from satudata.reference.loaders import ensure_kbli_categories, load_lokal_regions
from satudata.reference.models import CodeList, Edition
from satudata.security.keyring import load_keyring
from satudata.standards.loading import current_version, load_builtin_standard

logger = logging.getLogger(__name__)

DEMO_PRODUCERS = (
    ("kementerian-umkm", "Kementerian UMKM (produsen nasional)", Producer.Kind.CENTRAL, ""),
    ("dinas-kukm-jabar", "Dinas Koperasi dan Usaha Kecil Provinsi Jawa Barat", Producer.Kind.REGIONAL, "32"),
    ("dinas-kumkm-bandung", "Dinas Koperasi dan UMKM Kota Bandung", Producer.Kind.REGIONAL, "32.73"),
)
# (user name, role, producer code, regions, by-name access). Every demo account is created with
# a confidentiality statement on record when it has by-name access, and with an enrolled
# authenticator (TOTP) when its role requires a second factor.
DEMO_USERS = (
    ("walidata", Role.WALIDATA_ADMIN, None, (), True),
    ("produsen-nasional", Role.PRODUCER, "kementerian-umkm", (), False),
    ("produsen-jabar", Role.PRODUCER, "dinas-kukm-jabar", (), False),
    ("produsen-bandung", Role.PRODUCER, "dinas-kumkm-bandung", (), False),
    ("enumerator-bandung", Role.ENUMERATOR, "dinas-kumkm-bandung", (), False),
    ("pengguna-bandung", Role.DATA_USER, None, ("32.73",), False),
    ("auditor", Role.AUDITOR, None, (), False),
)


@dataclass
class SetupReport:
    regions_loaded: bool = False
    region_entries: int = 0
    kbli_edition: str = ""
    kbli_complete: bool = False
    standard: str = ""
    credentials: list["DemoCredential"] = field(default_factory=list)


@dataclass
class DemoCredential:
    username: str
    role: str
    password: str
    # Base32 secret and otpauth URI of the enrolled authenticator; empty when the role needs none.
    totp_secret: str = ""
    totp_uri: str = ""


def initialize(*, demo: bool = False, verbosity: int = 1) -> SetupReport:
    """Migrate and load what a fresh installation needs; safe to run again."""
    report = SetupReport()
    call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
    load_keyring(create=True)
    load_signing_key(create=True)
    if not Edition.objects.filter(code_list__kind=CodeList.REGION, is_current=True).exists():
        edition = load_lokal_regions()
        report.regions_loaded = True
        report.region_entries = edition.entry_count
    kbli = ensure_kbli_categories()
    report.kbli_edition, report.kbli_complete = kbli.name, kbli.is_complete
    load_builtin_standard()
    # A walidata may have published a newer version since the first start; report the one in force.
    report.standard = current_version().label
    if demo:
        report.credentials = create_demo_accounts()
    return report


def create_demo_accounts() -> list[DemoCredential]:
    """Create the demo producers and accounts that do not exist yet, and return their credentials."""
    for code, name, kind, region in DEMO_PRODUCERS:
        if not Producer.objects.filter(code=code).exists():
            create_producer(code=code, name=name, kind=kind, region_code=region)
    credentials = []
    for username, role, producer_code, regions, by_name in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        producer = Producer.objects.get(code=producer_code) if producer_code else None
        user, password = create_user(username=username, role=role, producer=producer,
                                     region_scope=list(regions), by_name_access=by_name, organization="Demo")
        if by_name:
            record_demo_statement(user)
        credential = DemoCredential(username=user.username, role=str(user.get_role_display()),
                                    password=password)
        if user.requires_second_factor:
            device = enroll_confirmed_totp(user)
            credential.totp_secret, credential.totp_uri = secret_base32(device), device.config_url
        credentials.append(credential)
    return credentials


def record_demo_statement(user: User) -> None:
    """Record a confidentiality statement without a signed document, marked as a demo."""
    ConfidentialityStatement.objects.create(user=user, text_version=f"{STATEMENT_VERSION}-demo",
                                            accepted_text=str(STATEMENT_TEXT))
    record(Action.STATEMENT_RECORDED, object_type="user", object_id=user.pk,
           data={"version": f"{STATEMENT_VERSION}-demo", "demo": True})
