"""Property tests: for random users and random registries, no URL shows a record outside the
user's scope, in bodies, counts, error pages, filters, ordering or pagination.

Every URL of the project must appear in ``EXERCISES`` (how to call it); a URL added without an
entry makes ``test_every_url_is_exercised`` fail. The expected visibility comes from
``visible``, a plain-Python statement of Pasal 27 ayat 7 of Permen UMKM 8/2025 that does not
use ``access.scope``.
"""

import csv
import io
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from satudata.access.models import ConfidentialityStatement
from satudata.access.policy import Policy, policy_for
from satudata.access.tests.test_policy_coverage import all_urls
from satudata.accounts.models import Role, User
from satudata.accounts.testing import sign_in_verified
from satudata.producers.models import Producer
from satudata.registry.models import Business, Owner
from satudata.security.crypto import BlindIndex, FieldCipher
from satudata.standards.loading import current_version
from satudata.submissions.models import Submission

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

VILLAGES = ("32.73.01.1001", "32.73.02.1003", "32.04.05.2001", "33.74.01.1001", "11.01.01.2001")
REGIONS = ("32", "33", "11", "32.73", "32.04", "33.74", "32.73.01", "32.04.05", "32.73.01.1001")
SECTORS = {"C": "10", "G": "47", "I": "56", "J": "62"}
SCOPE_SECTORS = ("C", "G", "I", "47", "56", "10")
SCALES = ("MIKRO", "KECIL", "MENENGAH")


@dataclass
class Row:
    code: str
    name: str
    owner_name: str
    nik: str
    village: str
    category: str
    scale: str

    @property
    def division(self) -> str:
        return SECTORS[self.category]


@dataclass
class Person:
    role: str
    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    by_name: bool
    statement: bool
    producer_region: str
    producer_sectors: tuple[str, ...]
    owner_row: int
    own_submission: bool


rows_strategy = st.lists(
    st.tuples(st.sampled_from(VILLAGES), st.sampled_from(sorted(SECTORS)), st.sampled_from(SCALES)),
    min_size=1, max_size=6,
)
person_strategy = st.builds(
    Person,
    role=st.sampled_from([Role.WALIDATA_ANALYST, Role.DATA_USER, Role.PUBLIC_RELATIONS, Role.PRODUCER,
                          Role.ENUMERATOR, Role.BUSINESS_OWNER, Role.AUDITOR, Role.WALIDATA_ADMIN]),
    regions=st.lists(st.sampled_from(REGIONS), max_size=2, unique=True).map(tuple),
    sectors=st.lists(st.sampled_from(SCOPE_SECTORS), max_size=2, unique=True).map(tuple),
    by_name=st.booleans(),
    statement=st.booleans(),
    producer_region=st.sampled_from(("", "32", "32.73", "33.74")),
    producer_sectors=st.lists(st.sampled_from(SCOPE_SECTORS), max_size=2, unique=True).map(tuple),
    owner_row=st.integers(min_value=0, max_value=5),
    own_submission=st.booleans(),
)


def in_region(village: str, region: str) -> bool:
    return village == region or village.startswith(region + ".")


def in_sectors(row: Row, sectors: tuple[str, ...]) -> bool:
    return row.category in sectors or row.division in sectors


def visible(person: Person, row: Row, rows: list[Row]) -> bool:
    """Whether the regulation lets this person see this business (independent of access.scope)."""
    role = person.role
    if role == Role.WALIDATA_ADMIN:
        return True
    if role in (Role.PRODUCER, Role.ENUMERATOR):
        region_ok = not person.producer_region or in_region(row.village, person.producer_region)
        inside = all(not person.producer_region or in_region(r, person.producer_region) for r in person.regions)
        if role == Role.ENUMERATOR and person.regions and inside:
            # Account creation keeps an enumerator's regions inside the producer's.
            region_ok = any(in_region(row.village, r) for r in person.regions)
        sector_ok = not person.producer_sectors or in_sectors(row, person.producer_sectors)
        return region_ok and sector_ok
    if role == Role.BUSINESS_OWNER:
        return row.nik == rows[min(person.owner_row, len(rows) - 1)].nik
    if role == Role.AUDITOR:
        return False
    if role in (Role.DATA_USER, Role.PUBLIC_RELATIONS) and not person.regions and not person.sectors:
        return False
    region_ok = not person.regions or any(in_region(row.village, r) for r in person.regions)
    sector_ok = not person.sectors or in_sectors(row, person.sectors)
    return region_ok and sector_ok


def sees_by_name(person: Person) -> bool:
    wants = person.role == Role.WALIDATA_ADMIN or person.by_name
    return wants and person.statement


def sees_records(person: Person) -> bool:
    """Data users without by-name access get aggregate data only (Pasal 27 ayat 4-6)."""
    return person.role not in (Role.DATA_USER, Role.PUBLIC_RELATIONS) or sees_by_name(person)


def sees_submission(person: Person) -> bool:
    """The test submission belongs to the regional producer of Kota Bandung (32.73)."""
    if person.role == Role.WALIDATA_ADMIN:
        return True
    if person.role == Role.WALIDATA_ANALYST:
        if not person.regions and not person.sectors:
            return True
        return not person.sectors and any(in_region("32.73", r) for r in person.regions)
    if person.role in (Role.PRODUCER, Role.ENUMERATOR):
        return person.own_submission
    return False


def build_registry(specs, submission: Submission) -> list[Row]:
    now = timezone.now()
    rows = []
    cipher, index = FieldCipher("owner_nik"), BlindIndex("nik")
    for number, (village, category, scale) in enumerate(specs):
        token = secrets.token_hex(4).upper()
        nik = f"{village[:2]}{secrets.randbelow(10**14):014d}"
        row = Row(code=f"QZ{number}{token}", name=f"Usaha QZ{token}", owner_name=f"Pemilik QZ{token}",
                  nik=nik, village=village, category=category, scale=scale)
        owner = Owner.objects.create(name=row.owner_name, name_key=row.owner_name.lower(),
                                     nik_encrypted=cipher.encrypt(nik), nik_index=index.compute(nik),
                                     village_code=village, created_at=now, updated_at=now)
        parts = village.split(".")
        Business.objects.create(
            umkm_code=row.code, owner=owner, name=row.name, name_key=row.name.lower(),
            kbli=row.division + "111",
            kbli_edition="KBLI 2020", kbli_category=category, kbli_division=row.division, address="Jl. Uji",
            village_code=village, district_code=".".join(parts[:3]), regency_code=".".join(parts[:2]),
            province_code=parts[0], region_edition="test", scale=scale, first_submission=submission,
            last_submission=submission, created_at=now, updated_at=now,
        )
        rows.append(row)
    return rows


def make_user(person: Person, rows: list[Row], own_producer: Producer) -> User:
    token = secrets.token_hex(4)
    producer = None
    if person.role in (Role.PRODUCER, Role.ENUMERATOR):
        if person.own_submission:
            producer = own_producer
            person.producer_region, person.producer_sectors = own_producer.region_code, ()
        else:
            producer = Producer.objects.create(code=f"p-{token}", name="Produsen uji",
                                               kind=Producer.Kind.REGIONAL,
                                               region_code=person.producer_region,
                                               kbli_sectors=list(person.producer_sectors))
    user = User.objects.create(username=f"u-{token}", role=person.role, producer=producer,
                               region_scope=list(person.regions), kbli_scope=list(person.sectors),
                               by_name_access=person.by_name)
    if person.role == Role.BUSINESS_OWNER:
        user.nik_index = BlindIndex("nik").compute(rows[min(person.owner_row, len(rows) - 1)].nik)
        user.save(update_fields=["nik_index"])
    if person.statement:
        ConfidentialityStatement.objects.create(user=user, text_version="test", accepted_text="test")
    return user


@dataclass
class World:
    rows: list[Row]
    person: Person
    submission: Submission

    def hidden(self) -> list[Row]:
        return [r for r in self.rows if not visible(self.person, r, self.rows)]

    def shown(self) -> list[Row]:
        return [r for r in self.rows if visible(self.person, r, self.rows)]


def without_echo(text: str, query: str) -> str:
    """Remove the user's own search text where the page repeats it (form values, links)."""
    for form in {query, quote_plus(query), quote(query)}:
        text = text.replace(f"q={form}", "q=").replace(f'value="{form}"', 'value=""')
    return text


def assert_nothing_hidden(world: World, body: bytes, where: str, query: str = "") -> None:
    text = body.decode("utf-8", errors="replace")
    if query:
        text = without_echo(text, query)
    for row in world.hidden():
        assert row.code not in text, f"{where} shows out-of-scope code {row.code}"
        assert row.name not in text, f"{where} shows out-of-scope name {row.name}"
        assert row.owner_name not in text, f"{where} shows out-of-scope owner {row.owner_name}"
        assert row.nik not in text, f"{where} shows out-of-scope NIK"
    if not sees_by_name(world.person):
        for row in world.rows:
            assert row.owner_name not in text, f"{where} shows an owner's name without by-name access"
            assert row.nik not in text, f"{where} shows a NIK without by-name access"


def _get(client: Client, name: str, kwargs=None, query=None):
    return client.get(reverse(name, kwargs=kwargs), query or {})


# How to call each URL; each entry returns (label, response) pairs to check.
def ex_plain(client, world, name):
    return [(name, _get(client, name))]


def ex_registry_list(client, world, name):
    calls = [(name, _get(client, name))]
    # Searching for records outside the scope is the interesting case; in-scope ones only repeat the list.
    for row in world.hidden():
        calls.append((f"{name}?q={row.name}", _get(client, name, query={"q": row.name})))
        calls.append((f"{name}?q={row.code}", _get(client, name, query={"q": row.code})))
    for province in sorted({village.split(".")[0] for village in VILLAGES}):
        calls.append((f"{name}?province={province}", _get(client, name, query={"province": province})))
    for category in SECTORS:
        calls.append((f"{name}?kbli={category}", _get(client, name, query={"kbli": category})))
    calls.append((f"{name}?page=2", _get(client, name, query={"page": "2"})))
    calls.append((f"{name}?page=-1", _get(client, name, query={"page": "-1"})))
    return calls


def ex_business_detail(client, world, name):
    return [(f"{name} {row.code}", _get(client, name, kwargs={"umkm_code": row.code})) for row in world.rows]


def ex_submission(client, world, name):
    return [(name, _get(client, name, kwargs={"pk": world.submission.pk}))]


def ex_request_document(client, world, name):
    return [(name, _get(client, name, kwargs={"pk": 1, "document": "statement"}))]


def ex_pk(client, world, name):
    return [(name, _get(client, name, kwargs={"pk": 1}))]


def ex_set_password(client, world, name):
    return [(name, _get(client, name, kwargs={"uidb64": "MQ", "token": "set-password"}))]


# Sample values for the path parameters of metadata pages and API routes.
SAMPLE_KWARGS = {
    "label": "umkm-1", "file_format": "table-schema", "kind": "region", "edition": "2025", "older": "2025",
    "newer": "2025", "pair_id": 1,
}
SAMPLE_CODES = {"variable": "owner_nik", "indicator": "share_micro"}


def ex_filled(client, world, name):
    """Call a URL with sample values for its path parameters."""
    route = next(route for url_name, route, _view in all_urls() if url_name == name)
    parameters = re.findall(r"<(?:\w+:)?(\w+)>", route)
    kwargs = {key: SAMPLE_KWARGS[key] for key in parameters if key in SAMPLE_KWARGS}
    if "code" in parameters:
        kwargs["code"] = SAMPLE_CODES["indicator" if "indicator" in name else "variable"]
    return [(name, client.get(reverse(name, kwargs=kwargs)))]


EXERCISES = {
    "set_language": ex_plain,
    "api_unknown_endpoint": lambda client, world, name: [(name, _get(client, name, {"rest": "no-such-route/"}))],
    "portal:home": ex_plain,
    "accounts:login": ex_plain,
    "accounts:logout": ex_plain,
    "accounts:request": ex_plain,
    "accounts:request_sent": ex_plain,
    "accounts:set_password": ex_set_password,
    "accounts:set_password_done": ex_plain,
    "accounts:verify": ex_plain,
    "accounts:two_factor_setup": ex_plain,
    "accounts:recovery_codes": ex_plain,
    "accounts:security": ex_plain,
    "accounts:requests": ex_plain,
    "accounts:request_detail": ex_pk,
    "accounts:request_document": ex_request_document,
    "accounts:users": ex_plain,
    "accounts:user_detail": ex_pk,
    "accounts:sessions": ex_plain,
    "submissions:list": ex_plain,
    "submissions:upload": ex_plain,
    "submissions:detail": ex_submission,
    "submissions:mapping": ex_submission,
    "submissions:errors_csv": ex_submission,
    "submissions:errors_xlsx": ex_submission,
    "registry:list": ex_registry_list,
    "registry:counts": ex_registry_list,
    "registry:detail": ex_business_detail,
    "access:export_counts": ex_registry_list,
    "access:export_businesses": ex_registry_list,
    "standards:detail": ex_plain,
    "standards:template": ex_plain,
    "standards:table_schema": ex_plain,
    "publishedstats:compare": ex_plain,
    "audit:log": ex_plain,
    "audit:export": ex_plain,
}
FILLED = [
    "api:openapi-json", "api:openapi-view", "api:api-root", "api:list_code_lists", "api:list_editions",
    "api:list_entries", "api:list_crosswalks", "api:list_pairs", "api:list_versions", "api:list_characteristics",
    "api:get_version", "api:get_variable", "api:get_indicator", "api:get_table_schema",
    "standards:list", "standards:characteristics", "standards:version", "standards:download", "standards:compare",
    "standards:new_draft", "standards:propose", "standards:agree", "standards:publish", "standards:discard",
    "standards:variable_add", "standards:variable", "standards:variable_remove", "standards:indicator_add",
    "standards:indicator", "standards:indicator_edit", "catalog:index", "catalog:variable", "catalog:indicator",
    "reference:lists", "reference:compare", "reference:crosswalk", "reference:review", "reference:edition",
]
EXERCISES.update(dict.fromkeys(FILLED, ex_filled))
EXERCISES.update({"linkage:review_list": ex_plain, "linkage:review_detail": ex_pk})
def ex_submission_post(client, world, name):
    return [(name, client.post(reverse(name, kwargs={"pk": world.submission.pk})))]


def ex_api_submission(client, world, name):
    return [(name, client.get(reverse(name, kwargs={"submission_id": world.submission.pk})))]


def ex_api_submission_post(client, world, name):
    url = reverse(name, kwargs={"submission_id": world.submission.pk})
    return [(name, client.post(url, '{"corrections": []}', content_type="application/json"))]


EXERCISES.update({
    "api:correct_records": ex_api_submission_post, "api:resubmit_submission": ex_api_submission_post,
})
EXERCISES.update({
    "api:create_submission": ex_plain, "api:list_submissions": ex_plain, "api:push_records": ex_api_submission,
    "api:submit_submission": ex_api_submission, "api:get_submission": ex_api_submission,
    "api:get_errors": ex_api_submission,
})
EXERCISES.update({
    "submissions:progress": ex_submission, "submissions:corrections": ex_submission,
    "submissions:resubmit": ex_submission_post, "submissions:decide": ex_submission_post,
    "submissions:overview": ex_plain,
})


def ex_entry_record(client, world, name):
    return [(name, client.get(reverse(name, kwargs={"sequence": 1})))]


def ex_entry_record_post(client, world, name):
    return [(name, client.post(reverse(name, kwargs={"sequence": 1})))]


def ex_entry_post(client, world, name):
    return [(name, client.post(reverse(name), {"owner_nik": "3273015203900001"}))]


def ex_entry_regions(client, world, name):
    return [(f"{name}?parent={region}", _get(client, name, query={"variable": "business_village_code",
                                                                   "parent": region}))
            for region in ("", "32.73", "33.74")]


EXERCISES.update({
    "entry:draft": ex_plain, "entry:new": ex_plain, "entry:edit": ex_entry_record,
    "entry:delete": ex_entry_record_post, "entry:check": ex_entry_post, "entry:submit": ex_entry_post,
    "entry:regions": ex_entry_regions,
})


def test_every_url_is_exercised():
    names = {name for name, _route, _view in all_urls()}
    missing = sorted(names - set(EXERCISES))
    assert missing == [], "add these URLs to EXERCISES so the scope property covers them"


ROLE_MEETS = {
    Policy.PRODUCER: {Role.PRODUCER, Role.ENUMERATOR},
    Policy.WALIDATA: {Role.WALIDATA_ADMIN, Role.WALIDATA_ANALYST},
    Policy.WALIDATA_ADMIN: {Role.WALIDATA_ADMIN},
    Policy.AUDIT: {Role.WALIDATA_ADMIN, Role.WALIDATA_ANALYST, Role.AUDITOR},
}


def check_counts(world: World, name: str, label: str, response) -> None:
    shown = world.shown()
    if name == "registry:list" and not sees_records(world.person):
        assert response.status_code == 302, label
    elif name == "registry:list" and "?" not in label:
        assert response.context["page"].paginator.count == len(shown), label
    if name == "registry:counts" and "?" not in label:
        assert response.context["grand_total"] == len(shown), label
    if name == "portal:home":
        assert response.context["business_count"] == len(shown), label
    if name == "standards:indicator":
        counted = sum(value.businesses for value in response.context["values"])
        assert counted == len(shown), label
    if name == "access:export_counts" and "?" not in label:
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert sum(int(r[-1]) for r in table[1:]) == len(shown), label
    if name == "access:export_businesses" and "?" not in label:
        if sees_by_name(world.person):
            table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
            assert sorted(r[0] for r in table[1:]) == sorted(r.code for r in shown), label
        else:
            assert response.status_code == 403, label


def check_url(client: Client, world: World, name: str, view) -> None:
    policy = policy_for(name, view)
    for label, response in EXERCISES[name](client, world, name):
        allowed_roles = ROLE_MEETS.get(policy)
        if allowed_roles is not None and world.person.role not in allowed_roles:
            assert response.status_code in (403, 404), label
        if name == "registry:detail":
            code = label.rsplit(" ", 1)[1]
            row = next(r for r in world.rows if r.code == code)
            expected = 200 if visible(world.person, row, world.rows) and sees_records(world.person) else 404
            assert response.status_code == expected, label
        if name.startswith("submissions:") and name not in ("submissions:list", "submissions:upload",
                                                             "submissions:overview"):
            if not sees_submission(world.person):
                # Walidata-only actions are refused by role (403) before the scope is consulted.
                assert response.status_code in ((403, 404) if policy == Policy.WALIDATA else (404,)), label
        if name in ("api:get_submission", "api:get_errors") and not sees_submission(world.person):
            assert response.status_code == 404, label
        if name == "api:list_submissions" and not sees_submission(world.person):
            assert world.submission.pk not in [item["id"] for item in response.json()], label
        if policy == Policy.AUDIT and world.person.role in ROLE_MEETS[Policy.AUDIT]:
            # Auditors read the whole log by their role; entries name records by id only.
            continue
        if response.status_code == 200 and response.streaming:
            body = b"".join(response.streaming_content)
        else:
            body = getattr(response, "content", b"")
        query = label.split("?q=", 1)[1] if "?q=" in label else ""
        assert_nothing_hidden(world, body, label, query)
        if response.status_code == 200:
            check_counts(world, name, label, response)


# Shrinking replays the whole URL sweep per step, which takes minutes; the failing example is
# printed unshrunk instead.
@settings(max_examples=8, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=rows_strategy, person=person_strategy)
# An enumerator of the Kota Bandung producer who works in one of its districts.
@example(specs=[("32.73.01.1001", "G", "MIKRO"), ("32.73.02.1003", "G", "MIKRO")],
         person=Person(role=Role.ENUMERATOR, regions=("32.73.01",), sectors=(), by_name=True, statement=True,
                       producer_region="32.73", producer_sectors=(), owner_row=0, own_submission=True))
def test_no_url_shows_records_outside_scope(specs, person):
    urls = all_urls()
    with transaction.atomic():
        own_producer = Producer.objects.get(code="dinas-kumkm-bandung")
        submission = Submission.objects.create(
            producer=own_producer, standard_version=current_version(), channel=Submission.Channel.CLI,
            original_name="uji.csv", stored_name="raw.csv", sha256="0" * 64, size_bytes=0,
            state=Submission.State.REJECTED,
        )
        rows = build_registry(specs, submission)
        user = make_user(person, rows, own_producer)
        world = World(rows=rows, person=person, submission=submission)
        client = Client()
        sign_in_verified(client, user)
        for name, _route, view in urls:
            check_url(client, world, name, view)
        transaction.set_rollback(True)
