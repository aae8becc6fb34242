"""The read-only code-list API under /api/v1/reference/: sign-in, filters, paging, errors, OpenAPI."""

import re

import pytest

from satudata.accounts.testing import sign_in_verified
from satudata.accounts.models import User
from satudata.api import api
from satudata.reference import services
from satudata.reference.loaders import EntryRow, store_edition

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reference"


@pytest.fixture
def signed_in(client):
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    return client


@pytest.fixture
def sector_crosswalk(db):
    older = store_edition(
        "sector",
        "2019",
        [EntryRow("A", 1, "Pertanian"), EntryRow("A02", 2, "Jagung dan kedelai", "A")],
        make_current=False,
    )
    newer = store_edition(
        "sector",
        "2024",
        [
            EntryRow("A", 1, "Pertanian"),
            EntryRow("A03", 2, "Jagung", "A"),
            EntryRow("A04", 2, "Kedelai", "A"),
        ],
    )
    return services.propose_crosswalk(older, newer)


def _paths() -> list[str]:
    """Every GET route of the API with its path parameters filled with real values."""
    values = {"kind": "region", "edition": "2025", "older": "2025", "newer": "2025", "label": "umkm-1",
              "code": "owner_nik", "submission_id": "1"}
    schema = api.get_openapi_schema()
    return [re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
            for path, operations in schema["paths"].items() if "get" in operations]


def test_every_route_requires_sign_in(client):
    paths = _paths()
    assert paths
    for path in paths:
        assert client.get(path).status_code == 401, path


def test_code_lists_name_current_edition(signed_in):
    lists = {item["kind"]: item for item in signed_in.get(f"{BASE}/code-lists").json()}
    assert lists["region"]["current_edition"] == "2025"


def test_entries_filter_by_parent(signed_in):
    body = signed_in.get(f"{BASE}/code-lists/region/editions/2025/entries", {"parent": "93"}).json()
    assert [item["code"] for item in body["items"]] == ["93.01", "93.02", "93.03", "93.04"]


def test_entries_search_by_name(signed_in):
    body = signed_in.get(
        f"{BASE}/code-lists/region/editions/2025/entries", {"q": "Merauke", "level": 2}
    ).json()
    assert [item["code"] for item in body["items"]] == ["93.01"]


def test_entries_are_paged(signed_in):
    body = signed_in.get(f"{BASE}/code-lists/region/editions/2025/entries", {"level": 4, "limit": 10}).json()
    assert body["count"] == 83762
    assert len(body["items"]) == 10


def test_unknown_edition_answers_404_with_code(signed_in):
    response = signed_in.get(f"{BASE}/code-lists/region/editions/1999/entries")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "2025" in response.json()["message"]


def test_pairs_filter_by_status(signed_in, sector_crosswalk):
    body = signed_in.get(
        f"{BASE}/code-lists/sector/crosswalks/2019/2024/pairs", {"status": "proposed"}
    ).json()
    assert {(p["source_code"], p["target_code"], p["relation"]) for p in body["items"]} == {
        ("A02", "A03", "split"),
        ("A02", "A04", "split"),
    }


def test_crosswalks_list_counts_proposed_pairs(signed_in, sector_crosswalk):
    crosswalks = signed_in.get(f"{BASE}/code-lists/sector/crosswalks").json()
    assert [(c["source_edition"], c["target_edition"], c["proposed"]) for c in crosswalks] == [
        ("2019", "2024", 2)
    ]


def test_openapi_documents_reference_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert f"{BASE}/code-lists/{{kind}}/editions/{{edition}}/entries" in paths
