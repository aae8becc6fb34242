"""What the worker finds to do again when it starts: validations stopped midway, and jobs that a
stopped worker took from the queue and never ran. The queue here keeps its jobs until the test
runs them, as the worker's queue does. test_processes.py does the same with real processes."""

import io

import openpyxl
import polars as pl
import pytest
from django.core.management import call_command
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from satudata.accounts.models import User
from satudata.audit.models import Action, AuditEntry
from satudata.submissions import procedure, reports, services, tasks
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import rows_with, write_csv
from satudata.submissions.workflow import move

pytestmark = pytest.mark.django_db
State = Submission.State


@pytest.fixture
def queue(monkeypatch):
    """The job queue, keeping jobs for a worker instead of running them in the caller."""
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", MemoryStorage("satudata-test"))
    return HUEY


def _run_queued(queue) -> list[tuple[str, int]]:
    """Take every job from the queue and run it, as a worker does, and return what ran."""
    wrappers = {tasks.validate_submission.task_class: tasks.validate_submission,
                tasks.compile_submission.task_class: tasks.compile_submission}
    ran = []
    while (task := queue.dequeue()) is not None:
        wrapper = wrappers[type(task)]
        wrapper.call_local(*task.args)
        ran.append((type(task).__name__, task.args[0]))
    return ran


def _received(tmp_path, producer, name: str, rows: list[dict]) -> Submission:
    path = write_csv(tmp_path / name, rows)
    with open(path, "rb") as source:
        submission = services.receive_file(producer=producer, source=source, original_name=name,
                                           channel=Submission.Channel.CLI, reference_year=2025)
    services.inspect(submission)
    return submission


def _outputs(submission: Submission) -> dict:
    """What a validation leaves, without what differs between two submissions of the same file."""
    submission.refresh_from_db()
    rejected = submission.folder / "rejected.parquet"
    return {
        "state": submission.state,
        "counts": (submission.rows_read, submission.rows_accepted, submission.rows_rejected),
        "summary": {k: v for k, v in submission.summary.items() if k not in ("seconds", "same_file_as")},
        "checklist": submission.checklist,
        "events": list(submission.events.values_list("to_state", flat=True)),
        "validated_entries": AuditEntry.objects.filter(action=Action.SUBMISSION_VALIDATED,
                                                       object_id=str(submission.pk)).count(),
        "errors": services.error_frame(submission).to_dicts(),
        "valid": services.valid_rows(submission).collect().to_dicts(),
        "parts": sorted(p.name for p in submission.valid_folder.iterdir()),
        "rejected": pl.read_parquet(rejected).to_dicts() if rejected.exists() else None,
    }


def test_stopped_validation_ends_as_uninterrupted(tmp_path, producer_bandung, queue,
                                                   django_capture_on_commit_callbacks):
    rows = rows_with({}, {"NIB": "12"}, {})
    # given: an uninterrupted validation of the file
    reference = _received(tmp_path, producer_bandung, "reference.csv", rows)
    procedure.submit(reference, background=False)
    # and: the same file whose worker was killed while validating it, leaving part of its output
    stopped = _received(tmp_path, producer_bandung, "stopped.csv", rows)
    move(stopped, State.SUBMITTED)
    move(stopped, State.VALIDATING)
    stopped.valid_folder.mkdir(parents=True)
    pl.DataFrame({"__row": [2]}).write_parquet(stopped.valid_folder / "part-00000.parquet")
    pl.DataFrame({"__row": [9]}).write_parquet(stopped.valid_folder / "part-00001.parquet")
    (stopped.folder / "rejected.parquet").write_bytes(b"PAR1 cut short")

    show_output = io.StringIO()
    call_command("submission", "show", str(stopped.pk), "--language", "en", stdout=show_output)

    # when: the worker starts again and runs what it queued
    with django_capture_on_commit_callbacks(execute=True):
        resumed = procedure.resume_interrupted()
    ran = _run_queued(queue)

    # then: the operator could see that it was interrupted. The validation ran once more and left
    # what the uninterrupted one left.
    assert "Validation started at" in show_output.getvalue()
    assert resumed == [stopped.pk]
    assert ran == [("validate_submission", stopped.pk)]
    assert _outputs(stopped) == _outputs(reference)
    assert _outputs(stopped)["state"] == State.CHECKED
    assert _outputs(stopped)["events"] == ["submitted", "validating", "checked"]


def test_clean_resubmission_drops_earlier_rejected_rows(tmp_path, producer_bandung):
    # given: a returned submission with one rejected row
    submission = _received(tmp_path, producer_bandung, "round.csv", rows_with({}, {"NIB": "12"}))
    procedure.submit(submission, background=False)
    procedure.return_to_producer(submission, actor=User.objects.get(username="walidata"), reason="NIB")
    row = procedure.rows_to_correct(submission)[0]
    corrected = {**procedure.original_rows(submission, [row])[row], "nib": "1234567890999"}

    # when: the row is corrected and the submission resubmitted
    procedure.save_corrections(submission, {row: corrected})
    procedure.resubmit(submission)
    submission.refresh_from_db()

    # then: nothing is rejected, and the error report lists no row of the first round
    sheet = openpyxl.load_workbook(io.BytesIO(reports.errors_xlsx(submission))).worksheets[0]
    assert (submission.state, submission.rows_rejected) == (State.CHECKED, 0)
    assert not (submission.folder / "rejected.parquet").exists()
    assert sheet.max_row == 1


def test_lost_jobs_queued_once(tmp_path, producer_bandung, queue, django_capture_on_commit_callbacks):
    walidata = User.objects.get(username="walidata")
    # given: a submission waiting for its compilation and one waiting for its validation
    accepted = _received(tmp_path, producer_bandung, "accepted.csv", rows_with({"NIB": "9876543210987"}))
    submitted = _received(tmp_path, producer_bandung, "submitted.csv", rows_with({}))
    with django_capture_on_commit_callbacks(execute=True):
        procedure.submit(accepted)
    _run_queued(queue)
    accepted.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        procedure.accept(accepted, actor=walidata)
        procedure.submit(submitted)
    # and: a worker took both jobs from the queue and was killed before it started either
    taken_jobs = [queue.dequeue(), queue.dequeue()]
    assert None not in taken_jobs
    assert queue.dequeue() is None

    # when: the worker starts, and starts again before running anything
    with django_capture_on_commit_callbacks(execute=True):
        first = procedure.resume_interrupted()
    with django_capture_on_commit_callbacks(execute=True):
        second = procedure.resume_interrupted()
    ran = _run_queued(queue)

    # then: each lost job is queued once and runs once
    assert first == sorted([accepted.pk, submitted.pk])
    assert second == []
    assert sorted(ran) == [("compile_submission", accepted.pk), ("validate_submission", submitted.pk)]
    submitted.refresh_from_db()
    accepted.refresh_from_db()
    assert (submitted.state, accepted.state) == (State.CHECKED, State.COMPILED)
    assert accepted.businesses_created == 1


def test_queued_jobs_not_queued_again(tmp_path, producer_bandung, queue, django_capture_on_commit_callbacks):
    # given: a submission whose validation job waits in the queue for a worker
    submission = _received(tmp_path, producer_bandung, "waiting.csv", rows_with({}))
    with django_capture_on_commit_callbacks(execute=True):
        procedure.submit(submission)

    # when: the worker starts
    with django_capture_on_commit_callbacks(execute=True):
        resumed = procedure.resume_interrupted()

    # then: the job is left where it is, and runs once
    assert resumed == []
    assert _run_queued(queue) == [("validate_submission", submission.pk)]


def test_arrow_parts_of_earlier_releases_read(tmp_path, producer_bandung):
    submission = _received(tmp_path, producer_bandung, "parts.csv", rows_with({}, {"NIB": "12345"}, {}))
    services.validate(submission, services.inspect(submission).mapping)
    expected = services.valid_rows(submission).collect().sort("__row")
    assert expected.get_column("__row").to_list() == [2, 4]

    # Releases before Parquet staging left one Arrow IPC file per batch.
    for part in submission.valid_folder.glob("part-*.parquet"):
        pl.read_parquet(part).write_ipc(part.with_suffix(".arrow"), compression="lz4")
        part.unlink()

    assert services.valid_rows(submission).collect().sort("__row").equals(expected)
