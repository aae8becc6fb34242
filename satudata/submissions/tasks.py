"""Background jobs: validating and compiling submissions, and the daily deadline notices.

Views, the API and the command line enqueue these after their transaction commits, so the
request that starts the work returns at once and the worker reads committed data.
"""

import logging

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

logger = logging.getLogger(__name__)


@db_task()
def validate_submission(submission_id: int) -> None:
    from satudata.submissions import procedure

    procedure.run_validation(submission_id)


@db_task()
def compile_submission(submission_id: int) -> None:
    from satudata.submissions import procedure

    procedure.run_compilation(submission_id)


@db_periodic_task(crontab(hour="7", minute="0"))
def send_overdue_notices() -> None:
    from satudata.submissions import procedure

    procedure.notify_overdue()


def _enqueue(task, submission_id: int) -> None:
    # The worker must read committed data, so the job is queued when the transaction commits; in
    # immediate mode (tests, SATUDATA_JOBS=immediate) it runs at once in the caller's transaction.
    if HUEY.immediate:
        task(submission_id)
    else:
        transaction.on_commit(lambda: task(submission_id))


def enqueue_validation(submission_id: int) -> None:
    _enqueue(validate_submission, submission_id)


def enqueue_compilation(submission_id: int) -> None:
    _enqueue(compile_submission, submission_id)


def queued_jobs() -> tuple[set[int], set[int]]:
    """Submission ids whose validation, and whose compilation, waits in the queue for a worker.

    A job leaves the queue when a worker takes it, so a job whose worker stopped is not here.
    """
    validations: set[int] = set()
    compilations: set[int] = set()
    for task in HUEY.pending():
        if isinstance(task, validate_submission.task_class):
            validations.add(task.args[0])
        elif isinstance(task, compile_submission.task_class):
            compilations.add(task.args[0])
    return validations, compilations
