"""Write transactions of one process wait for each other on satudata.db.sqlite3's lock.

The tests use their own database file: the audit log's triggers refuse the table flush that
Django's transactional tests need, and the default test database runs each test in a
transaction that would hold the lock.
"""

import threading
import time

import pytest
from django.db.utils import ConnectionHandler

from satudata.db.sqlite3 import base


@pytest.fixture
def connections(tmp_path, django_db_blocker):
    # A handler of its own needs a 'default' entry; only "queue" is used.
    # timeout=0: SQLite's own lock raises "database is locked" at once, so only the queue can make
    # a second writer wait.
    database = {"ENGINE": "satudata.db.sqlite3", "NAME": str(tmp_path / "queue.sqlite3"),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0}}
    handler = ConnectionHandler({"default": dict(database), "queue": database})
    with django_db_blocker.unblock():
        yield handler
        handler.close_all()


def begin(connection) -> None:
    connection.ensure_connection()
    connection._start_transaction_under_autocommit()


def test_second_transaction_begins_after_first_ends(connections):
    events: list[str] = []
    first_began = threading.Event()

    def second() -> None:
        first_began.wait()
        connection = connections["queue"]
        try:
            begin(connection)
            events.append("second began")
            connection._commit()
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            events.append(f"second failed: {exc}")
        finally:
            connection.close()

    thread = threading.Thread(target=second)
    thread.start()
    first = connections["queue"]
    begin(first)
    events.append("first began")
    first_began.set()
    # Long enough for the second thread to reach its BEGIN if nothing held it back.
    time.sleep(0.3)
    events.append("first ends")
    first._commit()
    thread.join(timeout=10)
    assert events == ["first began", "first ends", "second began"]


def test_lock_released_after_rollback(connections):
    connection = connections["queue"]
    begin(connection)
    assert connection.holds_write_lock
    connection._rollback()
    assert not connection.holds_write_lock
    assert base._write_lock.acquire(blocking=False)
    base._write_lock.release()


def test_queue_turned_off_with_zero_wait(connections, settings):
    settings.SATUDATA_SQLITE_WRITE_WAIT = 0
    connection = connections["queue"]
    begin(connection)
    assert not connection.holds_write_lock
    connection._commit()
