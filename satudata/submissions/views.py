"""Upload, mapping confirmation, result and error reports of submissions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from satudata.access.scope import scoped_submissions
from satudata.audit.services import client_ip
from satudata.errors import DomainError
from satudata.submissions import procedure, reports, services
from satudata.submissions.deadlines import days_overdue, step_label
from satudata.submissions.errors import FileRejected
from satudata.submissions.forms import MappingForm, UploadForm
from satudata.submissions.mapping import Mapping, apply_overrides
from satudata.submissions.models import Submission
from satudata.submissions.workflow import CHECKLIST_LABELS

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
                kbli_edition=form.cleaned_data["kbli_edition"],
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
    # Drafts of records (API pushes, enumerator entry) have no file of their own until they are
    # submitted, and their columns are the variable codes, so there is nothing to confirm.
    record_channels = (Submission.Channel.API, Submission.Channel.FORM)
    if submission.state != Submission.State.DRAFT or submission.channel in record_channels:
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
            procedure.submit(submission, actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The file was handed over to the walidata and is being checked."))
            return redirect("submissions:detail", pk=pk)
    by_code = {v.code: v for v in variables}
    rows = [{"column": column, "field": form[f"column_{column.index}"]} for column in proposed.choices]
    reused = bool(proposed.choices) and all(c.source in ("saved", "excluded") for c in proposed.choices)
    # The reference year given with the upload fills a missing year column.
    supplied = {"reference_year"} if submission.reference_year else set()
    missing = [by_code[c] for c in proposed.missing_required if c in by_code and c not in supplied]
    return render(request, "submissions/mapping.html", {
        "submission": submission, "form": form, "rows": rows, "reused": reused, "missing": missing,
        "header_row": submission.layout.get("header_row"),
    })


def _is_walidata(user) -> bool:
    return user.is_walidata or user.is_superuser


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
    checklist = [{**item, "label": CHECKLIST_LABELS.get(item["code"], item["code"])} for item in submission.checklist]
    return render(request, "submissions/detail.html", {
        "submission": submission, "errors": errors, "page": page, "by_field": by_field,
        "notes": [NOTES.get(n, n) for n in submission.summary.get("notes", [])],
        "failure": services.failure_message(submission) if submission.failure_code else "",
        "checklist": checklist, "events": submission.events.select_related("actor"),
        "step": step_label(submission.state),
        "overdue": days_overdue(submission, timezone.localdate()),
        "working": submission.state in WORKING_STATES,
        "can_decide": submission.state == Submission.State.CHECKED and _is_walidata(request.user),
        "can_correct": submission.state == Submission.State.RETURNED and (
            request.user.is_producer_user or _is_walidata(request.user)),
        "corrections": submission.corrections.filter(round=submission.round).count(),
        "held_for_review": submission.summary.get("held_for_review", 0),
        "is_walidata": _is_walidata(request.user),
    })


WORKING_STATES = (Submission.State.SUBMITTED, Submission.State.RESUBMITTED, Submission.State.VALIDATING,
                  Submission.State.ACCEPTED)


@login_required
def progress(request: HttpRequest, pk: int) -> JsonResponse:
    """State and progress of a submission, polled by the progress bar."""
    submission = _submission_for(request, pk)
    done = submission.progress.get("done") or 0
    total = submission.progress.get("total")
    return JsonResponse({
        "state": submission.state, "state_label": Submission.State(submission.state).label,
        "stage": submission.progress.get("stage", ""), "done": done, "total": total,
        "percent": round(100 * done / total) if total else None,
        "working": submission.state in WORKING_STATES,
    })


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The walidata accepts or returns a checked submission, confirming the checklist."""
    submission = _submission_for(request, pk)
    if not _is_walidata(request.user):
        raise Http404
    answers = {}
    for item in submission.checklist:
        value = request.POST.get(f"check_{item['code']}")
        if value in ("yes", "no"):
            answers[item["code"]] = (value == "yes", request.POST.get(f"reason_{item['code']}", ""))
    try:
        if request.POST.get("decision") == "accept":
            procedure.accept(submission, actor=request.user, answers=answers, reason=request.POST.get("reason", ""))
            messages.success(request, _("Accepted; the valid rows are being compiled into the registry."))
        else:
            procedure.return_to_producer(submission, actor=request.user, answers=answers,
                                         reason=request.POST.get("reason", ""))
            messages.success(request, _("Returned to the producer with the rejected rows and your reason."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("submissions:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def corrections(request: HttpRequest, pk: int) -> HttpResponse:
    """The returned rows, each with its errors, to correct in the browser or by uploading a file."""
    submission = _submission_for(request, pk)
    if submission.state != Submission.State.RETURNED or not (request.user.is_producer_user or _is_walidata(request.user)):
        return redirect("submissions:detail", pk=pk)
    rows = procedure.rows_to_correct(submission)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    originals = procedure.original_rows(submission, list(page.object_list))
    saved = {c.row_number: c.values for c in submission.corrections.filter(row_number__in=list(page.object_list))}
    errors_by_row: dict[int, list] = {}
    for error in reports.row_errors(submission):
        errors_by_row.setdefault(error.row, []).append(error)
    columns = [c for c in submission.mapping.get("columns", []) if c.get("variable")]
    # The columns of records are variable codes, so their fields show the variables' names.
    labels = ({v.code: v.label for v in submission.standard_version.variables.all()}
              if submission.from_records else {})
    if request.method == "POST":
        if "file" in request.FILES:
            upload_file = request.FILES["file"]
            try:
                count = procedure.corrections_from_file(submission, upload_file, upload_file.name, actor=request.user)
                messages.success(request, _("{count} corrected rows read from the file.").format(count=count))
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("submissions:corrections", pk=pk)
        row_number = int(request.POST.get("row", "0"))
        values = {c["variable"]: request.POST.get(f"v_{c['variable']}", "") or None for c in columns}
        try:
            procedure.save_corrections(submission, {row_number: values}, actor=request.user)
            if submission.from_records:
                messages.success(request, _("Record {record} saved.").format(
                    record=submission.record_number(row_number)))
            else:
                messages.success(request, _("Row {row} saved.").format(row=row_number))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{request.path}?page={page.number}#row-{row_number}")
    items = []
    for row in page.object_list:
        current = saved.get(row) or originals.get(row, {})
        bad = {e.field for e in errors_by_row.get(row, [])}
        items.append({
            "row": row, "number": submission.record_number(row) if submission.from_records else row,
            "errors": errors_by_row.get(row, []), "corrected": row in saved,
            "cells": [{"variable": c["variable"], "header": labels.get(c["variable"], c["header"]),
                       "value": current.get(c["variable"]) or "",
                       "bad": c["variable"] in bad} for c in columns],
        })
    return render(request, "submissions/corrections.html", {
        "submission": submission, "items": items, "page": page, "total": len(rows),
        "corrected": submission.corrections.filter(round=submission.round).count(),
    })


@login_required
@require_POST
def resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_for(request, pk)
    try:
        procedure.resubmit(submission, actor=request.user)
        messages.success(request, _("The corrected rows were sent back to the walidata."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("submissions:detail", pk=pk)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """For the walidata: overdue steps, and producers with no delivery in the past year (Pasal 20 ayat 2)."""
    if not _is_walidata(request.user):
        raise Http404
    today = timezone.localdate()
    late = [(s, days_overdue(s, today), step_label(s.state))
            for s in procedure.overdue(today, scoped_submissions(request.user))]
    waiting = scoped_submissions(request.user).filter(state=Submission.State.CHECKED).select_related("producer")
    return render(request, "submissions/overview.html", {
        "late": late, "waiting": waiting, "silent": procedure.producers_without_delivery(today), "today": today,
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
