"""Walidata pages for code lists: browse editions, compare two editions, review crosswalk proposals."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satudata.audit.services import client_ip
from satudata.errors import DomainError
from satudata.reference import services
from satudata.reference.access import walidata_required
from satudata.reference.changes import CHANGE_LABELS, CHANGE_TYPES
from satudata.reference.models import CodeList, Crosswalk, CrosswalkPair, Edition

ENTRIES_PER_PAGE = 100
PAIRS_PER_PAGE = 50
COMPARE_EXAMPLES = 20


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@walidata_required
def code_lists(request: HttpRequest) -> HttpResponse:
    """Show every code list with its editions and the crosswalks between them."""
    lists = []
    for code_list in CodeList.objects.prefetch_related("editions"):
        crosswalks = (
            Crosswalk.objects.filter(source_edition__code_list=code_list)
            .select_related("source_edition", "target_edition")
            .annotate(
                pair_count=Count("pairs"),
                proposed=Count("pairs", filter=Q(pairs__status=CrosswalkPair.Status.PROPOSED)),
            )
        )
        lists.append(
            {
                "code_list": code_list,
                "editions": code_list.editions.order_by("-loaded_at"),
                "crosswalks": crosswalks,
            }
        )
    return render(request, "reference/code_lists.html", {"lists": lists})


@walidata_required
def edition_detail(request: HttpRequest, kind: str, edition: str) -> HttpResponse:
    """Show the codes of one edition, searchable by code or name and filtered by level or parent."""
    stored = get_object_or_404(
        Edition.objects.select_related("code_list"), code_list__kind=kind, name=edition
    )
    text = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    parent = request.GET.get("parent", "").strip()
    entries = stored.entries.order_by("code")
    if text:
        entries = entries.filter(Q(code__startswith=text) | Q(name__icontains=text))
    if level.isdigit():
        entries = entries.filter(level=int(level))
    if parent:
        entries = entries.filter(parent_code=parent)
    levels = list(stored.entries.order_by("level").values_list("level", flat=True).distinct())
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    others = stored.code_list.editions.exclude(pk=stored.pk).order_by("-loaded_at")
    return render(
        request,
        "reference/edition.html",
        {
            "edition": stored,
            "page": page,
            "q": text,
            "level": level,
            "parent": parent,
            "levels": levels,
            "others": others,
            "query": _query_without_page(request),
        },
    )


@walidata_required
def compare(request: HttpRequest, kind: str) -> HttpResponse:
    """Show the change report between two editions chosen on the page."""
    code_list = get_object_or_404(CodeList, kind=kind)
    editions = list(code_list.editions.order_by("-loaded_at"))
    older_name, newer_name = request.GET.get("older", ""), request.GET.get("newer", "")
    report = None
    if older_name and newer_name and older_name != newer_name:
        older = get_object_or_404(Edition, code_list=code_list, name=older_name)
        newer = get_object_or_404(Edition, code_list=code_list, name=newer_name)
        report = services.compare_editions(older, newer)
    rows = []
    if report is not None:
        by_level = report.counts_by_level()
        rows = [
            {
                "change": change,
                "label": CHANGE_LABELS[change],
                "total": report.counts[change],
                "levels": [by_level[level][change] for level in sorted(by_level)],
            }
            for change in CHANGE_TYPES
        ]
    return render(
        request,
        "reference/compare.html",
        {
            "code_list": code_list,
            "editions": editions,
            "older": older_name,
            "newer": newer_name,
            "report": report,
            "rows": rows,
            "levels": sorted(report.counts_by_level()) if report else [],
            "examples": [
                (CHANGE_LABELS[c], items) for c, items in report.examples(COMPARE_EXAMPLES).items() if items
            ]
            if report
            else [],
        },
    )


def _crosswalk(kind: str, older: str, newer: str) -> Crosswalk:
    return get_object_or_404(
        Crosswalk.objects.select_related("source_edition", "target_edition"),
        source_edition__code_list__kind=kind,
        source_edition__name=older,
        target_edition__name=newer,
    )


@walidata_required
def crosswalk_pairs(request: HttpRequest, kind: str, older: str, newer: str) -> HttpResponse:
    """Show the pairs of a crosswalk, by default those awaiting review, with confirm and reject buttons."""
    crosswalk = _crosswalk(kind, older, newer)
    status = request.GET.get("status", CrosswalkPair.Status.PROPOSED)
    relation = request.GET.get("relation", "")
    level = request.GET.get("level", "")
    text = request.GET.get("q", "").strip()
    pairs = crosswalk.pairs.order_by("-level", "source_code", "target_code")
    if status in CrosswalkPair.Status.values:
        pairs = pairs.filter(status=status)
    if relation in CrosswalkPair.Relation.values:
        pairs = pairs.filter(relation=relation)
    if level.isdigit():
        pairs = pairs.filter(level=int(level))
    if text:
        pairs = pairs.filter(Q(source_code__startswith=text) | Q(target_code__startswith=text))

    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    source_names = dict(
        crosswalk.source_edition.entries.filter(code__in=[p.source_code for p in shown]).values_list(
            "code", "name"
        )
    )
    target_names = dict(
        crosswalk.target_edition.entries.filter(code__in=[p.target_code for p in shown]).values_list(
            "code", "name"
        )
    )
    rows = [
        {
            "pair": p,
            "source_name": source_names.get(p.source_code, ""),
            "target_name": target_names.get(p.target_code, ""),
        }
        for p in shown
    ]

    counts = dict(crosswalk.pairs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return render(
        request,
        "reference/crosswalk.html",
        {
            "crosswalk": crosswalk,
            "kind": kind,
            "page": page,
            "rows": rows,
            "status": status,
            "relation": relation,
            "level": level,
            "q": text,
            "statuses": CrosswalkPair.Status.choices,
            "relations": CrosswalkPair.Relation.choices,
            "counts": [(label, counts.get(value, 0)) for value, label in CrosswalkPair.Status.choices],
            "query": _query_without_page(request),
            "here": request.get_full_path(),
        },
    )


@require_POST
@walidata_required
def review_pair(request: HttpRequest, kind: str, older: str, newer: str, pair_id: int) -> HttpResponse:
    """Confirm or reject one pair, then return to the page the walidata came from."""
    crosswalk = _crosswalk(kind, older, newer)
    pair = get_object_or_404(crosswalk.pairs, pk=pair_id)
    try:
        changed = services.review_pair(
            pair, request.POST.get("decision", ""), user=request.user, source_ip=client_ip(request)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Pair {source} → {target} saved; {count} pairs changed status.").format(
                source=pair.source_code, target=pair.target_code, count=len(changed)
            ),
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("reference:crosswalk", args=[kind, older, newer])
    return redirect(target)
