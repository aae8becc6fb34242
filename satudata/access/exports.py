"""Exports of registry data at the two service levels of Pasal 27 ayat 6 of Permen UMKM 8/2025.

Aggregate exports (counts by region and business scale) are open to every scoped user. Exports
by name and address need by-name access with a confidentiality statement on record; without it
the export is rejected and the rejection is recorded. Both read through ``access.scope``, so
they contain exactly what the user's screens show.
"""

import csv
import io
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from satudata.access.scope import scope_for, scoped_businesses
from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.errors import PermissionDenied

# Record codes listed in the audit entry of an export; larger exports list the filters and count.
MAX_AUDITED_CODES = 1000


class ByNameRefused(PermissionDenied):
    code = "access.by_name_refused"


def count_rows(user: Any, filters: dict[str, str], level: str) -> list[list[Any]]:
    from satudata.registry import queries

    businesses = queries.search(
        scoped_businesses(user),
        region=filters.get("region", ""),
        kbli=filters.get("kbli", ""),
        scale=filters.get("scale", ""),
    )
    rows = queries.region_by_scale(businesses, level)
    header = [
        str(_("region code")),
        str(_("region")),
        *queries.SCALES,
        str(_("unknown scale")),
        str(_("total")),
    ]
    body = [[r.key, r.label, *(r.counts[s] for s in (*queries.SCALES, "unknown")), r.total] for r in rows]
    return [header, *body]


def businesses_for_export(user: Any, filters: dict[str, str]) -> QuerySet:
    from satudata.registry import queries

    return queries.search(
        scoped_businesses(user),
        text=filters.get("q", ""),
        region=filters.get("region", ""),
        kbli=filters.get("kbli", ""),
        scale=filters.get("scale", ""),
    ).order_by("umkm_code")


def export_by_name(user: Any, filters: dict[str, str], *, source_ip: str | None = None) -> str:
    """Return a CSV of businesses with their owners' personal data in clear, and record who took it.

    Raises ``ByNameRefused`` (and records the refusal) unless the user has by-name access with a
    confidentiality statement on record.
    """
    from satudata.registry.presentation import owner_view

    scope = scope_for(user)
    if not scope.by_name:
        record(Action.EXPORT_REFUSED, actor=user, source_ip=source_ip, data={"filters": filters})
        raise ByNameRefused(
            _(
                "Exports by name and address need by-name access and a confidentiality statement "
                "on record. Ask the walidata administrator."
            )
        )
    businesses = businesses_for_export(user, filters).select_related("owner")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            str(_("UMKM code")),
            str(_("NIB")),
            str(_("business name")),
            str(_("KBLI")),
            str(_("business scale")),
            str(_("village code")),
            str(_("address")),
            str(_("owner")),
            str(_("NIK")),
            str(_("phone")),
            str(_("e-mail")),
            str(_("owner's address")),
        ]
    )
    codes = []
    for business in businesses.iterator(chunk_size=2000):
        owner = owner_view(business, scope)
        writer.writerow(
            [
                business.umkm_code,
                business.nib or "",
                business.name,
                business.kbli,
                business.scale,
                business.village_code,
                business.address,
                owner.name,
                owner.nik,
                owner.phone,
                owner.email,
                owner.address,
            ]
        )
        codes.append(business.umkm_code)
    record(
        Action.REGISTRY_EXPORTED,
        actor=user,
        source_ip=source_ip,
        object_type="business",
        records=codes[:MAX_AUDITED_CODES],
        data={
            "level": "by_name",
            "rows": len(codes),
            "filters": filters,
            "records_listed": min(len(codes), MAX_AUDITED_CODES),
        },
    )
    return "\ufeff" + buffer.getvalue()


def export_counts(user: Any, filters: dict[str, str], level: str, *, source_ip: str | None = None) -> str:
    rows = count_rows(user, filters, level)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    record(
        Action.REGISTRY_EXPORTED,
        actor=user,
        source_ip=source_ip,
        data={"level": "aggregate", "grouping": level, "rows": len(rows) - 1, "filters": filters},
    )
    return "\ufeff" + buffer.getvalue()
