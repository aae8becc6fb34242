"""Submissions of records (API pushes, enumerator entry) on screens and in error reports: named
by where the records came from, and their errors by record number in record wording."""

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.utils import translation

from satudata.accounts.models import User
from satudata.accounts.testing import sign_in_verified
from satudata.producers.tokens import create_token
from satudata.submissions import procedure, reports, services
from satudata.submissions.models import Submission
from satudata.submissions.tests.test_api import record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Activate English for the test, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


def _records_submission(producer, channel: str, records: list[dict]) -> Submission:
    submission = services.open_draft(producer=producer, channel=channel, name="api-records.csv", reference_year=2025)
    services.add_records(submission, records)
    services.records_to_file(submission)
    return procedure.submit(submission, background=False)


@pytest.fixture
def pushed(producer_bandung) -> Submission:
    """Three records pushed through the API: a valid one, one without a business name, and one
    that repeats the first's NIB."""
    records = [record(1), record(2, business_name=None), record(3, nib=record(1)["nib"])]
    return _records_submission(producer_bandung, Submission.Channel.API, records)


@pytest.fixture
def bandung_client(client):
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    return client


def test_api_errors_name_records(pushed, producer_bandung):
    system = Client()
    token = create_token(producer_bandung, name="simumkm")[1]

    response = system.get(f"/api/v1/submissions/{pushed.pk}/errors", {"language": "en"},
                          HTTP_AUTHORIZATION=f"Bearer {token}")

    items = {(e["record"], e["field"]): e for e in response.json()["items"]}
    assert set(items) == {(2, "business_name"), (3, "nib")}
    assert items[(2, "business_name")]["message"] == "Business name is required. Fill it in."
    assert items[(3, "nib")]["message"].startswith("This business already appears in record 1 of the same submission")
    for item in items.values():
        assert "row" not in item["message"].lower()
        assert "cell" not in item["message"].lower()


def test_detail_page_shows_records_by_number(pushed, bandung_client):
    page = bandung_client.get(f"/submissions/{pushed.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Data from the API, 3 records" in page
    assert pushed.original_name not in page
    assert '<th class="num">Record</th><th>Field</th>' in page
    assert '<td class="num">2</td><td>Business name</td>' in page


def test_list_and_overview_show_display_name(pushed, bandung_client, client):
    listed = bandung_client.get("/submissions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    sign_in_verified(client, User.objects.get(username="walidata"))
    overview = client.get("/submissions/overview/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Data from the API, 3 records" in listed
    assert "Data from the API, 3 records" in overview
    assert pushed.original_name not in listed + overview


def test_enumerator_entry_named_by_channel(producer_bandung):
    entered = _records_submission(producer_bandung, Submission.Channel.FORM, [record(1)])

    assert entered.display_name == "Enumerator entry, 1 record"
    assert entered.raw_path.exists()


def test_uploaded_file_keeps_its_name_and_rows(tmp_path, producer_bandung):
    from satudata.submissions.tests.factories import rows_with, submit, write_csv

    uploaded = submit(write_csv(tmp_path / "kiriman.csv", rows_with({}, {"NIB": "12"})), producer_bandung,
                      compile_rows=False)

    errors = reports.row_errors(uploaded)
    assert uploaded.display_name == "kiriman.csv"
    assert [(e.number, e.record, e.place) for e in errors] == [(3, None, "NIB")]


def test_error_csv_and_workbook_number_records(pushed):
    rows = list(csv.reader(io.StringIO(reports.errors_csv(pushed).decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(reports.errors_xlsx(pushed))).worksheets[0]

    assert rows[0][0] == "Record"
    assert sorted(int(row[0]) for row in rows[1:]) == [2, 3]
    assert sheet.cell(1, 1).value == "Record"
    assert [sheet.cell(r, 1).value for r in (2, 3)] == [2, 3]


def test_corrected_workbook_of_records_replaces_right_record(pushed):
    walidata = User.objects.get(username="walidata")
    procedure.return_to_producer(pushed, actor=walidata, reason="Nama usaha kosong")
    book = openpyxl.load_workbook(io.BytesIO(reports.errors_xlsx(pushed)))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(2, headers.index("business_name") + 1, "Warung Siti 2")
    sheet.cell(3, headers.index("nib") + 1, "1234567890999")
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)

    saved = procedure.corrections_from_file(pushed, upload, "koreksi.xlsx")
    procedure.resubmit(pushed)
    pushed.refresh_from_db()

    assert saved == 2
    assert sorted(pushed.corrections.values_list("row_number", flat=True)) == [3, 4]
    assert (pushed.state, pushed.rows_accepted, pushed.rows_rejected) == ("checked", 3, 0)
