"""Pages of enumerator entry: the draft, the record form, the live check and the region pickers.

Every page reads the signed-in user's own draft through ``services.current_draft``, which starts
from the user's submission scope. No URL takes a submission id, so another account's draft
cannot be addressed.
"""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from satudata.access.middleware import forbidden
from satudata.entry import services
from satudata.errors import DomainError, PermissionDenied


def entry_user_only(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            services.require_entry_user(request.user)
            services.entry_regions(request.user)
        except PermissionDenied:
            return forbidden(request)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapper


@entry_user_only
@require_GET
def draft(request: HttpRequest) -> HttpResponse:
    """Show the user's draft: its records, and the buttons to add one and to submit the draft."""
    current = services.current_draft(request.user)
    version = services.draft_version(current)
    records = services.draft_records(current)
    headline = services.headline_variables(version)
    items = [{"sequence": r.sequence, "number": number, "updated_at": r.updated_at,
              "summary": services.headline_values(version, headline, r.values)}
             for number, r in enumerate(records, start=1)]
    return render(request, "entry/draft.html", {
        "draft": current, "version": version, "items": items,
        "headline": [label for _code, label in services.headline_labels(version, headline)],
        "regions": services.entry_region_label(request.user),
    })


@entry_user_only
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, sequence: int | None = None) -> HttpResponse:
    """Show the form of one record, new or in the draft, and save it when the whole record is valid."""
    user = request.user
    current = services.current_draft(user)
    version = services.draft_version(current)
    existing = services.draft_record(current, sequence) if sequence is not None else None
    if sequence is not None and existing is None:
        raise Http404

    values = existing.values if existing is not None else {}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = services.clean_values(version, request.POST)
        try:
            check, saved = services.save_record(user, values, sequence=sequence)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("entry:draft")
        if check.ok:
            number = services.record_position(services.current_draft(user), saved)
            messages.success(request, _("Record {number} saved.").format(number=number))
            if "another" in request.POST:
                return redirect("entry:new")
            return redirect("entry:draft")
        errors = check.errors
        status = 400
        messages.error(request, _("The record was not saved: correct the fields marked below."))

    sections = services.form_sections(user, version, values, errors)
    return render(request, "entry/record.html", {
        "sections": sections, "sequence": sequence, "version": version, "draft": current,
        "number": services.record_position(current, sequence) if sequence is not None else None,
        "regions": services.entry_region_label(user),
    }, status=status)


@entry_user_only
@require_POST
def delete(request: HttpRequest, sequence: int) -> HttpResponse:
    number = services.record_position(services.current_draft(request.user), sequence)
    try:
        services.delete_record(request.user, sequence)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Record {number} deleted.").format(number=number))
    return redirect("entry:draft")


@entry_user_only
@require_POST
def check(request: HttpRequest) -> JsonResponse:
    """Validate the record as typed so far and return the messages by field, in the user's language.

    The values come in the body of a POST, never in the address, because they hold personal data.
    """
    user = request.user
    current = services.current_draft(user)
    version = services.draft_version(current)
    values = services.clean_values(version, request.POST)
    raw_sequence = request.POST.get("_sequence", "")
    sequence = int(raw_sequence) if raw_sequence.isdigit() else None
    result = services.check_record(user, version, values, draft=current, sequence=sequence)
    return JsonResponse({"errors": result.errors})


@entry_user_only
@require_GET
def regions(request: HttpRequest) -> JsonResponse:
    """List the regions below ``parent`` that the user may choose for the region variable ``variable``."""
    current = services.current_draft(request.user)
    version = services.draft_version(current)
    variable = version.variables.filter(code=request.GET.get("variable", ""), datatype="region").first()
    if variable is None:
        return JsonResponse({"regions": []}, status=404)
    options = services.region_children(request.user, variable, request.GET.get("parent", ""))
    return JsonResponse({"regions": [{"code": o.value, "label": o.label} for o in options]})


@entry_user_only
@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    """Submit the draft; it goes through validation and the walidata's check like an upload."""
    try:
        submission = services.submit_draft(request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("entry:draft")
    messages.success(request, _("Your {count} records were handed over to the walidata.").format(
        count=submission.records.count()))
    return redirect("submissions:detail", pk=submission.pk)
