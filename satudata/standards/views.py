"""Walidata pages for data standards: browse, draft, edit, compare and publish versions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from satudata.access.scope import scoped_businesses
from satudata.errors import DomainError
from satudata.standards import services
from satudata.standards.access import can_edit, can_see_drafts, require_editor, version_for
from satudata.standards.artifacts import FORMATS, render_artifact
from satudata.standards.computation import DISAGGREGATIONS, compute
from satudata.standards.forms import AgreementForm, AttributeForm, IndicatorForm, PublishForm, VariableForm
from satudata.standards.loading import current_version
from satudata.standards.models import AttributeDefinition, StandardVersion
from satudata.standards.schema import table_schema


def _region_of(user) -> str:
    producer = user.producer if user.is_producer_user else None
    return producer.region_code if producer is not None else ""


@login_required
def version_list(request: HttpRequest) -> HttpResponse:
    versions = StandardVersion.objects.select_related("standard").order_by("standard__code", "-number")
    if not can_see_drafts(request.user):
        versions = versions.filter(status=StandardVersion.Status.PUBLISHED)
    return render(request, "standards/list.html", {
        "versions": versions, "current": current_version(), "can_edit": can_edit(request.user),
    })


@login_required
def current(request: HttpRequest) -> HttpResponse:
    return redirect("standards:version", label=current_version().label)


@login_required
def version_detail(request: HttpRequest, label: str) -> HttpResponse:
    version = version_for(request.user, label)
    others = StandardVersion.objects.filter(standard=version.standard).exclude(pk=version.pk).order_by("-number")
    return render(request, "standards/detail.html", {
        "version": version, "variables": version.variables.all(), "checks": version.checks.all(),
        "indicators": version.indicators.all(), "activity": version.activities.first(),
        "can_edit": can_edit(request.user), "formats": FORMATS, "others": others,
        "agreement_form": AgreementForm(), "publish_form": PublishForm(),
        "is_current": version == current_version(),
    })


@login_required
def download(request: HttpRequest, label: str, file_format: str) -> HttpResponse:
    if file_format not in FORMATS:
        raise Http404
    version = version_for(request.user, label)
    content, media_type, name = render_artifact(version, file_format, region_prefix=_region_of(request.user),
                                                language=request.LANGUAGE_CODE)
    response = HttpResponse(content, content_type=media_type)
    if file_format != "codebook":
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def current_template(request: HttpRequest) -> HttpResponse:
    """The template of the version in force; a regional producer's village list is limited to its region."""
    return download(request, current_version().label, "xlsx-template")


@login_required
def current_schema(request: HttpRequest) -> HttpResponse:
    return JsonResponse(table_schema(current_version()), json_dumps_params={"ensure_ascii": False, "indent": 2})


@login_required
def compare_versions(request: HttpRequest, label: str) -> HttpResponse:
    version = version_for(request.user, label)
    other_label = request.GET.get("with") or (version.based_on.label if version.based_on else "")
    if not other_label:
        messages.info(request, _("Choose a version to compare with."))
        return redirect("standards:version", label=label)
    other = version_for(request.user, other_label)
    older, newer = sorted([version, other], key=lambda v: v.number)
    return render(request, "standards/compare.html", {"diff": services.compare(older, newer)})


def _action(request: HttpRequest, label: str, step, *args, **kwargs) -> HttpResponse:
    require_editor(request.user)
    version = version_for(request.user, label)
    try:
        result = step(version, *args, actor=request.user, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("standards:version", label=label)
    target = result.label if isinstance(result, StandardVersion) else label
    return redirect("standards:version", label=target)


@login_required
@require_POST
def new_draft(request: HttpRequest, label: str) -> HttpResponse:
    response = _action(request, label, services.create_draft)
    messages.success(request, _("A new draft was created; add or change variables, then propose it."))
    return response


@login_required
@require_POST
def propose(request: HttpRequest, label: str) -> HttpResponse:
    return _action(request, label, services.propose)


@login_required
@require_POST
def agree(request: HttpRequest, label: str) -> HttpResponse:
    form = AgreementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date of the forum's agreement and the decision reference."))
        return redirect("standards:version", label=label)
    return _action(request, label, services.record_agreement, agreed_on=form.cleaned_data["agreed_on"],
                   decision=form.cleaned_data["decision"])


@login_required
@require_POST
def publish(request: HttpRequest, label: str) -> HttpResponse:
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date from which the version is in force."))
        return redirect("standards:version", label=label)
    return _action(request, label, services.publish, effective_from=form.cleaned_data["effective_from"])


@login_required
@require_POST
def discard(request: HttpRequest, label: str) -> HttpResponse:
    require_editor(request.user)
    version = version_for(request.user, label)
    try:
        services.discard_draft(version, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("standards:version", label=label)
    return redirect("standards:list")


@login_required
@require_http_methods(["GET", "POST"])
def variable_edit(request: HttpRequest, label: str, code: str | None = None) -> HttpResponse:
    version = version_for(request.user, label)
    variable = version.variables.filter(code=code).first() if code else None
    if code and variable is None:
        raise Http404
    editable = can_edit(request.user) and version.status == StandardVersion.Status.DRAFT
    if request.method == "POST":
        if not editable:
            raise Http404
    initial = {}
    if variable is not None:
        initial = {f: getattr(variable, f) for f in (
            "code", "name", "name_en", "definition", "definition_en", "datatype", "code_list", "required", "kind",
            "time_reference", "time_reference_en", "unit", "is_personal", "confidentiality", "concept", "question",
            "is_public")}
        initial["aliases"] = "\n".join(variable.aliases or [])
        initial.update({k: variable.domain.get(k) for k in ("minimum", "maximum")})
    form = VariableForm(request.POST or None, initial=initial, editing=variable is not None,
                        extra_initial=variable.extra if variable else None)
    if request.method == "POST" and form.is_valid():
        try:
            if variable is None:
                services.add_variable(version, form.cleaned_data["code"], form.variable_data(), actor=request.user)
            else:
                services.update_variable(variable, form.variable_data(), actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Variable saved."))
            return redirect("standards:version", label=label)
    return render(request, "standards/variable.html", {
        "version": version, "variable": variable, "form": form, "editable": editable,
    })


@login_required
@require_POST
def variable_remove(request: HttpRequest, label: str, code: str) -> HttpResponse:
    require_editor(request.user)
    version = version_for(request.user, label)
    variable = version.variables.filter(code=code).first()
    if variable is None:
        raise Http404
    try:
        services.remove_variable(variable, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("standards:version", label=label)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, label: str, code: str | None = None) -> HttpResponse:
    require_editor(request.user)
    version = version_for(request.user, label)
    indicator = version.indicators.filter(code=code).first() if code else None
    if code and indicator is None:
        raise Http404
    initial = {}
    if indicator is not None:
        initial = {f: getattr(indicator, f) for f in (
            "code", "name", "name_en", "concept", "definition", "interpretation", "formula", "unit",
            "disaggregations", "estimation_level", "is_public")}
    form = IndicatorForm(request.POST or None, initial=initial, editing=indicator is not None,
                         extra_initial=indicator.extra if indicator else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_indicator(version, form.cleaned_data["code"] if indicator is None else indicator.code,
                                    form.indicator_data(), actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Indicator saved."))
            return redirect("standards:version", label=label)
    return render(request, "standards/indicator_edit.html", {"version": version, "indicator": indicator, "form": form})


@login_required
def indicator_detail(request: HttpRequest, label: str, code: str) -> HttpResponse:
    """Show an indicator's metadata and its values over the registry the user may see."""
    version = version_for(request.user, label)
    indicator = version.indicators.filter(code=code).first()
    if indicator is None:
        raise Http404
    by = request.GET.get("by") or None
    if by is not None and by not in DISAGGREGATIONS:
        by = None
    period = request.GET.get("year")
    period_value = int(period) if period and period.isdigit() else None
    error = ""
    try:
        values = compute(indicator, scoped_businesses(request.user), period=period_value, by=by)
    except DomainError as exc:
        values, error = [], exc.message
    return render(request, "standards/indicator.html", {
        "version": version, "indicator": indicator, "values": values, "by": by, "year": period_value,
        "choices": indicator.disaggregations, "error": error, "can_edit": can_edit(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def characteristics(request: HttpRequest) -> HttpResponse:
    """Further characteristics of metadata that the walidata declares (Pasal 12 ayat 4)."""
    if not can_see_drafts(request.user):
        raise Http404
    form = AttributeForm(request.POST or None)
    if request.method == "POST":
        require_editor(request.user)
        if form.is_valid():
            services.declare_characteristic(form.cleaned_data, actor=request.user)
            messages.success(request, _("Characteristic declared."))
            return redirect("standards:characteristics")
    return render(request, "standards/characteristics.html", {
        "definitions": AttributeDefinition.objects.all(), "form": form, "can_edit": can_edit(request.user),
    })
