"""Compilation with an active linkage model: linked rows, new businesses and rows held for review."""

import io
import json

import polars as pl
import pytest
from django.core.management import call_command

from satudata.accounts.models import User
from satudata.accounts.testing import sign_in_verified
from satudata.audit.models import AuditEntry
from satudata.linkage import services
from satudata.linkage.models import LinkDecision, ReviewItem
from satudata.linkage.testing import CLEAR_MATCH, NEAR_DUPLICATE, REGISTERED, synthetic_model
from satudata.registry.codes import is_valid_code
from satudata.registry.history import business_as_of
from satudata.registry.models import Business, TransactionRecord
from satudata.submissions.tests.factories import submit, write_csv


@pytest.fixture(scope="module")
def trained():
    return synthetic_model()


@pytest.fixture
def linkage_model(db, trained):
    return services.store_model(trained)


@pytest.fixture
def walidata(db):
    return User.objects.get(username="walidata")


@pytest.fixture
def registered(tmp_path, producer_bandung):
    submit(write_csv(tmp_path / "registered.csv", [REGISTERED]), producer_bandung)
    return Business.objects.get()


def _held(tmp_path, producer, row=NEAR_DUPLICATE):
    submission = submit(write_csv(tmp_path / "incoming.csv", [row]), producer)
    item = ReviewItem.objects.get(submission=submission)
    return submission, item


def test_near_duplicate_is_held(tmp_path, producer_bandung, registered, linkage_model):
    submission, item = _held(tmp_path, producer_bandung)

    assert submission.summary["held_for_review"] == 1
    assert submission.businesses_created + submission.businesses_updated == 0
    assert item.row_held
    assert item.status == ReviewItem.Status.OPEN
    assert item.candidate_id == registered.pk
    assert Business.objects.count() == 1
    assert not TransactionRecord.objects.filter(submission=submission).exists()
    registered.refresh_from_db()
    assert registered.name == REGISTERED["Nama usaha"]


def test_submission_page_says_rows_wait_for_review(client, tmp_path, producer_bandung, registered,
                                                   linkage_model, walidata):
    submission, _item = _held(tmp_path, producer_bandung)
    sign_in_verified(client, walidata)

    page = client.get(f"/submissions/{submission.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert "1 row waits for clerical review" in page.content.decode()


def test_linking_held_row_keeps_history(tmp_path, producer_bandung, registered,
                                                             linkage_model, walidata):
    submission, item = _held(tmp_path, producer_bandung)
    first = registered.versions.get(number=1)

    services.decide_review(item, ReviewItem.Status.LINKED, user=walidata)

    registered.refresh_from_db()
    submission.refresh_from_db()
    assert registered.name == NEAR_DUPLICATE["Nama usaha"]
    assert registered.versions.count() == 2
    assert business_as_of(registered, first.recorded_at).values["business_name"] == REGISTERED["Nama usaha"]
    assert Business.objects.count() == 1
    assert submission.businesses_updated == 1
    assert submission.summary["held_for_review"] == 0
    assert TransactionRecord.objects.get(submission=submission).business_id == registered.pk


def test_linking_held_row_is_audited(tmp_path, producer_bandung, registered,
                                                            linkage_model, walidata):
    submission, item = _held(tmp_path, producer_bandung)

    services.decide_review(item, ReviewItem.Status.LINKED, user=walidata)

    entry = AuditEntry.objects.get(action=services.REVIEW_DECIDED, object_id=str(item.pk))
    assert entry.data["business"] == registered.umkm_code
    decision = LinkDecision.objects.get(submission=submission, rule="reviewed")
    assert (decision.outcome, decision.business_id) == ("link", registered.pk)


def test_separating_held_row_registers_new_business(tmp_path, producer_bandung, registered, linkage_model,
                                                    walidata):
    submission, item = _held(tmp_path, producer_bandung)

    services.decide_review(item, ReviewItem.Status.SEPARATED, user=walidata)

    submission.refresh_from_db()
    registered.refresh_from_db()
    new = Business.objects.exclude(pk=registered.pk).get()
    assert new.name == NEAR_DUPLICATE["Nama usaha"]
    assert is_valid_code(new.umkm_code)
    assert new.umkm_code != registered.umkm_code
    assert registered.name == REGISTERED["Nama usaha"]
    assert submission.businesses_created == 1
    assert submission.summary["held_for_review"] == 0


def test_deferring_leaves_row_held(tmp_path, producer_bandung, registered, linkage_model, walidata):
    submission, item = _held(tmp_path, producer_bandung)

    services.decide_review(item, ReviewItem.Status.DEFERRED, user=walidata)

    item.refresh_from_db()
    submission.refresh_from_db()
    assert item.row_held
    assert submission.summary["held_for_review"] == 1
    assert not TransactionRecord.objects.filter(submission=submission).exists()


def test_deferred_item_can_be_linked_later(tmp_path, producer_bandung, registered, linkage_model, walidata):
    _submission, item = _held(tmp_path, producer_bandung)
    services.decide_review(item, ReviewItem.Status.DEFERRED, user=walidata)

    services.decide_review(item, ReviewItem.Status.LINKED, user=walidata)

    registered.refresh_from_db()
    assert registered.name == NEAR_DUPLICATE["Nama usaha"]


def test_decided_item_cannot_be_decided_again(tmp_path, producer_bandung, registered, linkage_model,
                                              walidata):
    _submission, item = _held(tmp_path, producer_bandung)
    services.decide_review(item, ReviewItem.Status.LINKED, user=walidata)

    with pytest.raises(services.LinkageError):
        services.decide_review(item, ReviewItem.Status.SEPARATED, user=walidata)


def test_row_above_link_threshold_updates_without_review(tmp_path, producer_bandung, registered,
                                                         linkage_model):
    submission = submit(write_csv(tmp_path / "clear.csv", [CLEAR_MATCH]), producer_bandung)

    registered.refresh_from_db()
    assert not ReviewItem.objects.exists()
    assert submission.businesses_updated == 1
    assert registered.name == CLEAR_MATCH["Nama usaha"]
    assert registered.village_code == "32.73.01.1002"
    decision = LinkDecision.objects.get(submission=submission)
    assert (decision.outcome, decision.rule, decision.business_id) == ("link", "model", registered.pk)


def test_without_model_row_is_new(tmp_path, producer_bandung, registered):
    submission = submit(write_csv(tmp_path / "incoming.csv", [NEAR_DUPLICATE]), producer_bandung)

    assert submission.businesses_created == 1
    assert not ReviewItem.objects.exists()
    assert not LinkDecision.objects.exists()


def test_exact_rule_match_does_not_ask_linkage(tmp_path, producer_bandung, registered, linkage_model):
    renamed = {**REGISTERED, "Alamat usaha": "Jl. Dago No. 7"}

    submission = submit(write_csv(tmp_path / "same.csv", [renamed]), producer_bandung)

    assert submission.businesses_updated == 1
    assert not LinkDecision.objects.filter(submission=submission).exists()


def test_second_link_to_business_goes_to_review():
    result = pl.DataFrame({
        "unique_id": [1, 2, 3],
        "business_id": [7, 7, 8],
        "decision": ["link", "link", "link"],
        "match_probability": [0.97, 0.99, 0.99],
    })

    decided = services._one_row_per_business(result, already_matched={8})

    assert decided.get_column("decision").to_list() == ["review", "link", "review"]


def test_submit_command_reports_held_rows(tmp_path, registered, linkage_model):
    path = write_csv(tmp_path / "incoming.csv", [NEAR_DUPLICATE])
    output = io.StringIO()

    call_command("submit", str(path), "--producer", "dinas-kumkm-bandung", "--accept", "--operator",
                 "walidata", "--json", stdout=output)

    assert json.loads(output.getvalue())["held_for_review"] == 1


def test_second_decision_shows_error(client, tmp_path, producer_bandung, registered,
                                                     linkage_model, walidata):
    _submission, item = _held(tmp_path, producer_bandung)
    sign_in_verified(client, walidata)
    client.post(f"/linkage/review/{item.pk}/", {"decision": "link"})

    response = client.post(f"/linkage/review/{item.pk}/", {"decision": "separate"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "was already decided" in response.content.decode()
    assert Business.objects.count() == 1
