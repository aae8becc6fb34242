"""Compilation in real processes, on a separate installation made with 'satudata init --demo':
a worker killed with SIGKILL in the middle of a compilation, and two compilations at once.

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
