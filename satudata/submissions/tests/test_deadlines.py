"""Deadlines of the procedure on the Indonesian calendar, and the notice of a late step."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from satudata.accounts.models import User
from satudata.submissions import procedure
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import rows_with, submit, write_csv

pytestmark = pytest.mark.django_db


def _at(monkeypatch, day: dt.date) -> None:
    """Make the procedure's clock read ``day`` at 10:00 in Jakarta."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def checked(tmp_path, producer_bandung) -> Submission:
    path = write_csv(tmp_path / "deadline.csv", rows_with({}, {"NIB": "12"}))
    return submit(path, producer_bandung, compile_rows=False)


def test_return_due_date_skips_cuti_bersama_and_christmas(monkeypatch, checked):
    # Wednesday 23 December 2026; 24 December is cuti bersama and 25 December Christmas (SKB 3
    # Menteri 2026), 26–27 a weekend, so the 3 working days are 28, 29 and 30 December.
    _at(monkeypatch, dt.date(2026, 12, 23))
    returned = procedure.return_to_producer(checked, actor=User.objects.get(username="walidata"), reason="NIB")
    assert returned.due_on == dt.date(2026, 12, 30)


def test_checking_due_date_skips_ascension_and_cuti_bersama(monkeypatch, tmp_path, producer_bandung):
    # Wednesday 13 May 2026; 14 May is Ascension Day and 15 May cuti bersama, 16–17 a weekend,
    # so the walidata's 3 working days for checking are 18, 19 and 20 May.
    _at(monkeypatch, dt.date(2026, 5, 13))
    submission = submit(write_csv(tmp_path / "may.csv", rows_with({})), producer_bandung, compile_rows=False)
    assert submission.state == "checked"
    assert submission.due_on == dt.date(2026, 5, 20)


def test_overdue_step_is_mailed_once(checked, settings):
    settings.SATUDATA_WALIDATA_EMAIL = "walidata@example.test"
    mail.outbox.clear()
    late_day = checked.due_on + dt.timedelta(days=14)
    first = procedure.notify_overdue(late_day)
    second = procedure.notify_overdue(late_day + dt.timedelta(days=1))
    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["walidata@example.test"]
    assert f"{checked.pk}" in mail.outbox[0].body


def test_step_on_time_is_not_mailed(checked, settings):
    settings.SATUDATA_WALIDATA_EMAIL = "walidata@example.test"
    mail.outbox.clear()
    assert procedure.notify_overdue(checked.due_on) == 0
    assert mail.outbox == []


def test_next_late_step_is_mailed_again(checked, settings, producer_bandung):
    settings.SATUDATA_WALIDATA_EMAIL = "walidata@example.test"
    producer_bandung.email = "dinas@example.test"
    producer_bandung.save(update_fields=["email"])
    procedure.notify_overdue(checked.due_on + dt.timedelta(days=14))
    returned = procedure.return_to_producer(checked, actor=User.objects.get(username="walidata"), reason="NIB")
    mail.outbox.clear()
    procedure.notify_overdue(returned.due_on + dt.timedelta(days=14))
    assert sorted(m.to[0] for m in mail.outbox) == ["dinas@example.test", "walidata@example.test"]
    assert all(str(returned.pk) in m.body for m in mail.outbox)
