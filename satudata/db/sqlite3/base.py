"""SQLite backend whose write transactions wait for each other on a lock inside the process.

Every transaction begins with ``BEGIN IMMEDIATE`` (see settings), so it takes SQLite's write lock at
once. A transaction that finds the lock taken is put to sleep by SQLite's busy handler, which
wakes up to 100 ms later to try again, and raises "database is locked" once ``busy_timeout``
passes. Under many concurrent API pushes, which the server handles in threads of one process,
the lock then sits free while the waiters sleep, and waiters that lose the race too often fail
with that error. Threads of this process queue on a ``threading.Lock`` instead: the next waiter
starts as soon as the previous transaction ends. Other processes (``satudata worker``, the
command line) still meet at SQLite's own lock.
"""

import logging
import threading

from django.conf import settings
from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

_write_lock = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    holds_write_lock = False

    def _start_transaction_under_autocommit(self):
        wait = settings.SATUDATA_SQLITE_WRITE_WAIT
        if wait <= 0:
            pass
        elif _write_lock.acquire(timeout=wait):
            self.holds_write_lock = True
        else:
            # A transaction of this process is open far longer than any request should take. Go on
            # without the queue, so that SQLite's busy_timeout decides rather than a deadlock here.
            logger.warning("Waited %s s for the in-process SQLite write queue; trying SQLite's lock directly",
                           wait)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()

    def _release_write_lock(self):
        if self.holds_write_lock:
            self.holds_write_lock = False
            _write_lock.release()
