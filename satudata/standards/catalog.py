"""The public, read-only catalog of the standard in force: one page per variable and indicator.

Only metadata is shown here, never registry data, so no sign-in is needed.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from satudata.standards.loading import current_version


def index(request: HttpRequest) -> HttpResponse:
    version = current_version()
    query = request.GET.get("q", "").strip().lower()
    variables = [v for v in version.variables.all() if v.is_public]
    if query:
        variables = [v for v in variables if query in f"{v.code} {v.name} {v.name_en} {v.definition}".lower()]
    return render(request, "standards/catalog_index.html", {
        "version": version, "variables": variables, "q": query,
        "indicators": [i for i in version.indicators.all() if i.is_public],
    })


def variable(request: HttpRequest, code: str) -> HttpResponse:
    version = current_version()
    item = version.variables.filter(code=code, is_public=True).first()
    if item is None:
        raise Http404
    return render(request, "standards/catalog_variable.html", {"version": version, "variable": item})


def indicator(request: HttpRequest, code: str) -> HttpResponse:
    version = current_version()
    item = version.indicators.filter(code=code, is_public=True).first()
    if item is None:
        raise Http404
    return render(request, "standards/catalog_indicator.html", {"version": version, "indicator": item})
