"""Upload, mapping confirmation, result and error reports of submissions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from satudata.access.scope import scoped_submissions
from satudata.audit.services import client_ip
from satudata.errors import DomainError
from satudata.submissions import reports, services
from satudata.submissions.errors import FileRejected
from satudata.submissions.forms import MappingForm, UploadForm
from satudata.submissions.mapping import Mapping, apply_overrides
from satudata.submissions.models import Submission

ERRORS_PER_PAGE = 100
NOTES = {
    "kbli_structure_only": gettext_lazy(
        "The full KBLI list is not loaded, so KBLI codes were checked by their structure only."
    ),
    "regions_not_loaded": gettext_lazy("No region list is loaded, so region codes were not checked."),
}


def _submission_for(request: HttpRequest, pk: int) -> Submission:
    return get_object_or_404(scoped_submissions(request.user).select_related("producer", "standard_version"), pk=pk)


@login_required
def submission_list(request: HttpRequest) -> HttpResponse:
    submissions = scoped_submissions(request.user).select_related("producer").order_by("-created_at")
    page = Paginator(submissions, 50).get_page(request.GET.get("page"))
    return render(request, "submissions/list.html", {"page": page, "submissions": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_producer_user or user.is_walidata or user.is_superuser):
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        producer = user.producer if user.is_producer_user else form.cleaned_data["producer"]
        upload_file = form.cleaned_data["file"]
        try:
            submission = services.receive_file(
                producer=producer, source=upload_file, original_name=upload_file.name, user=user,
                reference_year=form.cleaned_data["reference_year"], source_ip=client_ip(request),
            )
            services.inspect(submission)
        except FileRejected as exc:
            messages.error(request, exc.message)
            return render(request, "submissions/upload.html", {"form": form}, status=400)
        return redirect("submissions:mapping", pk=submission.pk)
    return render(request, "submissions/upload.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def confirm_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_for(request, pk)
    if submission.state != Submission.State.RECEIVED:
        return redirect("submissions:detail", pk=pk)
    if not (request.user.is_producer_user or request.user.is_walidata or request.user.is_superuser):
        raise Http404
    variables = list(submission.standard_version.variables.all())
    proposed = Mapping.from_json(submission.mapping)
    form = MappingForm(request.POST or None, columns=proposed.to_json()["columns"], variables=variables)
    if request.method == "POST" and form.is_valid():
        try:
            mapping = apply_overrides(proposed, form.overrides(), variables)
            services.save_mapping(submission, mapping, request.user)
            services.validate(submission, mapping, user=request.user)
            if submission.rows_accepted:
                services.compile_submission(submission, user=request.user)
        except FileRejected as exc:
            messages.error(request, exc.message)
            return redirect("submissions:detail", pk=pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("submissions:detail", pk=pk)
    by_code = {v.code: v for v in variables}
    rows = []
    for column in proposed.choices:
        rows.append({"column": column, "field": form[f"column_{column.index}"]})
    reused = bool(proposed.choices) and all(c.source in ("saved", "excluded") for c in proposed.choices)
    missing = [by_code[c] for c in proposed.missing_required if c in by_code]
    return render(request, "submissions/mapping.html", {
        "submission": submission, "form": form, "rows": rows, "reused": reused, "missing": missing,
        "header_row": submission.layout.get("header_row"),
    })


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_for(request, pk)
    frame = services.error_frame(submission)
    paginator = Paginator(range(frame.height), ERRORS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    errors = reports.row_errors(submission, offset=(page.number - 1) * ERRORS_PER_PAGE, limit=ERRORS_PER_PAGE,
                                frame=frame) if frame.height else []
    labels = {v.code: v.label for v in submission.standard_version.variables.all()}
    by_field = [
        (labels.get(field, field), code, count)
        for field, codes in sorted((submission.summary.get("errors_by_field") or {}).items())
        for code, count in sorted(codes.items())
    ]
    return render(request, "submissions/detail.html", {
        "submission": submission, "errors": errors, "page": page, "by_field": by_field,
        "notes": [NOTES.get(n, n) for n in submission.summary.get("notes", [])],
        "failure": services.failure_message(submission) if submission.failure_code else "",
    })


@login_required
def errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_for(request, pk)
    response = HttpResponse(reports.errors_csv(submission), content_type="text/csv; charset=utf-8")
    name = _("submission-{id}-errors").format(id=submission.pk)
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_required
def errors_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_for(request, pk)
    response = HttpResponse(
        reports.errors_xlsx(submission),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = _("submission-{id}-errors").format(id=submission.pk)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
