"""The dashboard's inbox for producers and the walidata's link to the deliveries overview."""

import datetime as dt

import pytest
from django.urls import reverse

from satudata.accounts.models import User
from satudata.accounts.testing import sign_in_verified
from satudata.submissions import procedure
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import rows_with, submit, write_csv

pytestmark = pytest.mark.django_db


def _home(client, username: str, language: str = "en") -> str:
    sign_in_verified(client, User.objects.get(username=username))
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def returned(tmp_path, producer_bandung) -> Submission:
    path = write_csv(tmp_path / "inbox.csv", rows_with({}, {"NIB": "12"}))
    submission = submit(path, producer_bandung, compile_rows=False)
    return procedure.return_to_producer(submission, actor=User.objects.get(username="walidata"),
                                        reason="NIB baris 3 salah")


def test_producer_inbox_lists_returned_submission(client, returned):
    page = _home(client, "produsen-bandung")
    assert reverse("submissions:corrections", args=[returned.pk]) in page
    assert f"Submission {returned.pk} (inbox.csv) was returned for correction." in page
    assert "NIB baris 3 salah" in page


def test_producer_inbox_marks_late_correction(client, returned):
    Submission.objects.filter(pk=returned.pk).update(due_on=dt.date(2026, 1, 5))
    page = _home(client, "produsen-bandung")
    assert "working days overdue" in page


def test_producer_inbox_lists_overdue_step(client, tmp_path, producer_bandung):
    submission = submit(write_csv(tmp_path / "late.csv", rows_with({})), producer_bandung, compile_rows=False)
    Submission.objects.filter(pk=submission.pk).update(due_on=dt.date(2026, 1, 5))
    page = _home(client, "produsen-bandung")
    assert reverse("submissions:detail", args=[submission.pk]) in page
    assert "checking against the standard and metadata was due on" in page


def test_producer_inbox_is_empty_without_work(client):
    page = _home(client, "produsen-bandung")
    assert "Nothing waits for you" in page


def test_inbox_leaves_out_other_producers(client, returned):
    page = _home(client, "produsen-jabar")
    assert "was returned for correction" not in page
    assert reverse("submissions:corrections", args=[returned.pk]) not in page


def test_inbox_renders_in_indonesian(client, returned):
    english = _home(client, "produsen-bandung", "en")
    indonesian = _home(client, "produsen-bandung", "id")
    assert "NIB baris 3 salah" in indonesian
    assert indonesian != english


def test_walidata_menu_links_to_overview(client):
    page = _home(client, "walidata")
    assert f'href="{reverse("submissions:overview")}"' in page


def test_producer_menu_has_no_overview_link(client):
    page = _home(client, "produsen-bandung")
    assert f'href="{reverse("submissions:overview")}"' not in page
