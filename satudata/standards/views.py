"""The data standard: its variables, the submission template and the Table Schema."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from satudata.standards.loading import current_version
from satudata.standards.schema import table_schema
from satudata.standards.template import build_template


@login_required
def detail(request: HttpRequest) -> HttpResponse:
    version = current_version()
    return render(request, "standards/detail.html", {
        "version": version, "variables": version.variables.all(), "checks": version.checks.all(),
    })


@login_required
def template(request: HttpRequest) -> HttpResponse:
    """The XLSX template; for a regional producer the village drop-down lists only its own villages."""
    version = current_version()
    producer = request.user.producer if request.user.is_producer_user else None
    region = producer.region_code if producer is not None else ""
    response = HttpResponse(
        build_template(version, region_prefix=region),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="template-{version.label}.xlsx"'
    return response


@login_required
def schema(request: HttpRequest) -> HttpResponse:
    version = current_version()
    return JsonResponse(table_schema(version), json_dumps_params={"ensure_ascii": False, "indent": 2})
