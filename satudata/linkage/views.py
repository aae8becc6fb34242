"""The clerical-review queue: uncertain matches shown side by side for the walidata to decide."""

import polars as pl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from satudata.access.scope import scope_for
from satudata.audit.services import client_ip
from satudata.errors import DomainError
from satudata.linkage import normalize, services
from satudata.linkage.models import ReviewItem
from satudata.registry.models import Business
from satudata.registry.presentation import _decrypt, _mask_name, owner_view
from satudata.security.masking import mask_nik, mask_phone

DECISIONS = {
    "link": ReviewItem.Status.LINKED,
    "separate": ReviewItem.Status.SEPARATED,
    "defer": ReviewItem.Status.DEFERRED,
}


def _require_walidata(request: HttpRequest) -> None:
    if not (getattr(request.user, "is_walidata", False) or request.user.is_superuser):
        raise PermissionDenied


def _normalized(kind: str, left: str, right: str) -> tuple[str, str]:
    functions = {
        "business": normalize.business_name,
        "person": normalize.person_name,
        "address": normalize.address,
    }
    if kind not in functions:
        return (left or "").strip().lower(), (right or "").strip().lower()
    frame = pl.DataFrame({"v": [left or "", right or ""]}, schema={"v": pl.String})
    values = frame.select(normalize.compact(functions[kind](pl.col("v")))).to_series().to_list()
    return values[0], values[1]


def _comparison_rows(item: ReviewItem, business: Business, scope) -> list[dict]:
    """Each compared field with both values and whether they agree after normalization."""
    incoming = item.incoming
    owner = owner_view(business, scope)
    sealed = incoming.get("sealed", {})
    nik = _decrypt("owner_nik", sealed.get("owner_nik"))
    phone = _decrypt("owner_phone", sealed.get("owner_phone"))
    clear_nik = _decrypt("owner_nik", business.owner.nik_encrypted)
    clear_phone = _decrypt("owner_phone", business.owner.phone_encrypted)
    owner_name = incoming.get("owner_name") or ""
    rows = [
        (_("Business name"), "business", incoming.get("business_name"), business.name),
        (_("NIB"), "code", incoming.get("nib"), business.nib),
        (_("Owner name"), "person", owner_name, business.owner.name),
        ("NIK", "code", nik, clear_nik),
        (_("Phone"), "code", phone, clear_phone),
        (_("Address"), "address", incoming.get("business_address"), business.address),
        (
            "RT / RW",
            "code",
            f"{incoming.get('business_rt') or '-'} / {incoming.get('business_rw') or '-'}",
            f"{business.rt or '-'} / {business.rw or '-'}",
        ),
        (_("Village code"), "code", incoming.get("business_village_code"), business.village_code),
        ("KBLI", "code", incoming.get("kbli"), business.kbli),
        (
            _("Year started"),
            "code",
            str(incoming.get("year_started") or ""),
            str(business.year_started or ""),
        ),
    ]
    shown = []
    for label, kind, left, right in rows:
        left_norm, right_norm = _normalized(kind, str(left or ""), str(right or ""))
        agrees = None if not left_norm or not right_norm else left_norm.lstrip("0") == right_norm.lstrip("0")
        if not scope.by_name:
            if label == "NIK":
                left, right = mask_nik(left), mask_nik(right)
            elif kind == "code" and label == _("Phone"):
                left, right = mask_phone(left), mask_phone(right)
            elif kind == "person":
                left, right = _mask_name(str(left or "")), owner.name
        shown.append({"label": label, "incoming": left or "—", "registry": right or "—", "agrees": agrees})
    return shown


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    _require_walidata(request)
    status = request.GET.get("status", ReviewItem.Status.OPEN)
    if status not in ReviewItem.Status.values:
        status = ReviewItem.Status.OPEN
    items = ReviewItem.objects.all()
    submission = request.GET.get("submission", "")
    if submission.isdigit():
        items = items.filter(submission_id=int(submission))
    else:
        submission = ""
    shown = items.filter(status=status).select_related("candidate")
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    statuses = [
        (value, label, items.filter(status=value).count()) for value, label in ReviewItem.Status.choices
    ]
    return render(
        request,
        "linkage/review_list.html",
        {
            "page": page,
            "items": page.object_list,
            "status": status,
            "statuses": statuses,
            "submission": submission,
            "model": services.active_model(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_walidata(request)
    item = get_object_or_404(ReviewItem.objects.select_related("candidate__owner"), pk=pk)
    if request.method == "POST":
        decision = DECISIONS.get(request.POST.get("decision", ""))
        if decision is None:
            raise PermissionDenied
        try:
            services.decide_review(
                item,
                decision,
                user=request.user,
                note=request.POST.get("note", "")[:2000],
                source_ip=client_ip(request),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("linkage:review_detail", pk=item.pk)
        following = ReviewItem.objects.filter(status=ReviewItem.Status.OPEN).first()
        if following is not None:
            return redirect("linkage:review_detail", pk=following.pk)
        return redirect("linkage:review_list")
    scope = scope_for(request.user)
    return render(
        request,
        "linkage/review_detail.html",
        {
            "item": item,
            "business": item.candidate,
            "rows": _comparison_rows(item, item.candidate, scope),
            "masked": not scope.by_name,
            "probability_percent": round(item.match_probability * 100, 1),
            "decided": item.status in (ReviewItem.Status.LINKED, ReviewItem.Status.SEPARATED),
        },
    )
