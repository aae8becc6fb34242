"""A producer's own system through the submission API, end to end: push, retry, status, errors,
correction after return, and what a token may and may not reach."""

import json

import pytest
from django.test import Client

from satudata.accounts.models import User
from satudata.producers.models import ApiToken
from satudata.producers.tokens import create_token, revoke_token
from satudata.registry.models import Business
from satudata.submissions import procedure
from satudata.submissions.models import Submission, SubmissionRecord

pytestmark = pytest.mark.django_db
BASE = "/api/v1/submissions/"


def record(number: int, **changes) -> dict:
    """A valid record of the data standard, a distinct business per number."""
    values = {
        "owner_nik": "3273015203900001", "owner_name": "Siti Aminah", "owner_sex": "P",
        "owner_birth_date": "12/03/1990", "nib": f"{1234567890123 + number}",
        "business_name": f"Warung Siti {number}", "kbli": "56103", "business_address": "Jl. Sukajadi No. 5",
        "business_village_code": "32.73.01.1001", "reference_year": "2025", "capital": "15000000",
        "annual_sales": "120000000", "business_scale": "Mikro", "workers_total": "2",
    }
    values.update(changes)
    return values


class ProducerSystem:
    """A producer's system calling the API with its token."""

    def __init__(self, secret: str):
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def post(self, path: str, body: dict, key: str | None = None):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return self.client.post(BASE + path, json.dumps(body), content_type="application/json",
                                **self.auth, **headers)

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, **self.auth)


@pytest.fixture
def bandung(producer_bandung) -> ProducerSystem:
    return ProducerSystem(create_token(producer_bandung, name="simumkm")[1])


@pytest.fixture
def jabar(producer_jabar) -> ProducerSystem:
    return ProducerSystem(create_token(producer_jabar, name="sidt-jabar")[1])


def _open(system: ProducerSystem) -> int:
    response = system.post("", {"reference_year": 2025, "name": "batch"})
    assert response.status_code == 201
    return response.json()["id"]


def _submit(system: ProducerSystem, submission_id: int) -> dict:
    response = system.post(f"{submission_id}/submit", {})
    assert response.status_code == 200
    return response.json()


def test_push_in_batches_then_submit_is_checked(bandung):
    submission_id = _open(bandung)
    first = bandung.post(f"{submission_id}/records", {"records": [record(1), record(2)]}, key="batch-1")
    second = bandung.post(f"{submission_id}/records", {"records": [record(3)]}, key="batch-2")
    status = _submit(bandung, submission_id)
    assert first.json() == {"submission": submission_id, "received": 2, "total": 2}
    assert second.json()["total"] == 3
    assert status["state"] == "checked"
    assert (status["rows_read"], status["rows_accepted"], status["rows_rejected"]) == (3, 3, 0)


def test_retried_push_with_same_key_adds_nothing(bandung):
    submission_id = _open(bandung)
    body = {"records": [record(1), record(2)]}
    first = bandung.post(f"{submission_id}/records", body, key="retry-me")
    again = bandung.post(f"{submission_id}/records", body, key="retry-me")
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert SubmissionRecord.objects.filter(submission_id=submission_id).count() == 2


def test_pushed_records_are_audited_once(bandung):
    from satudata.audit.models import Action, AuditEntry

    submission_id = _open(bandung)
    body = {"records": [record(1), record(2)]}
    bandung.post(f"{submission_id}/records", body, key="audit-1")
    bandung.post(f"{submission_id}/records", body, key="audit-1")

    entries = AuditEntry.objects.filter(action=Action.DRAFT_RECORDS_CHANGED, object_id=str(submission_id))
    assert [e.data for e in entries] == [{"added": 2, "first": 1, "last": 2}]


def test_retried_open_with_same_key_returns_same_draft(bandung):
    first = bandung.post("", {"reference_year": 2025}, key="open-1")
    again = bandung.post("", {"reference_year": 2025}, key="open-1")
    assert again.json()["id"] == first.json()["id"]
    assert Submission.objects.filter(channel=Submission.Channel.API).count() == 1


def test_same_key_with_different_body_is_refused(bandung):
    submission_id = _open(bandung)
    bandung.post(f"{submission_id}/records", {"records": [record(1)]}, key="key-a")
    reused = bandung.post(f"{submission_id}/records", {"records": [record(2)]}, key="key-a")
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency.key_reused"
    assert "key-a" in reused.json()["message"]
    assert SubmissionRecord.objects.filter(submission_id=submission_id).count() == 1


def test_errors_name_record_field_value_and_code(bandung):
    submission_id = _open(bandung)
    bandung.post(f"{submission_id}/records", {"records": [record(1), record(2, nib="12"), record(3)]})
    status = _submit(bandung, submission_id)
    errors = bandung.get(f"{submission_id}/errors", language="en").json()
    assert status["errors_by_field"] == {"nib": {"nib.format": 1}}
    assert errors["total"] == 1
    assert [(e["record"], e["field"], e["value"], e["code"]) for e in errors["items"]] == [
        (2, "nib", "12", "nib.format")]
    assert "13 digits" in errors["items"][0]["message"]


def test_status_is_pulled_by_id_and_listed(bandung):
    submission_id = _open(bandung)
    listed = bandung.get("").json()
    one = bandung.get(f"{submission_id}").json()
    assert [s["id"] for s in listed] == [submission_id]
    assert (one["state"], one["producer"], one["channel"]) == ("draft", "dinas-kumkm-bandung", "api")


def test_returned_submission_corrected_and_resubmitted(bandung):
    submission_id = _open(bandung)
    bandung.post(f"{submission_id}/records", {"records": [record(1), record(2, nib="12")]})
    _submit(bandung, submission_id)
    walidata = User.objects.get(username="walidata")
    procedure.return_to_producer(Submission.objects.get(pk=submission_id), actor=walidata, reason="NIB salah")
    returned = bandung.get(f"{submission_id}").json()

    corrected = bandung.post(f"{submission_id}/corrections",
                             {"corrections": [{"record": 2, "values": record(2)}]}, key="fix-1")
    resubmitted = bandung.post(f"{submission_id}/resubmit", {}, key="resubmit-1")

    assert returned["state"] == "returned"
    assert corrected.json() == {"submission": submission_id, "saved": 1, "corrected": 1, "to_correct": 1}
    assert resubmitted.status_code == 200
    assert resubmitted.json()["state"] == "checked"
    assert resubmitted.json()["round"] == 2
    assert (resubmitted.json()["rows_accepted"], resubmitted.json()["rows_rejected"]) == (2, 0)


def test_accepted_after_resubmission_compiles_every_record(bandung):
    submission_id = _open(bandung)
    bandung.post(f"{submission_id}/records", {"records": [record(1), record(2, nib="12")]})
    _submit(bandung, submission_id)
    walidata = User.objects.get(username="walidata")
    procedure.return_to_producer(Submission.objects.get(pk=submission_id), actor=walidata, reason="NIB salah")
    bandung.post(f"{submission_id}/corrections", {"corrections": [{"record": 2, "values": record(2)}]})
    bandung.post(f"{submission_id}/resubmit", {})
    procedure.accept(Submission.objects.get(pk=submission_id), actor=walidata, background=False)
    status = bandung.get(f"{submission_id}").json()
    assert status["state"] == "compiled"
    assert status["businesses_created"] == 2
    assert Business.objects.filter(nib__in=[record(1)["nib"], record(2)["nib"]]).count() == 2


def test_correction_of_record_not_returned_is_refused(bandung):
    submission_id = _open(bandung)
    bandung.post(f"{submission_id}/records", {"records": [record(1), record(2, nib="12")]})
    _submit(bandung, submission_id)
    procedure.return_to_producer(Submission.objects.get(pk=submission_id),
                                 actor=User.objects.get(username="walidata"), reason="NIB salah")
    response = bandung.post(f"{submission_id}/corrections", {"corrections": [{"record": 1, "values": record(1)}]})
    assert response.status_code == 400
    assert response.json()["code"] == "submission.procedure"


def test_resubmit_without_corrections_is_refused(bandung):
    submission_id = _open(bandung)
    bandung.post(f"{submission_id}/records", {"records": [record(1), record(2, nib="12")]})
    _submit(bandung, submission_id)
    procedure.return_to_producer(Submission.objects.get(pk=submission_id),
                                 actor=User.objects.get(username="walidata"), reason="NIB salah")
    response = bandung.post(f"{submission_id}/resubmit", {})
    assert response.status_code == 400
    assert Submission.objects.get(pk=submission_id).state == "returned"


def test_revoked_token_gets_401(producer_bandung):
    token, secret = create_token(producer_bandung)
    system = ProducerSystem(secret)
    before = system.get("")
    revoke_token(token)
    assert before.status_code == 200
    assert system.get("").status_code == 401


def test_expired_token_gets_401(producer_bandung):
    token, secret = create_token(producer_bandung, expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at)
    assert ProducerSystem(secret).get("").status_code == 401


def test_unknown_token_gets_401():
    assert ProducerSystem("sdu_00000000_not-a-token").get("").status_code == 401


def test_other_producers_submission_is_not_found(bandung, jabar):
    submission_id = _open(jabar)
    jabar.post(f"{submission_id}/records", {"records": [record(1)]})
    responses = [
        bandung.get(f"{submission_id}"),
        bandung.get(f"{submission_id}/errors"),
        bandung.post(f"{submission_id}/records", {"records": [record(2)]}),
        bandung.post(f"{submission_id}/submit", {}),
        bandung.post(f"{submission_id}/corrections", {"corrections": [{"record": 1, "values": record(1)}]}),
        bandung.post(f"{submission_id}/resubmit", {}),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert all("jabar" not in r.content.decode() for r in responses)
    assert bandung.get("").json() == []
    assert SubmissionRecord.objects.filter(submission_id=submission_id).count() == 1


def test_openapi_document_lists_submission_endpoints(bandung):
    document = Client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert set(paths) >= {
        "/api/v1/submissions/", "/api/v1/submissions/{submission_id}",
        "/api/v1/submissions/{submission_id}/records", "/api/v1/submissions/{submission_id}/submit",
        "/api/v1/submissions/{submission_id}/errors", "/api/v1/submissions/{submission_id}/corrections",
        "/api/v1/submissions/{submission_id}/resubmit",
    }
    assert "post" in paths["/api/v1/submissions/{submission_id}/corrections"]


def test_repeated_records_flagged_as_same_file(bandung):
    ids = []
    for _attempt in range(2):
        submission_id = _open(bandung)
        bandung.post(f"{submission_id}/records", {"records": [record(1), record(2)]})
        _submit(bandung, submission_id)
        ids.append(submission_id)
    assert bandung.get(f"{ids[0]}").json()["same_file_as"] is None
    assert bandung.get(f"{ids[1]}").json()["same_file_as"] == ids[0]


def test_token_reads_standard_and_code_lists(bandung):
    schema = bandung.client.get("/api/v1/standards/umkm-1/table-schema", **bandung.auth)
    assert schema.status_code == 200
    assert "owner_nik" in {field["name"] for field in schema.json()["fields"]}
    editions = bandung.client.get("/api/v1/reference/code-lists/region/editions", **bandung.auth)
    assert editions.status_code == 200


def test_push_with_unknown_field_is_rejected(bandung):
    submission_id = _open(bandung)
    response = bandung.post(f"{submission_id}/records", {"records": [record(1), {**record(2), "nama_usaha": "X"}]})
    assert response.status_code == 422
    assert "nama_usaha" in response.json()["message"]
    status = bandung.get(f"{submission_id}").json()
    assert status["records"] == 0


def test_push_after_submit_is_conflict(bandung):
    submission_id = _open(bandung)
    bandung.post(f"{submission_id}/records", {"records": [record(1)]})
    _submit(bandung, submission_id)
    response = bandung.post(f"{submission_id}/records", {"records": [record(2)]})
    assert response.status_code == 409
    assert response.json()["code"] == "submission.wrong_state"
