"""Browsing the registry: search and filters, one business, counts by region and scale."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from satudata.access.scope import scope_for, scoped_businesses
from satudata.audit.models import Action
from satudata.audit.services import client_ip, record
from satudata.reference.lookups import code_list_lookup, region_lookup
from satudata.registry import presentation, queries
from satudata.registry.codes import normalize_code

LEVELS = ("province", "regency", "district", "village")


def _region_choices(request: HttpRequest) -> tuple[list[dict], str]:
    """Cascading region filters (province → village) limited to the user's scope.

    Returns one select per level down to the first level left open, and the most specific
    code chosen. Levels at or above a single-region scope are fixed to that region.
    """
    regions = region_lookup()
    if regions is None:
        return [], ""
    scope = scope_for(request.user)
    fixed = scope.regions[0] if len(scope.regions) == 1 else ""
    fixed_parts = [".".join(fixed.split(".")[:n]) for n in range(1, fixed.count(".") + 2)] if fixed else []
    selects: list[dict] = []
    parent = chosen_code = ""
    for level_number, level in enumerate(LEVELS, start=1):
        if level_number <= len(fixed_parts):
            code = fixed_parts[level_number - 1]
            selects.append({"name": level, "options": [(code, regions.names.name_of(code))], "chosen": code,
                            "locked": True})
            parent = chosen_code = code
            continue
        codes = regions.children.get(parent, [])
        chosen = request.GET.get(level, "")
        if chosen not in codes:
            chosen = ""
        selects.append({"name": level, "options": [(c, regions.names.name_of(c)) for c in codes],
                        "chosen": chosen, "locked": False})
        if not chosen:
            break
        parent = chosen_code = chosen
    return selects, chosen_code


@login_required
def business_list(request: HttpRequest) -> HttpResponse:
    if scope_for(request.user).aggregate_only:
        messages.info(request, _("Your access covers aggregate data only, so the registry is shown as counts."))
        return redirect("registry:counts")
    selects, region = _region_choices(request)
    text = request.GET.get("q", "").strip()
    kbli = request.GET.get("kbli", "").strip()
    scale = request.GET.get("scale", "")
    businesses = queries.search(scoped_businesses(request.user), text=text, region=region, kbli=kbli, scale=scale)
    page = Paginator(businesses.order_by("umkm_code"), 50).get_page(request.GET.get("page"))
    scales = code_list_lookup("business_scale")
    scale_labels = scales.localized_labels() if scales else {}
    rows = [(business, scale_labels.get(business.scale) or business.scale) for business in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "registry/list.html", {
        "page": page, "businesses": page.object_list, "rows": rows, "selects": selects, "q": text,
        "kbli": kbli,
        "scale": scale, "scales": list(scale_labels.items()), "query": query.urlencode(),
    })


@login_required
def business_detail(request: HttpRequest, umkm_code: str) -> HttpResponse:
    if scope_for(request.user).aggregate_only:
        raise Http404
    code = normalize_code(umkm_code)
    business = get_object_or_404(
        scoped_businesses(request.user).select_related("owner", "first_submission__producer"), umkm_code=code
    )
    scope = scope_for(request.user)
    owner = presentation.owner_view(business, scope)
    record(Action.REGISTRY_VIEWED, actor=request.user, object_type="business", object_id=business.umkm_code,
           source_ip=client_ip(request), data={"by_name": not owner.masked})
    regions = region_lookup()
    variables = business.first_submission.standard_version.variables.all()
    labels = {variable.code: variable.label for variable in variables}
    return render(request, "registry/detail.html", {
        "business": business, "owner": owner,
        "transactions": [(t, presentation.labelled_values(t.values, labels))
                         for t in presentation.transactions_of(business)],
        "scale_label": presentation.code_label("business_scale", business.scale),
        "sex_label": presentation.code_label("sex", owner.sex),
        "legal_form_label": presentation.code_label("legal_form", business.legal_form),
        "history": presentation.history_of(business),
        "village_name": regions.names.name_of(business.village_code) if regions else "",
        # From the district up to the province, as an address is read.
        "region_path": [regions.names.name_of(c) for c in (business.district_code, business.regency_code,
                                                            business.province_code)] if regions else [],
    })


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    """Businesses by region and scale, one level below the region chosen."""
    selects, region = _region_choices(request)
    level_number = region.count(".") + 2 if region else 1
    level = LEVELS[min(level_number, 4) - 1]
    businesses = queries.search(scoped_businesses(request.user), region=region)
    rows = queries.region_by_scale(businesses, level)
    totals = {key: sum(r.counts[key] for r in rows) for key in (*queries.SCALES, "unknown")}
    return render(request, "registry/counts.html", {
        "rows": rows, "totals": totals, "grand_total": sum(totals.values()), "selects": selects,
        "level": level, "scales": queries.SCALES,
    })
