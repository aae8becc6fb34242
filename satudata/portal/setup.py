"""Preparing an installation: code lists, the data standard, keys and the demo accounts."""

import logging
from dataclasses import dataclass, field

from django.core.management import call_command

from satudata.accounts.models import Role, User
from satudata.accounts.services import create_user
from satudata.audit.signing import load_signing_key
from satudata.producers.models import Producer
from satudata.producers.services import create_producer
from satudata.reference.loaders import ensure_kbli_categories, load_lokal_regions
from satudata.reference.models import CodeList, Edition
from satudata.security.keyring import load_keyring
from satudata.standards.loading import load_builtin_standard

logger = logging.getLogger(__name__)

DEMO_PRODUCERS = (
    ("kementerian-umkm", "Kementerian UMKM (produsen nasional)", Producer.Kind.CENTRAL, ""),
    ("dinas-kukm-jabar", "Dinas Koperasi dan Usaha Kecil Provinsi Jawa Barat", Producer.Kind.REGIONAL, "32"),
    ("dinas-kumkm-bandung", "Dinas Koperasi dan UMKM Kota Bandung", Producer.Kind.REGIONAL, "32.73"),
)
DEMO_USERS = (
    ("walidata", Role.WALIDATA_ADMIN, None),
    ("produsen-nasional", Role.PRODUCER, "kementerian-umkm"),
    ("produsen-jabar", Role.PRODUCER, "dinas-kukm-jabar"),
    ("produsen-bandung", Role.PRODUCER, "dinas-kumkm-bandung"),
)


@dataclass
class SetupReport:
    regions_loaded: bool = False
    region_entries: int = 0
    kbli_edition: str = ""
    kbli_complete: bool = False
    standard: str = ""
    credentials: list[tuple[str, str, str]] = field(default_factory=list)


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
    report.standard = load_builtin_standard().label
    if demo:
        report.credentials = create_demo_accounts()
    return report


def create_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo producers and accounts that do not exist yet; return (user, role, password)."""
    for code, name, kind, region in DEMO_PRODUCERS:
        if not Producer.objects.filter(code=code).exists():
            create_producer(code=code, name=name, kind=kind, region_code=region)
    credentials = []
    for username, role, producer_code in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        producer = Producer.objects.get(code=producer_code) if producer_code else None
        user, password = create_user(username=username, role=role, producer=producer)
        credentials.append((user.username, user.get_role_display(), password))
    return credentials
