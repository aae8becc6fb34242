"""CSV exports of the registry: counts for every scoped user, by-name rows for those allowed."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from satudata.access import exports
from satudata.audit.services import client_ip

LEVELS = ("province", "regency", "district", "village")


def _filters(request: HttpRequest) -> dict[str, str]:
    region = ""
    for level in LEVELS:
        region = request.GET.get(level, "").strip() or region
    return {
        "region": region,
        "kbli": request.GET.get("kbli", "").strip(),
        "scale": request.GET.get("scale", "").strip(),
        "q": request.GET.get("q", "").strip(),
    }


def _csv(body: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def export_counts(request: HttpRequest) -> HttpResponse:
    """Counts of active businesses by region (one level below the chosen one) and scale."""
    filters = _filters(request)
    region = filters["region"]
    level = LEVELS[min(region.count(".") + 1, 3)] if region else "province"
    return _csv(
        exports.export_counts(request.user, filters, level, source_ip=client_ip(request)),
        f"umkm-counts-{level}",
    )


def export_businesses(request: HttpRequest) -> HttpResponse:
    """Businesses with owners' personal data; refused (403) without by-name access."""
    try:
        body = exports.export_by_name(request.user, _filters(request), source_ip=client_ip(request))
    except exports.ByNameRefused as exc:
        return render(request, "access/refused.html", {"message": exc.message}, status=403)
    return _csv(body, "umkm-by-name")
