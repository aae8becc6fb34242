"""Walidata pages for code lists: access, both languages, search, paging, comparison and review."""

import pytest
from django.conf import settings
from django.urls import reverse

from satudata.accounts.testing import sign_in_verified
from satudata.accounts.models import User
from satudata.reference import services
from satudata.reference.loaders import EntryRow, store_edition
from satudata.reference.models import CrosswalkPair

pytestmark = pytest.mark.django_db


@pytest.fixture
def sector_crosswalk(db):
    """A small list whose group A02 "Jagung dan kedelai" was split into A03 "Jagung" and A04 "Kedelai"."""
    older = store_edition(
        "sector",
        "2019",
        [
            EntryRow("A", 1, "Pertanian"),
            EntryRow("A01", 2, "Padi", "A"),
            EntryRow("A02", 2, "Jagung dan kedelai", "A"),
        ],
        make_current=False,
    )
    newer = store_edition(
        "sector",
        "2024",
        [
            EntryRow("A", 1, "Pertanian"),
            EntryRow("A01", 2, "Padi", "A"),
            EntryRow("A03", 2, "Jagung", "A"),
            EntryRow("A04", 2, "Kedelai", "A"),
        ],
    )
    return services.propose_crosswalk(older, newer)


@pytest.fixture
def walidata_client(client):
    sign_in_verified(client, User.objects.get(username="walidata"))
    return client


@pytest.fixture
def producer_client(client):
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    return client


def test_code_lists_send_anonymous_user_to_sign_in(client):
    response = client.get(reverse("reference:lists"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


@pytest.mark.parametrize(
    "name, args",
    [
        ("reference:lists", []),
        ("reference:edition", ["region", "2025"]),
        ("reference:compare", ["region"]),
    ],
)
def test_code_list_pages_are_forbidden_to_producers(producer_client, name, args):
    assert producer_client.get(reverse(name, args=args)).status_code == 403


def test_code_lists_render_in_both_languages(walidata_client, sector_crosswalk):
    indonesian = walidata_client.get(reverse("reference:lists"))
    walidata_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = walidata_client.get(reverse("reference:lists"))
    assert indonesian.status_code == english.status_code == 200
    assert b'lang="id"' in indonesian.content
    assert b'lang="en"' in english.content
    assert b"Code lists" in english.content
    assert b"sector" in english.content


def test_edition_search_finds_regency_by_name(walidata_client):
    response = walidata_client.get(
        reverse("reference:edition", args=["region", "2025"]), {"q": "Merauke", "level": 2}
    )
    assert response.status_code == 200
    assert b"93.01" in response.content
    assert b"Kabupaten Merauke" in response.content


def test_edition_pages_villages_by_hundred(walidata_client):
    response = walidata_client.get(
        reverse("reference:edition", args=["region", "2025"]), {"level": 4, "page": 2}
    )
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 100
    assert response.context["page"].paginator.count == 83762


def test_edition_lists_children_of_parent(walidata_client):
    response = walidata_client.get(reverse("reference:edition", args=["region", "2025"]), {"parent": "93"})
    codes = [entry.code for entry in response.context["page"].object_list]
    assert codes == ["93.01", "93.02", "93.03", "93.04"]


def test_unknown_edition_is_not_found(walidata_client):
    assert walidata_client.get(reverse("reference:edition", args=["region", "1999"])).status_code == 404


def test_compare_page_shows_split(walidata_client, sector_crosswalk):
    response = walidata_client.get(
        reverse("reference:compare", args=["sector"]), {"older": "2019", "newer": "2024"}
    )
    assert response.status_code == 200
    rows = {row["change"]: row["total"] for row in response.context["rows"]}
    assert (rows["split"], rows["unchanged"], rows["added"]) == (1, 2, 0)


def test_crosswalk_page_lists_proposed_pairs(walidata_client, sector_crosswalk):
    response = walidata_client.get(reverse("reference:crosswalk", args=["sector", "2019", "2024"]))
    shown = {(row["pair"].source_code, row["pair"].target_code) for row in response.context["rows"]}
    assert shown == {("A02", "A03"), ("A02", "A04")}


def test_walidata_confirms_pair_on_page(walidata_client, sector_crosswalk):
    pair = sector_crosswalk.pairs.get(source_code="A02", target_code="A03")
    url = reverse("reference:review", args=["sector", "2019", "2024", pair.pk])
    response = walidata_client.post(url, {"decision": "confirm", "next": "https://example.org/"})
    pair.refresh_from_db()
    assert response.status_code == 302
    assert response.url == reverse("reference:crosswalk", args=["sector", "2019", "2024"])
    assert pair.status == CrosswalkPair.Status.CONFIRMED
    assert pair.reviewed_by.username == "walidata"


def test_producer_cannot_review_pair(producer_client, sector_crosswalk):
    pair = sector_crosswalk.pairs.get(source_code="A02", target_code="A03")
    url = reverse("reference:review", args=["sector", "2019", "2024", pair.pk])
    assert producer_client.post(url, {"decision": "confirm"}).status_code == 403
    pair.refresh_from_db()
    assert pair.status == CrosswalkPair.Status.PROPOSED


def test_review_needs_post(walidata_client, sector_crosswalk):
    pair = sector_crosswalk.pairs.first()
    url = reverse("reference:review", args=["sector", "2019", "2024", pair.pk])
    assert walidata_client.get(url).status_code == 405
