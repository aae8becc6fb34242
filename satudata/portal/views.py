from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from satudata.access.scope import scoped_businesses, scoped_submissions
from satudata.registry.queries import active


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: what the signed-in user can see, and the next thing to do."""
    submissions = scoped_submissions(request.user).select_related("producer")
    context = {
        "business_count": active(scoped_businesses(request.user)).count(),
        "submission_count": submissions.count(),
        "latest": submissions.order_by("-created_at")[:10],
        "producer": request.user.producer if request.user.is_producer_user else None,
    }
    return render(request, "portal/home.html", context)
