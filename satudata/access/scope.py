"""Who may see which records: the one place that turns a user into query filters.

Region scope follows Pasal 27 ayat 7 of Permen UMKM 8/2025: the ministry sees the nation, a
province itself and everything below, a regency or city itself and below, a village itself.
Sector scope is a set of KBLI categories or divisions. Both apply together.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from satudata.accounts.models import Role

REGION_LEVEL_FIELDS = {1: "province_code", 2: "regency_code", 3: "district_code", 4: "village_code"}


@dataclass(frozen=True)
class Scope:
    everything: bool
    regions: tuple[str, ...] = ()
    kbli: tuple[str, ...] = ()
    by_name: bool = False
    producer_id: int | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.regions and not self.kbli and self.producer_id is None

    def region_q(self, prefix: str = "") -> Q:
        """Filter on the region columns of a model (``province_code`` … ``village_code``)."""
        if not self.regions:
            return Q()
        query = Q(pk__in=[])
        for code in self.regions:
            level = code.count(".") + 1
            query |= Q(**{f"{prefix}{REGION_LEVEL_FIELDS[level]}": code})
        return query

    def kbli_q(self, prefix: str = "") -> Q:
        if not self.kbli:
            return Q()
        letters = [k for k in self.kbli if k.isalpha()]
        divisions = [k for k in self.kbli if k.isdigit()]
        return Q(**{f"{prefix}kbli_category__in": letters}) | Q(**{f"{prefix}kbli_division__in": divisions})

    def covers_region(self, village_code: str) -> bool:
        """True when the scope has no region restriction or one of its regions contains the village."""
        if not self.regions:
            return True
        return any(village_code == c or village_code.startswith(c + ".") for c in self.regions)


NO_ACCESS = Scope(everything=False)


def scope_for(user) -> Scope:
    """Return the scope of a signed-in user; anonymous and inactive users see nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    if user.is_superuser or user.role == Role.WALIDATA_ADMIN:
        return Scope(everything=True, by_name=True)
    if user.role in (Role.PRODUCER, Role.ENUMERATOR) and user.producer_id:
        producer = user.producer
        regions = (producer.region_code,) if producer.region_code else ()
        kbli = tuple(producer.kbli_sectors or ())
        return Scope(everything=not regions and not kbli, regions=regions, kbli=kbli,
                     by_name=user.by_name_access, producer_id=producer.id)
    if user.role in (Role.WALIDATA_ANALYST, Role.DATA_USER, Role.PUBLIC_RELATIONS):
        regions = tuple(user.region_scope or ())
        kbli = tuple(user.kbli_scope or ())
        national = user.role == Role.WALIDATA_ANALYST and not regions and not kbli
        return Scope(everything=national, regions=regions, kbli=kbli, by_name=user.by_name_access)
    return NO_ACCESS


def scoped_businesses(user, queryset: QuerySet | None = None) -> QuerySet:
    """Registry businesses the user may see, filtered in the query itself."""
    from satudata.registry.models import Business

    scope = scope_for(user)
    qs = queryset if queryset is not None else Business.objects.all()
    if scope.everything:
        return qs
    if scope.nothing:
        return qs.none()
    return qs.filter(scope.region_q()).filter(scope.kbli_q())


def scoped_submissions(user, queryset: QuerySet | None = None) -> QuerySet:
    """Submissions the user may see: a producer's own, or all of them for the walidata."""
    from satudata.submissions.models import Submission

    scope = scope_for(user)
    qs = queryset if queryset is not None else Submission.objects.all()
    if scope.everything and scope.producer_id is None:
        return qs
    if scope.producer_id is not None:
        return qs.filter(producer_id=scope.producer_id)
    if user.is_authenticated and user.role == Role.WALIDATA_ANALYST:
        return qs
    return qs.none()
