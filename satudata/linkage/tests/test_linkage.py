"""Linkage against labelled data, the review queue, merges and the registry as known on a date."""

import io

import polars as pl
import pytest
from django.core.management import call_command
from django.test import Client

from satudata.accounts.testing import sign_in_verified
from satudata.accounts.models import User
from satudata.audit.models import AuditEntry
from satudata.linkage import services
from satudata.linkage.evaluation import evaluate
from satudata.linkage.fingerprints import add_keyed_hashes
from satudata.linkage.models import ReviewItem
from satudata.registry.history import business_as_of
from satudata.registry.models import Business
from satudata.security.crypto import BlindIndex
from satudata.synthetic.linkage import generate_labelled
from satudata.synthetic.sidt import generate_sidt, village_frame


@pytest.fixture(scope="module")
def west_java():
    return village_frame("32")


def _submit(tmp_path, frame: pl.DataFrame, name: str) -> None:
    path = tmp_path / name
    frame.write_csv(path)
    call_command(
        "submit",
        str(path),
        "--producer",
        "kementerian-umkm",
        "--reference-year",
        "2025",
        "--accept",
        "--operator",
        "walidata",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def test_generator_same_seed_same_rows(west_java):
    first = generate_labelled(300, seed=4, villages=west_java)
    second = generate_labelled(300, seed=4, villages=west_java)
    assert first.incoming.equals(second.incoming)
    assert first.registry.equals(second.registry)


def test_keyed_hashes_equal_registry_blind_index(db):
    frame = pl.DataFrame({"owner_nik": ["3273015203900001"], "owner_phone": ["+6281234567890"]})
    hashed = add_keyed_hashes(frame)
    assert hashed.item(0, "nik_index") == BlindIndex("nik").compute("3273015203900001")
    assert hashed.item(0, "phone_index") == BlindIndex("phone").compute("+6281234567890")
    assert "owner_nik" not in hashed.columns


def test_near_hashes_agree_for_one_mistyped_digit(db):
    frame = pl.DataFrame({"owner_nik": ["3273015203900001", "3273015203900007", "3273015203911117"]})
    hashed = add_keyed_hashes(frame, phone=None)
    near = [set(row) for row in hashed.select("nik_near_1", "nik_near_2", "nik_near_3", "nik_near_4").rows()]
    assert len(near[0] & near[1]) == 1
    assert not near[0] & near[2]


def test_evaluation_meets_targets_on_seeded_set(db, west_java):
    report = evaluate(2000, seed=11, villages=west_java)
    assert report.linkage.f1 >= 0.97
    assert report.linkage.review_rate < 0.03
    assert report.linkage.precision >= 0.98
    assert report.baseline.recall < report.linkage.recall - 0.1


@pytest.mark.django_db
def test_merge_and_undo_round_trip(tmp_path):
    _submit(tmp_path, generate_sidt(2, seed=21, within="32.73"), "two.csv")
    survivor, merged = Business.objects.order_by("id")
    merged_transactions = set(merged.transactions.values_list("id", flat=True))
    survivor_name, survivor_versions = survivor.name, survivor.versions.count()

    merge = services.merge_businesses(survivor, merged, reason="same warung")
    merged.refresh_from_db()
    assert merged.status == Business.Status.MERGED
    assert merged.merged_into_id == survivor.pk
    assert services.resolve_code(merged.umkm_code).pk == survivor.pk
    assert merged_transactions <= set(survivor.transactions.values_list("id", flat=True))

    services.undo_merge(merge)
    merged.refresh_from_db()
    survivor.refresh_from_db()
    assert merged.status == Business.Status.ACTIVE
    assert merged.merged_into_id is None
    assert set(merged.transactions.values_list("id", flat=True)) == merged_transactions
    assert survivor.name == survivor_name
    assert survivor.versions.count() >= survivor_versions
    assert services.resolve_code(merged.umkm_code).pk == merged.pk


@pytest.mark.django_db
def test_as_of_returns_earlier_value_after_update(tmp_path):
    rows = generate_sidt(1, seed=22, within="32.73").with_columns(pl.lit("1234567890123").alias("nib"))
    _submit(tmp_path, rows, "first.csv")
    business = Business.objects.get(nib="1234567890123")
    first = business.versions.get(number=1)
    _submit(tmp_path, rows.with_columns(pl.lit("Toko Baru Sekali").alias("nama_usaha")), "second.csv")
    business.refresh_from_db()
    assert business.name == "Toko Baru Sekali"
    earlier = business_as_of(business, first.recorded_at)
    assert earlier.values["business_name"] == first.data["values"]["business_name"]
    assert earlier.version == 1


@pytest.mark.django_db
def test_link_batch_without_model_links_by_nib(tmp_path):
    rows = generate_sidt(3, seed=23, within="32.73").with_columns(
        pl.Series("nib", ["1111111111111", "2222222222222", "3333333333333"])
    )
    _submit(tmp_path, rows, "base.csv")
    incoming = pl.DataFrame(
        {
            "__row": [2, 3],
            "nib": ["2222222222222", None],
            "business_name": ["Warung Lain", "Kedai Baru"],
            "owner_name": ["Budi", "Ani"],
            "owner_nik": ["3273010101900001", "3273010101900002"],
            "business_village_code": ["32.73.01.1001", "32.73.01.1001"],
        }
    )
    result = services.link_batch(incoming)
    decisions = dict(
        zip(result.get_column("row").to_list(), result.get_column("decision").to_list(), strict=True)
    )
    assert decisions == {2: "link", 3: "new"}
    linked = result.filter(pl.col("row") == 2)
    assert linked.item(0, "business_id") == Business.objects.get(nib="2222222222222").pk
    assert linked.item(0, "rule") == "nib"


@pytest.mark.django_db
def test_review_page_renders_and_records_decision(tmp_path):
    _submit(tmp_path, generate_sidt(1, seed=24, within="32.73"), "one.csv")
    business = Business.objects.get()
    item = ReviewItem.objects.create(
        record_key="k" * 64,
        candidate=business,
        match_probability=0.8,
        model_version="mtest",
        incoming={"business_name": "Toko " + business.name, "owner_name": "Hj. Siti", "sealed": {}},
        created_at=business.created_at,
    )
    client = Client()
    sign_in_verified(client, User.objects.get(username="walidata"))

    page = client.get(f"/linkage/review/{item.pk}/")
    assert page.status_code == 200
    assert business.umkm_code in page.content.decode()

    response = client.post(f"/linkage/review/{item.pk}/", {"decision": "link", "note": ""})
    item.refresh_from_db()
    assert response.status_code == 302
    assert item.status == ReviewItem.Status.LINKED
    assert AuditEntry.objects.filter(action=services.REVIEW_DECIDED, object_id=str(item.pk)).exists()


@pytest.mark.django_db
def test_review_queue_forbidden_to_producers():
    client = Client()
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    assert client.get("/linkage/review/").status_code == 403
