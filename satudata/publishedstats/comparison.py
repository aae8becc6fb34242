"""Published figures per regency and year next to the registry's own counts."""

from dataclasses import dataclass

from django.db.models import Count, Sum

from satudata.access.scope import region_paths_q
from satudata.publishedstats.models import PublishedDataset, PublishedFigure
from satudata.registry.models import Business, TransactionRecord


@dataclass
class ComparisonRow:
    bps_code: str
    region_code: str
    region_name: str
    year: int
    published: float
    registry: int


def compare_dataset(dataset: PublishedDataset, businesses) -> list[ComparisonRow]:
    """Published totals (summed over the breakdown) against registry businesses with values for that year.

    A business counts for a year when the registry holds transaction data of that reference year.
    """
    published = (
        PublishedFigure.objects.filter(dataset=dataset)
        .values("bps_code", "region_code", "region_name", "year")
        .annotate(total=Sum("value"))
        .order_by("region_code", "bps_code", "year")
    )
    regencies = {row["region_code"] for row in published if row["region_code"]}
    years = {row["year"] for row in published}
    counts: dict[tuple[str, int], int] = {}
    records = (
        TransactionRecord.objects.filter(
            superseded_at__isnull=True, period__in=years, business__in=businesses.filter(
                region_paths_q(regencies, level=2), status=Business.Status.ACTIVE)
        )
        .values("business__regency_code", "period")
        .annotate(n=Count("business_id", distinct=True))
    )
    for row in records:
        counts[(row["business__regency_code"], row["period"])] = row["n"]
    return [
        ComparisonRow(bps_code=row["bps_code"], region_code=row["region_code"], region_name=row["region_name"],
                      year=row["year"], published=row["total"],
                      registry=counts.get((row["region_code"], row["year"]), 0))
        for row in published
    ]
