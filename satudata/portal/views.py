from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from satudata.access.scope import scoped_businesses, scoped_submissions
from satudata.registry.queries import active
from satudata.submissions import procedure
from satudata.submissions.deadlines import days_overdue, step_label
from satudata.submissions.models import Submission


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: what the signed-in user can see, and the next thing to do."""
    submissions = scoped_submissions(request.user).select_related("producer")
    producer = request.user.producer if request.user.is_producer_user else None
    context = {
        "business_count": active(scoped_businesses(request.user)).count(),
        "submission_count": submissions.count(),
        "latest": submissions.order_by("-created_at")[:10],
        "producer": producer,
    }
    if producer is not None:
        context.update(_inbox(submissions))
    return render(request, "portal/home.html", context)


def _inbox(submissions) -> dict:
    """Collect a producer's inbox: submissions returned for correction, and its steps past their due date."""
    today = timezone.localdate()
    returned = [(s, days_overdue(s, today)) for s in submissions.filter(state=Submission.State.RETURNED)
                .order_by("due_on", "id")]
    late = [(s, days_overdue(s, today), step_label(s.state))
            for s in procedure.overdue(today, submissions).exclude(state=Submission.State.RETURNED)
            .order_by("due_on", "id")]
    return {"returned": returned, "late": late}
