"""Who may see which records: the one place that turns a user into query filters.

Region scope follows Pasal 27 ayat 7 of Permen UMKM 8/2025: the ministry sees the nation, a
province itself and everything below, a regency or city itself and below, a village itself.
Sector scope is a set of KBLI categories or divisions. Both apply together (AND); a user may
hold several regions and several sectors (OR within each). By-name access (Pasal 27 ayat 4–6)
needs the user's flag and a confidentiality statement on record.

Every query of domain data starts from ``scoped(user, Model)`` (or the ``scoped_businesses`` and
``scoped_submissions`` shortcuts), which adds the filter to the SQL itself, so lists, counts,
exports and details share one rule. ``satudata.access.tests.test_no_unscoped_queries`` fails when
a view module reads a domain model through its unscoped manager.
"""

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet

from satudata.accounts.models import Role

REGION_LEVEL_FIELDS = {1: "province_code", 2: "regency_code", 3: "district_code", 4: "village_code"}


def region_path_q(code: str, prefix: str = "") -> Q:
    """Filter on one region: its own column and the columns of every region above it.

    "32.73" gives province_code = "32" AND regency_code = "32.73". The parent columns add no
    condition, since a code begins with its parents' codes, but they let the query use the
    registry's one (province, regency, district, village) index instead of one index per level.
    """
    parts = code.split(".")
    return Q(**{f"{prefix}{REGION_LEVEL_FIELDS[level]}": ".".join(parts[:level]) for level in range(1, len(parts) + 1)})


def region_paths_q(codes: list[str] | set[str], level: int, prefix: str = "") -> Q:
    """Filter on several regions of one level, as ``region_path_q`` does for one."""
    query = Q()
    for upper in range(1, level + 1):
        parents = sorted({".".join(code.split(".")[:upper]) for code in codes})
        query &= Q(**{f"{prefix}{REGION_LEVEL_FIELDS[upper]}__in": parents})
    return query


@dataclass(frozen=True)
class Scope:
    everything: bool
    regions: tuple[str, ...] = ()
    kbli: tuple[str, ...] = ()
    by_name: bool = False
    producer_id: int | None = None
    # Business owners see the businesses whose owner has their NIK (matched by blind index).
    owner_nik_index: str | None = None
    # The walidata reads every submission, producers only their own, and a regional walidata
    # analyst those of the producers within the analyst's regions.
    all_submissions: bool = False
    submission_regions: tuple[str, ...] = ()
    # Pasal 27 ayat 4-6 grants data users aggregate data only, unless by-name access is granted,
    # so such a user gets counts and no list or page of single businesses.
    aggregate_only: bool = False

    @property
    def nothing(self) -> bool:
        return (
            not self.everything
            and not self.regions
            and not self.kbli
            and self.producer_id is None
            and self.owner_nik_index is None
        )

    def region_q(self, prefix: str = "") -> Q:
        """Filter on the region columns of a model (``province_code`` … ``village_code``)."""
        if not self.regions:
            return Q()
        query = Q(pk__in=[])
        for code in self.regions:
            query |= region_path_q(code, prefix)
        return query

    def kbli_q(self, prefix: str = "") -> Q:
        if not self.kbli:
            return Q()
        letters = [k for k in self.kbli if k.isalpha()]
        divisions = [k for k in self.kbli if k.isdigit()]
        return Q(**{f"{prefix}kbli_category__in": letters}) | Q(**{f"{prefix}kbli_division__in": divisions})

    def business_q(self, prefix: str = "") -> Q:
        """Return the whole business filter: region AND sector, or the owner's own businesses."""
        if self.owner_nik_index is not None:
            return Q(**{f"{prefix}owner__nik_index": self.owner_nik_index})
        return self.region_q(prefix) & self.kbli_q(prefix)

    def covers_region(self, village_code: str) -> bool:
        """True when the scope has no region restriction or one of its regions contains the village."""
        if not self.regions:
            return True
        return any(village_code == c or village_code.startswith(c + ".") for c in self.regions)


NO_ACCESS = Scope(everything=False)
_CACHE_ATTRIBUTE = "_satudata_scope"


def scope_for(user) -> Scope:
    """Return the scope of a signed-in user; anonymous, inactive and expired users see nothing.

    The scope is computed once per user object, which lives for one request.
    """
    if user is None or not user.is_authenticated or not user.is_active or user.is_expired:
        return NO_ACCESS
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after the user's role, regions, sectors or statements changed."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def regions_within(outer: tuple[str, ...], inner: list[str] | tuple[str, ...] | None) -> bool:
    """Return whether ``inner`` names regions and each lies in one of ``outer`` (all of Indonesia when empty)."""
    if not inner:
        return False
    return all(not outer or any(code == region or code.startswith(region + ".") for region in outer)
               for code in inner)


def _compute_scope(user) -> Scope:
    from satudata.access.models import has_statement_on_record

    wants_by_name = user.is_superuser or user.role == Role.WALIDATA_ADMIN or user.by_name_access
    by_name = wants_by_name and has_statement_on_record(user)
    regions = tuple(user.region_scope or ())
    kbli = tuple(user.kbli_scope or ())

    if user.is_superuser or user.role == Role.WALIDATA_ADMIN:
        return Scope(everything=True, by_name=by_name, all_submissions=True)
    if user.role in (Role.PRODUCER, Role.ENUMERATOR):
        if not user.producer_id:
            return NO_ACCESS
        producer = user.producer
        regions = (producer.region_code,) if producer.region_code else ()
        if user.role == Role.ENUMERATOR and regions_within(regions, user.region_scope):
            # An enumerator works in part of the producer's area and reads the registry of that part.
            regions = tuple(user.region_scope)
        kbli = tuple(producer.kbli_sectors or ())
        return Scope(
            everything=not regions and not kbli,
            regions=regions,
            kbli=kbli,
            by_name=by_name,
            producer_id=producer.id,
        )
    if user.role == Role.WALIDATA_ANALYST:
        national = not regions and not kbli
        return Scope(
            everything=national,
            regions=regions,
            kbli=kbli,
            by_name=by_name,
            all_submissions=national,
            submission_regions=regions if not kbli else (),
        )
    if user.role in (Role.DATA_USER, Role.PUBLIC_RELATIONS):
        if not regions and not kbli:
            # A data user without regions or sectors was granted nothing yet.
            return NO_ACCESS
        return Scope(everything=False, regions=regions, kbli=kbli, by_name=by_name, aggregate_only=not by_name)
    if user.role == Role.BUSINESS_OWNER and user.nik_index:
        return Scope(everything=False, by_name=by_name, owner_nik_index=user.nik_index)
    return NO_ACCESS


def _business_filter(scope: Scope, queryset: QuerySet, prefix: str) -> QuerySet:
    if scope.everything:
        return queryset
    if scope.nothing:
        return queryset.none()
    return queryset.filter(scope.business_q(prefix))


def _submission_filter(scope: Scope, queryset: QuerySet, prefix: str) -> QuerySet:
    if scope.all_submissions:
        return queryset
    if scope.producer_id is not None:
        return queryset.filter(**{f"{prefix}producer_id": scope.producer_id})
    if scope.submission_regions:
        query = Q(pk__in=[])
        for code in scope.submission_regions:
            query |= Q(**{f"{prefix}producer__region_code": code})
            query |= Q(**{f"{prefix}producer__region_code__startswith": code + "."})
        return queryset.filter(query)
    return queryset.none()


# How each domain model reaches the columns its scope is decided on: the filter kind and the
# path from the model to a Business (or a Submission). A domain model missing here cannot be
# read through ``scoped`` at all.
SCOPE_RULES: dict[str, tuple[str, str]] = {
    "registry.Business": ("business", ""),
    "registry.BusinessVersion": ("business", "business__"),
    "registry.TransactionRecord": ("business", "business__"),
    "submissions.Submission": ("submission", ""),
}


def scoped(user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
    """Return the rows of a domain model the user may see, filtered in the query itself."""
    if isinstance(model_or_queryset, QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    label = queryset.model._meta.label
    if label == "registry.Owner":
        businesses = scoped(user, queryset.model.businesses.field.model)
        return queryset.filter(pk__in=businesses.values("owner_id"))
    if label not in SCOPE_RULES:
        raise LookupError(f"{label} has no scope rule in satudata.access.scope.SCOPE_RULES")
    kind, prefix = SCOPE_RULES[label]
    scope = scope_for(user)
    if kind == "business":
        return _business_filter(scope, queryset, prefix)
    return _submission_filter(scope, queryset, prefix)


def scoped_businesses(user, queryset: QuerySet | None = None) -> QuerySet:
    """Registry businesses the user may see, filtered in the query itself."""
    from satudata.registry.models import Business

    return scoped(user, queryset if queryset is not None else Business)


def scoped_submissions(user, queryset: QuerySet | None = None) -> QuerySet:
    """Submissions the user may see: a producer's own, or all of them for the walidata."""
    from satudata.submissions.models import Submission

    return scoped(user, queryset if queryset is not None else Submission)


def producer_submissions(producer) -> QuerySet:
    """Submissions of one producer, for a request authenticated as that producer's system (API token)."""
    from satudata.submissions.models import Submission

    return Submission.objects.filter(producer=producer)
