"""The 'satudata submission' command: one submission with its history, and filtered lists."""

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from satudata.accounts.models import User
from satudata.registry.models import Business
from satudata.submissions import procedure, tasks
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import rows_with, submit, write_csv

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def returned(tmp_path, producer_bandung) -> Submission:
    path = write_csv(tmp_path / "returned.csv", rows_with({}, {"NIB": "12"}))
    submission = submit(path, producer_bandung, compile_rows=False)
    return procedure.return_to_producer(submission, actor=User.objects.get(username="walidata"),
                                        reason="NIB baris 3 salah")


def test_submission_show_json_has_file_counts_and_events(returned):
    shown = json.loads(_run("submission", "show", str(returned.pk), "--json"))
    assert shown["state"] == "returned"
    assert shown["producer"] == "dinas-kumkm-bandung"
    assert shown["sha256"] == returned.sha256
    assert (shown["rows_read"], shown["rows_accepted"], shown["rows_rejected"]) == (2, 1, 1)
    assert [e["to"] for e in shown["events"]] == ["submitted", "validating", "checked", "returned"]
    assert shown["events"][-1]["by"] == "walidata"
    assert shown["events"][-1]["reason"] == "NIB baris 3 salah"
    assert shown["due_on"] == returned.due_on.isoformat()
    assert shown["events"][-1]["due_on"] == returned.due_on.isoformat()


def test_submission_show_text_names_reason_and_deadline(returned):
    output = _run("submission", "show", str(returned.pk), "--language", "en")
    assert "Returned to the producer" in output
    assert "Reason: NIB baris 3 salah" in output
    assert f"due on {returned.due_on.isoformat()}" in output
    assert returned.sha256 in output


def test_submission_show_unknown_id_is_clear_error():
    with pytest.raises(CommandError, match="999999"):
        _run("submission", "show", "999999")


def test_submission_list_filters_by_state_and_producer(returned, tmp_path, producer_jabar):
    other = submit(write_csv(tmp_path / "jabar.csv", rows_with({})), producer_jabar)
    by_state = json.loads(_run("submission", "list", "--state", "returned", "--json"))
    by_producer = json.loads(_run("submission", "list", "--producer", "dinas-kukm-jabar", "--json"))
    assert [s["id"] for s in by_state] == [returned.pk]
    assert [s["id"] for s in by_producer] == [other.pk]


def test_submission_list_overdue_only_late_steps(returned, tmp_path, producer_bandung):
    submit(write_csv(tmp_path / "on-time.csv", rows_with({})), producer_bandung, compile_rows=False)
    Submission.objects.filter(pk=returned.pk).update(due_on=dt.date(2020, 1, 2))
    late = json.loads(_run("submission", "list", "--overdue", "--json"))
    assert [s["id"] for s in late] == [returned.pk]
    assert late[0]["days_overdue"] > 0


def test_submission_list_text_shows_overdue_flag(returned):
    Submission.objects.filter(pk=returned.pk).update(due_on=dt.date(2020, 1, 2))
    output = _run("submission", "list", "--overdue", "--language", "en")
    assert "overdue" in output
    assert returned.original_name in output


def test_same_file_twice_is_detected_and_explained(tmp_path):
    path = write_csv(tmp_path / "twice.csv", rows_with({}, {}))
    first = json.loads(_run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--json",
                            "--accept", "--operator", "walidata"))
    again = _run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--language", "en",
                 "--accept", "--operator", "walidata")
    second = Submission.objects.exclude(pk=first["submission"]).get(sha256=first["sha256"])
    shown = json.loads(_run("submission", "show", str(second.pk), "--json"))
    assert first["same_file_as"] is None
    assert f"identical to submission {first['submission']}" in again
    assert shown["same_file_as"] == first["submission"]
    assert (second.businesses_created, second.businesses_updated) == (0, 0)
    assert Business.objects.filter(last_submission__in=[first["submission"], second.pk]).count() == 2


def test_same_file_of_another_producer_is_not_flagged(tmp_path):
    path = write_csv(tmp_path / "shared.csv", rows_with({}))
    _run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--json")
    other = json.loads(_run("submit", str(path), "--producer", "dinas-kukm-jabar", "--json"))
    assert other["same_file_as"] is None


def test_resume_queues_only_interrupted_compilations(tmp_path, producer_bandung, monkeypatch):
    waiting = submit(write_csv(tmp_path / "a.csv", rows_with({})), producer_bandung, compile_rows=False)
    interrupted = submit(write_csv(tmp_path / "b.csv", rows_with({"NIB": "9876543210987"})), producer_bandung,
                         compile_rows=False)
    Submission.objects.filter(pk__in=[waiting.pk, interrupted.pk]).update(state="accepted")
    Submission.objects.filter(pk=interrupted.pk).update(progress={"stage": "compiling", "done": 0, "total": 1})
    # The compilation job of the one not started still waits in the queue.
    monkeypatch.setattr(tasks, "queued_jobs", lambda: (set(), {waiting.pk}))
    queued: list[int] = []
    monkeypatch.setattr(tasks, "enqueue_compilation", queued.append)
    resumed = procedure.resume_interrupted()
    output = _run("submission", "show", str(interrupted.pk), "--language", "en")
    assert resumed == [interrupted.pk]
    assert queued == [interrupted.pk]
    assert "Compilation started at" in output


def test_show_history_uses_state_labels(returned, monkeypatch):
    # Replaces the catalog, so the test checks that the system's name is translated.
    monkeypatch.setattr("satudata.submissions.models.pgettext", lambda context, text: f"<{text}>")
    output = _run("submission", "show", str(returned.pk), "--language", "en")
    history = output.split("History:")[1]
    assert "Draft → Submitted · <system>" in history
    assert "Submitted → Validating · <system>" in history
    assert "Checked, awaiting the walidata → Returned to the producer · walidata" in history
    assert " validating " not in history
    shown = json.loads(_run("submission", "show", str(returned.pk), "--json"))
    # The JSON keeps the stored codes and the actor as stored, for scripts.
    assert [(e["from"], e["to"], e["by"]) for e in shown["events"]][:2] == [
        ("draft", "submitted", "system"), ("submitted", "validating", "system")]


def test_list_text_uses_state_labels(returned):
    output = _run("submission", "list", "--language", "en")
    assert "Returned to the producer" in output
    assert re.search(r"\breturned\s", output) is None
    assert json.loads(_run("submission", "list", "--json"))[0]["state"] == "returned"


def test_show_counts_unchanged_businesses(tmp_path):
    path = write_csv(tmp_path / "again.csv", rows_with({}, {}))
    for _ in range(2):
        result = json.loads(_run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--json",
                                 "--accept", "--operator", "walidata"))
    output = _run("submission", "show", str(result["submission"]), "--language", "en")
    assert "New businesses: 0   updated businesses: 0   unchanged: 2" in output
