"""The registry as it was known on a date: master data reconstructed from the bitemporal versions.

``recorded_at`` and ``superseded_at`` record when the registry learned a state and when a later one
replaced it, so the version known at instant T is the one recorded at or before T and not yet
superseded at T. Personal data in the versions stays sealed; callers mask or decrypt it.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from satudata.registry.models import Business, BusinessVersion


@dataclass
class KnownState:
    umkm_code: str
    version: int
    values: dict
    index: dict
    sealed: dict
    valid_from: dt.date
    recorded_at: dt.datetime
    superseded_at: dt.datetime | None


def _instant(when: dt.date | dt.datetime) -> dt.datetime:
    """Return the end of a date in the installation's time zone, or the datetime itself."""
    if isinstance(when, dt.datetime):
        return when if timezone.is_aware(when) else timezone.make_aware(when)
    end = dt.datetime.combine(when, dt.time.max)
    return timezone.make_aware(end)


def _known_at(instant: dt.datetime) -> Q:
    # NOTE: on SQLite, rows written by the bulk compiler store datetimes with a "+00:00" suffix and
    # the ORM compares them as text, so "recorded at or before T" is written as "before T + 1 µs",
    # which gives the same result for both spellings.
    just_after = instant + dt.timedelta(microseconds=1)
    return Q(recorded_at__lt=just_after) & (Q(superseded_at__isnull=True) | Q(superseded_at__gt=instant))


def _state(version: BusinessVersion, umkm_code: str) -> KnownState:
    data = version.data or {}
    return KnownState(
        umkm_code=umkm_code,
        version=version.number,
        values=data.get("values", {}),
        index=data.get("index", {}),
        sealed=data.get("sealed", {}),
        valid_from=version.valid_from,
        recorded_at=version.recorded_at,
        superseded_at=version.superseded_at,
    )


def business_as_of(business: Business, when: dt.date | dt.datetime) -> KnownState | None:
    """Return one business's master data as known at the end of ``when``, or None before it existed."""
    version = business.versions.filter(_known_at(_instant(when))).order_by("-number").first()
    return _state(version, business.umkm_code) if version is not None else None


def regency_as_of(regency_code: str, when: dt.date | dt.datetime) -> list[KnownState]:
    """Every business known at the end of ``when`` whose version then placed it in the regency.

    The region comes from the version itself, so a business that moved since is counted where it
    was then.
    """
    versions = (
        BusinessVersion.objects.filter(_known_at(_instant(when)))
        .filter(data__values__business_village_code__startswith=regency_code + ".")
        .select_related("business")
        .order_by("business__umkm_code")
    )
    return [_state(v, v.business.umkm_code) for v in versions]
