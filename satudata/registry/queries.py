"""Counts and searches over the registry. Callers pass an already scoped queryset."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from satudata.access.scope import region_path_q
from satudata.reference.lookups import code_list_lookup, region_lookup
from satudata.registry.models import Business

GROUPINGS = {
    "province": "province_code",
    "regency": "regency_code",
    "district": "district_code",
    "village": "village_code",
    "kbli": "kbli_category",
    "division": "kbli_division",
    "scale": "scale",
}
SCALES = ("MIKRO", "KECIL", "MENENGAH")


@dataclass
class CountRow:
    key: str
    label: str
    count: int


def active(queryset: QuerySet) -> QuerySet:
    return queryset.filter(status=Business.Status.ACTIVE)


def label_of(grouping: str, key: str) -> str:
    if grouping in ("province", "regency", "district", "village"):
        regions = region_lookup()
        return regions.names.name_of(key) if regions else key
    if grouping in ("kbli", "division"):
        kbli = code_list_lookup("kbli")
        return (kbli.label(key) or "") if kbli else ""
    if grouping == "scale":
        scales = code_list_lookup("business_scale")
        return (scales.label(key) or key) if scales else key
    return key


def count_by(queryset: QuerySet, grouping: str) -> list[CountRow]:
    column = GROUPINGS[grouping]
    rows = active(queryset).values(column).annotate(n=Count("id")).order_by(column)
    return [CountRow(key=r[column] or "", label=label_of(grouping, r[column] or ""), count=r["n"]) for r in rows]


@dataclass
class ScaleRow:
    key: str
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def region_by_scale(queryset: QuerySet, level: str) -> list[ScaleRow]:
    """Counts of active businesses per region (at ``level``) and business scale."""
    column = GROUPINGS[level]
    aggregates = {scale: Count("id", filter=Q(scale=scale)) for scale in SCALES}
    aggregates["unknown"] = Count("id", filter=~Q(scale__in=SCALES))
    rows = active(queryset).values(column).annotate(**aggregates).order_by(column)
    return [
        ScaleRow(key=r[column], label=label_of(level, r[column]),
                 counts={s: r[s] for s in (*SCALES, "unknown")})
        for r in rows
    ]


def search(queryset: QuerySet, *, text: str = "", region: str = "", kbli: str = "", scale: str = "") -> QuerySet:
    qs = active(queryset)
    if region:
        qs = qs.filter(region_path_q(".".join(region.split(".")[:4])))
    if kbli:
        kbli = kbli.strip().upper()
        if kbli.isalpha():
            qs = qs.filter(kbli_category=kbli)
        else:
            qs = qs.filter(kbli__startswith=kbli)
    if scale:
        qs = qs.filter(scale=scale)
    if text:
        text = text.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(umkm_code=text.upper()) | Q(nib=text))
    return qs
