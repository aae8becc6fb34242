"""Validation and compilation in real processes, on a separate installation made with 'satudata
init --demo'.

The cases are:
- a worker killed with SIGKILL in the middle of a validation or a compilation;
- a worker started while another process validates;
- jobs that a worker took from the queue and stopped before running;
- two compilations at once.

The installation uses the database the tests run on: SQLite in its own SATUDATA_HOME, or, when
DATABASE_URL is set, a PostgreSQL database of its own that is created and dropped here. The
pytest database cannot serve, because the processes must see each other's committed rows.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import polars as pl
import pytest

from satudata.synthetic.sidt import generate_sidt

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("processes")]

# Large enough that compiling takes a few seconds, so the worker can be killed in the middle.
KILLED_ROWS = 100_000
# Three batches of validation, so the worker can be killed after it has written the first.
KILLED_VALIDATION_ROWS = 300_000
CONCURRENT_ROWS = 2_000
DJANGO_SETUP = (
    "import os, django\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'satudata.settings')\n"
    "django.setup()\n"
)
PREPARE = DJANGO_SETUP + """
import json, sys
from satudata.accounts.models import User
from satudata.producers.models import Producer
from satudata.submissions import procedure, services
from satudata.submissions.models import Submission

path, producer_code = sys.argv[1], sys.argv[2]
with open(path, "rb") as source:
    submission = services.receive_file(producer=Producer.objects.get(code=producer_code), source=source,
                                       original_name=path.rsplit("/", 1)[-1], channel=Submission.Channel.CLI,
                                       reference_year=2025)
services.inspect(submission)
procedure.submit(submission, background=False)
# Queued for the worker, which is not running yet.
procedure.accept(submission, actor=User.objects.get(username="walidata"), background=True)
submission.refresh_from_db()
print(json.dumps({"id": submission.pk, "state": submission.state, "accepted": submission.rows_accepted}))
"""
SUBMIT = DJANGO_SETUP + """
import json, sys
from satudata.producers.models import Producer
from satudata.submissions import procedure, services
from satudata.submissions.models import Submission

path, producer_code, mode = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path, "rb") as source:
    submission = services.receive_file(producer=Producer.objects.get(code=producer_code), source=source,
                                       original_name=path.rsplit("/", 1)[-1], channel=Submission.Channel.CLI,
                                       reference_year=2025)
services.inspect(submission)
# In the background mode the validation is queued for the worker, and in the foreground it runs here.
procedure.submit(submission, background=mode == "background")
submission.refresh_from_db()
print(json.dumps({"id": submission.pk, "state": submission.state}))
"""
TAKE_JOBS = DJANGO_SETUP + """
import json
from huey.contrib.djhuey import HUEY
import satudata.submissions.tasks  # registers the jobs, as the worker's start does

# What a worker killed right after taking its jobs leaves: the jobs are gone from the queue and
# never ran.
taken = []
while (task := HUEY.dequeue()) is not None:
    taken.append([type(task).__name__, task.args[0]])
print(json.dumps(taken))
"""
RESUME = DJANGO_SETUP + """
import json
from satudata.submissions.procedure import resume_interrupted

print(json.dumps(resume_interrupted()))
"""
COMPILE_ON_SIGNAL = DJANGO_SETUP + """
import json, os, sys, time
from satudata.submissions import procedure

submission_id, go = int(sys.argv[1]), sys.argv[2]
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.01)
submission = procedure.run_compilation(submission_id)
print(json.dumps({"state": submission.state, "created": submission.businesses_created,
                  "updated": submission.businesses_updated}), flush=True)
"""


@dataclass
class Installation:
    home: Path
    env: dict[str, str]
    database_url: str | None

    def python(self, code: str, *args: str, timeout: float = 300) -> str:
        done = subprocess.run([sys.executable, "-c", code, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, *args], env=self.env, text=True, **kwargs)

    def query(self, sql: str) -> list[tuple]:
        """Rows of a read-only query on the installation's database, outside Django."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as connection:
                return connection.execute(sql).fetchall()
        with sqlite3.connect(self.home / "satudata.sqlite3", timeout=30) as connection:
            return connection.execute(sql).fetchall()

    def value(self, sql: str):
        return self.query(sql)[0][0]

    def writer_is_busy(self) -> bool:
        """True while another process has the compiling transaction open."""
        if self.database_url:
            # select_for_update on the counter row holds a row-share lock on its table until commit.
            return self.value(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'registry_umkmcodecounter' AND l.mode = 'RowShareLock'"
            ) > 0
        connection = sqlite3.connect(self.home / "satudata.sqlite3", timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        finally:
            connection.close()
        return False


def _separate_database(test_url: str) -> str:
    """A fresh PostgreSQL database on the server of ``test_url``, named after it."""
    import psycopg

    parts = urlsplit(test_url)
    name = f"{parts.path.lstrip('/')}_processes_{os.getpid()}"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Installation:
    home = tmp_path_factory.mktemp("installation")
    # The worker must take jobs from the queue, so jobs are not run at once in the caller.
    # The installation runs with the production settings, not the test suite's immediate jobs.
    dropped = ("DATABASE_URL", "SATUDATA_JOBS", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    # Notices would go to standard output, where the scripts print their results.
    env.update(SATUDATA_HOME=str(home), SATUDATA_LANGUAGE="en", SATUDATA_LOG_LEVEL="INFO",
               SATUDATA_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    database_url = None
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        database_url = _separate_database(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = database_url
    subprocess.run([sys.executable, "-m", "satudata", "init", "--demo"], env=env, capture_output=True, text=True,
                   check=True, timeout=600)
    yield Installation(home=home, env=env, database_url=database_url)
    if database_url:
        _drop_database(database_url)


def _registry_counts(installation: Installation) -> dict[str, int]:
    tables = ("registry_business", "registry_owner", "registry_businessversion", "registry_transactionrecord")
    counts = {table: installation.value(f"SELECT count(*) FROM {table}") for table in tables}
    counts["umkm_code_counter"] = installation.value(
        "SELECT coalesce(max(last_value), 0) FROM registry_umkmcodecounter")
    return counts


def _submission(installation: Installation, submission_id: int) -> dict:
    state, progress, created = installation.query(
        f"SELECT state, progress, businesses_created FROM submissions_submission WHERE id = {submission_id}")[0]
    return {"state": state, "progress": progress if isinstance(progress, dict) else json.loads(progress),
            "created": created}


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


def _prepare(installation: Installation, tmp_path: Path, frame: pl.DataFrame, producer: str) -> dict:
    path = tmp_path / f"{producer}-{frame.height}.csv"
    frame.write_csv(path)
    return json.loads(installation.python(PREPARE, str(path), producer).strip().splitlines()[-1])


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def test_killed_worker_leaves_registry_unchanged_and_resumes(installation, tmp_path):
    # given: an accepted submission queued for compilation
    prepared = _prepare(installation, tmp_path, generate_sidt(KILLED_ROWS, seed=21, within="32.73"),
                        "dinas-kumkm-bandung")
    submission_id = prepared["id"]
    before = _registry_counts(installation)
    log = (tmp_path / "worker.log").open("w")

    # when: the worker is killed with SIGKILL while its compiling transaction is open
    worker = installation.start("-m", "satudata", "worker", "--workers", "1", stdout=log, stderr=log)
    try:
        _wait_for(lambda: _submission(installation, submission_id)["progress"].get("stage") == "compiling", 120,
                  "the worker to start compiling")
        _wait_for(installation.writer_is_busy, 30, "the compiling transaction")
        time.sleep(0.5)
        busy_when_killed = installation.writer_is_busy()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        _stop(worker)
    killed = _submission(installation, submission_id)
    after_kill = _registry_counts(installation)

    # then: nothing of it is in the registry, and the submission's state shows it waits to be compiled
    assert prepared["accepted"] == KILLED_ROWS
    assert busy_when_killed
    assert worker.returncode == -signal.SIGKILL
    assert after_kill == before
    assert killed["state"] == "accepted"
    assert killed["progress"]["stage"] == "compiling"

    # when: the worker starts again
    restarted = installation.start("-m", "satudata", "worker", "--workers", "1", stdout=log, stderr=log)
    try:
        _wait_for(lambda: _submission(installation, submission_id)["state"] == "compiled", 300,
                  "the restarted worker to compile")
    finally:
        _stop(restarted)
        log.close()
    compiled = _submission(installation, submission_id)
    after = _registry_counts(installation)

    # then: every accepted row is compiled exactly once
    assert compiled["created"] == KILLED_ROWS
    assert after["registry_business"] - before["registry_business"] == KILLED_ROWS
    assert after["umkm_code_counter"] - before["umkm_code_counter"] == KILLED_ROWS
    assert installation.value(
        f"SELECT count(*) FROM registry_business WHERE first_submission_id = {submission_id}") == KILLED_ROWS
    assert installation.value(
        f"SELECT count(*) FROM submissions_submissionevent WHERE submission_id = {submission_id} "
        f"AND to_state = 'compiled'") == 1


def _with_errors(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with a short NIB in every 997th row, so validation also rejects rows."""
    damaged = pl.int_range(pl.len()) % 997 == 0
    return frame.with_columns(pl.when(damaged).then(pl.lit("12")).otherwise(pl.col("nib")).alias("nib"))


def _submit(installation: Installation, path: Path, mode: str) -> dict:
    """Submit a file of Kota Bandung, validated by the worker (``background``) or at once (``foreground``)."""
    output = installation.python(SUBMIT, str(path), "dinas-kumkm-bandung", mode, timeout=600)
    return json.loads(output.splitlines()[-1])


def _events(installation: Installation, submission_id: int) -> list[str]:
    rows = installation.query(
        f"SELECT to_state FROM submissions_submissionevent WHERE submission_id = {submission_id} ORDER BY id")
    return [row[0] for row in rows]


def _validation_result(installation: Installation, submission_id: int) -> dict:
    """What a validation leaves in the database and in the submission's folder, without what
    differs between two submissions of the same file."""
    state, read, accepted, rejected, summary, checklist = installation.query(
        "SELECT state, rows_read, rows_accepted, rows_rejected, summary, checklist "
        f"FROM submissions_submission WHERE id = {submission_id}")[0]
    summary = summary if isinstance(summary, dict) else json.loads(summary)
    folder = installation.home / "files" / "submissions" / str(submission_id)
    errors = pl.read_parquet(folder / "errors.parquet")
    parts = sorted((folder / "valid").glob("part-*.parquet"))
    valid = pl.concat([pl.read_parquet(part) for part in parts])
    rejected_rows = folder / "rejected.parquet"
    return {
        "state": state,
        "counts": (read, accepted, rejected),
        "summary": {k: v for k, v in summary.items() if k not in ("seconds", "same_file_as")},
        "checklist": checklist if isinstance(checklist, list) else json.loads(checklist),
        "events": _events(installation, submission_id),
        "parts": [part.name for part in parts],
        "errors": errors.to_dicts(),
        "valid": valid.filter(~pl.col("__row").is_in(errors["row"].implode())).sort("__row").to_dicts(),
        "rejected": pl.read_parquet(rejected_rows).to_dicts() if rejected_rows.exists() else None,
    }


def test_killed_validation_ends_as_uninterrupted(installation, tmp_path):
    # given: a submission queued for validation
    path = tmp_path / "validation.csv"
    _with_errors(generate_sidt(KILLED_VALIDATION_ROWS, seed=41, within="32.73")).write_csv(path)
    queued = _submit(installation, path, "background")
    submission_id = queued["id"]
    folder = installation.home / "files" / "submissions" / str(submission_id)
    first_part = folder / "valid" / "part-00000.parquet"
    log = (tmp_path / "worker.log").open("w")

    # when: the worker is killed with SIGKILL after it has staged the first batch
    worker = installation.start("-m", "satudata", "worker", "--workers", "1", stdout=log, stderr=log)
    try:
        _wait_for(first_part.exists, 300, "the worker to stage the first batch")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        _stop(worker)
    killed = _submission(installation, submission_id)

    # then: the submission is left validating
    assert queued["state"] == "submitted"
    assert worker.returncode == -signal.SIGKILL
    assert killed["state"] == "validating"
    assert killed["progress"]["stage"] == "validating"

    # when: the worker starts again
    restarted = installation.start("-m", "satudata", "worker", "--workers", "1", stdout=log, stderr=log)
    try:
        _wait_for(lambda: _submission(installation, submission_id)["state"] != "validating", 600,
                  "the restarted worker to validate")
    finally:
        _stop(restarted)
        log.close()
    # and: the same file is validated once more, without interruption
    reference = _submit(installation, path, "foreground")

    # then: the interrupted validation ends as the uninterrupted one does
    resumed = _validation_result(installation, submission_id)
    uninterrupted = _validation_result(installation, reference["id"])
    assert resumed["state"] == "checked"
    assert resumed["counts"] == (KILLED_VALIDATION_ROWS, KILLED_VALIDATION_ROWS - 301, 301)
    assert resumed["events"] == ["submitted", "validating", "checked"]
    assert resumed == uninterrupted


def test_worker_waits_for_running_validation(installation, tmp_path):
    # given: a file being validated in the foreground by 'satudata submit'
    path = tmp_path / "foreground.csv"
    generate_sidt(KILLED_VALIDATION_ROWS, seed=43, within="32.73").write_csv(path)
    foreground = installation.start("-c", SUBMIT, str(path), "dinas-kumkm-bandung", "foreground",
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    validating = "SELECT id FROM submissions_submission WHERE state = 'validating'"
    log_path = tmp_path / "started-during-validation.log"
    with log_path.open("w") as log:
        try:
            _wait_for(lambda: installation.query(validating), 120, "the foreground validation to start")
            submission_id = installation.value(validating)

            # when: a worker starts while it validates
            worker = installation.start("-m", "satudata", "worker", "--workers", "1", stdout=log, stderr=log)
            try:
                _wait_for(lambda: "interrupted validations" in log_path.read_text(), 60,
                          "the worker to queue the validation")
                still_validating = _submission(installation, submission_id)["state"] == "validating"
                out, err = foreground.communicate(timeout=600)

                # The worker's job takes the validation lock once the foreground run lets it go.
                def job_ended() -> bool:
                    after_queueing = log_path.read_text().split("interrupted validations")[-1]
                    return "validate_submission" in after_queueing and "executed in" in after_queueing

                _wait_for(job_ended, 60, "the worker's job to end")
            finally:
                _stop(worker)
        finally:
            if foreground.poll() is None:
                foreground.kill()
                foreground.wait()

    # then: the worker queued the validation, waited for the one running, and did not validate again
    assert foreground.returncode == 0, err[-2000:]
    assert json.loads(out.splitlines()[-1]) == {"id": submission_id, "state": "checked"}
    assert still_validating
    assert _events(installation, submission_id) == ["submitted", "validating", "checked"]
    assert installation.value(f"SELECT count(*) FROM audit_auditentry WHERE action = 'submission.validated' "
                              f"AND object_id = '{submission_id}'") == 1
    assert "validating it again" not in log_path.read_text()
    assert "Traceback" not in log_path.read_text()


def test_lost_jobs_run_once(installation, tmp_path):
    # given: an accepted submission queued for compilation, and a submission queued for validation
    frame = generate_sidt(500, seed=51, within="32.73")
    accepted = _prepare(installation, tmp_path, frame, "dinas-kumkm-bandung")
    path = tmp_path / "lost-validation.csv"
    generate_sidt(500, seed=52, within="32.73").write_csv(path)
    submitted = _submit(installation, path, "background")
    ids = sorted([accepted["id"], submitted["id"]])
    # and: a worker took both jobs from the queue and stopped before it started either
    taken_jobs = json.loads(installation.python(TAKE_JOBS).splitlines()[-1])

    # when: the restart check runs twice before a worker runs anything
    first = json.loads(installation.python(RESUME).splitlines()[-1])
    second = json.loads(installation.python(RESUME).splitlines()[-1])
    # and: a worker starts
    log_path = tmp_path / "lost-jobs-worker.log"
    with log_path.open("w") as log:
        worker = installation.start("-m", "satudata", "worker", "--workers", "2", stdout=log, stderr=log)
        try:
            def both_done() -> bool:
                states = (_submission(installation, accepted["id"])["state"],
                          _submission(installation, submitted["id"])["state"])
                return states == ("compiled", "checked")

            _wait_for(both_done, 300, "the worker to run both jobs")
        finally:
            _stop(worker)

    # then: each lost job was queued once and ran once
    expected_jobs = [["compile_submission", accepted["id"]], ["validate_submission", submitted["id"]]]
    assert sorted(taken_jobs) == expected_jobs
    assert (first, second) == (ids, [])
    assert "Queued" not in log_path.read_text()
    events = dict(installation.query(
        "SELECT to_state, count(*) FROM submissions_submissionevent "
        f"WHERE submission_id IN ({ids[0]}, {ids[1]}) AND to_state IN ('validating', 'checked', 'compiled') "
        "GROUP BY to_state"))
    assert events == {"validating": 2, "checked": 2, "compiled": 1}
    assert installation.value(
        f"SELECT count(*) FROM registry_business WHERE first_submission_id = {accepted['id']}") == 500


def test_concurrent_compilations_register_shared_business_once(installation, tmp_path):
    # given: a registry that has compiled before, so the UMKM code counter row exists
    earlier = _prepare(installation, tmp_path, generate_sidt(10, seed=32, within="32.73"), "dinas-kumkm-bandung")
    go = tmp_path / "go"
    go.touch()
    installation.python(COMPILE_ON_SIGNAL, str(earlier["id"]), str(go))
    go.unlink()
    # and: two accepted submissions of the same businesses, from two producers
    frame = generate_sidt(CONCURRENT_ROWS, seed=33, within="32.73")
    first = _prepare(installation, tmp_path, frame, "dinas-kumkm-bandung")
    second = _prepare(installation, tmp_path, frame, "dinas-kukm-jabar")

    # when: both are compiled at the same moment by two processes
    processes = [installation.start("-c", COMPILE_ON_SIGNAL, str(s["id"]), str(go), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE) for s in (first, second)]
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    go.touch()
    outputs = [process.communicate(timeout=300) for process in processes]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _err in outputs]

    # then: the businesses are registered once, and the second compilation updates or keeps them
    ids = f"({first['id']}, {second['id']})"
    assert [process.returncode for process in processes] == [0, 0], [err[-2000:] for _out, err in outputs]
    assert first["accepted"] == second["accepted"] == CONCURRENT_ROWS
    assert [r["state"] for r in results] == ["compiled", "compiled"]
    assert sum(r["created"] for r in results) == CONCURRENT_ROWS
    assert installation.value(
        f"SELECT count(*) FROM registry_business WHERE first_submission_id IN {ids}") == CONCURRENT_ROWS
