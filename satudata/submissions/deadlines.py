"""Deadlines of the processing procedure, in working days (annex of Permen UMKM 8/2025, Bab III B).

Each state that waits for someone carries the deadline of the step it stands for: hand-over
1 day, compilation 3, checking 3, the producer's correction 3, final storage 1.
"""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from satudata.reference.workdays import add_working_days, working_days_between
from satudata.submissions.models import Submission

State = Submission.State

# State → (working days, the step of the annex it stands for).
STEPS: dict[str, tuple[int, object]] = {
    State.SUBMITTED: (1, _("hand-over to the walidata")),
    State.RESUBMITTED: (1, _("hand-over of the corrected data")),
    State.VALIDATING: (3, _("compilation")),
    State.CHECKED: (3, _("checking against the standard and metadata")),
    State.RETURNED: (3, _("correction by the producer")),
    State.ACCEPTED: (1, _("final storage in the registry")),
}


def due_date(state: str, started: dt.date) -> dt.date | None:
    step = STEPS.get(state)
    return add_working_days(started, step[0]) if step else None


def step_label(state: str) -> str:
    step = STEPS.get(state)
    return str(step[1]) if step else ""


def days_overdue(submission: Submission, today: dt.date) -> int:
    """Working days past the due date (0 when on time or not waiting)."""
    if submission.due_on is None or today <= submission.due_on:
        return 0
    return working_days_between(submission.due_on, today)
