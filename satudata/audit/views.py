"""The audit log in the browser, for auditors and the walidata: search, and export as CSV.

Every export is itself an audit entry naming the filters and the number of rows.
"""

import csv
from collections.abc import Iterator
from datetime import datetime, time

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from satudata.audit.models import Action, AuditEntry
from satudata.audit.services import client_ip, record

PER_PAGE = 100
FILTERS = ("action", "actor", "object_type", "object_id", "ip", "text", "since", "until")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip() for name in FILTERS}


def _day_start(value: str, *, end: bool = False) -> datetime | None:
    day = parse_date(value) if value else None
    if day is None:
        return None
    moment = datetime.combine(day, time.max if end else time.min)
    return timezone.make_aware(moment)


def search(filters: dict[str, str]) -> QuerySet:
    """Audit entries matching the filters, newest first."""
    entries = AuditEntry.objects.all()
    if filters["action"] in Action.values:
        entries = entries.filter(action=filters["action"])
    if filters["actor"]:
        entries = entries.filter(actor_label__iexact=filters["actor"])
    if filters["object_type"]:
        entries = entries.filter(object_type=filters["object_type"])
    if filters["object_id"]:
        entries = entries.filter(object_id=filters["object_id"])
    if filters["ip"]:
        entries = entries.filter(source_ip=filters["ip"])
    if filters["text"]:
        entries = entries.filter(
            Q(reason__icontains=filters["text"]) | Q(actor_label__icontains=filters["text"])
        )
    since, until = _day_start(filters["since"]), _day_start(filters["until"], end=True)
    if since:
        entries = entries.filter(created_at__gte=since)
    if until:
        entries = entries.filter(created_at__lte=until)
    return entries.order_by("-id")


def log(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(search(filters), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "entries": page.object_list,
            "filters": filters,
            "actions": Action.choices,
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "records",
    "reason",
    "source_ip",
    "data",
    "previous_hash",
    "entry_hash",
)


def _rows(entries: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for row in entries.values_list(*CSV_COLUMNS).iterator(chunk_size=5000):
        values = list(row)
        values[1] = values[1].isoformat()
        yield writer.writerow(values)


def export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV, oldest first, with the hashes needed to check the chain."""
    filters = _filters(request)
    entries = search(filters).order_by("id")
    count = entries.count()
    record(
        Action.AUDIT_EXPORTED,
        actor=request.user,
        source_ip=client_ip(request),
        data={"filters": {k: v for k, v in filters.items() if v}, "rows": count},
    )
    response = StreamingHttpResponse(_rows(entries), content_type="text/csv; charset=utf-8")
    name = _("audit-log")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.csv"'
    return response
