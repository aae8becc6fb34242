"""Read-only API of the reference code lists: lists, editions, entries and crosswalk pairs.

Code lists are the published reference codes (Pasal 5 ayat 3 of Permen UMKM 8/2025: the
walidata publishes data, metadata, reference codes and master data), so any signed-in user may
read them. The docstrings of the endpoints below are the API documentation.
"""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from satudata.access.api_auth import producer_token, verified_session
from satudata.errors import NotFound
from satudata.reference.models import CodeList, Crosswalk, CrosswalkPair, Edition, Entry
from satudata.reference.services import get_edition

# Read-only metadata: a producer's system reads the standard and code lists it pushes records against.
router = Router(auth=[producer_token, verified_session])


class EditionOut(Schema):
    name: str
    source: str
    is_current: bool
    is_complete: bool = Field(description="False when only the top levels are loaded.")
    entry_count: int
    loaded_at: datetime


class CodeListOut(Schema):
    kind: str
    name: str
    name_en: str
    current_edition: str | None


class EntryOut(Schema):
    code: str
    level: int
    name: str
    parent_code: str


class CrosswalkOut(Schema):
    source_edition: str
    target_edition: str
    is_official: bool
    source: str
    pairs: int
    proposed: int


class PairOut(Schema):
    source_code: str
    target_code: str
    level: int
    relation: str = Field(description="same, renamed, renumbered, split, merged or ambiguous.")
    score: float | None = Field(
        description="Name similarity 0–100 of a proposed pair; null for official tables."
    )
    status: str = Field(description="proposed, confirmed or rejected.")


def _code_list(kind: str) -> CodeList:
    code_list = CodeList.objects.filter(kind=kind).first()
    if code_list is None:
        raise NotFound(_("Code list {kind} does not exist."), kind=kind)
    return code_list


@router.get("/code-lists", response=list[CodeListOut], summary="List the code lists")
def list_code_lists(request: HttpRequest):
    """List every code list (regions, KBLI, BPS areas, …) with the name of its current edition."""
    current = dict(Edition.objects.filter(is_current=True).values_list("code_list_id", "name"))
    return [
        CodeListOut(kind=c.kind, name=c.name, name_en=c.name_en, current_edition=current.get(c.pk))
        for c in CodeList.objects.all()
    ]


@router.get(
    "/code-lists/{kind}/editions", response=list[EditionOut], summary="List the editions of a code list"
)
def list_editions(request: HttpRequest, kind: str):
    """List the stored editions of one code list, newest first. Responds 404 for an unknown kind."""
    return list(_code_list(kind).editions.order_by("-loaded_at"))


@router.get(
    "/code-lists/{kind}/editions/{edition}/entries",
    response=list[EntryOut],
    summary="List or search the codes of an edition",
)
@paginate(LimitOffsetPagination)
def list_entries(
    request: HttpRequest,
    kind: str,
    edition: str,
    q: str = "",
    parent: str | None = None,
    level: int | None = None,
) -> QuerySet[Entry]:
    """List the codes of one edition in code order.

    ``q`` matches the start of a code or any part of a name. ``parent`` gives the children of a
    code, and an empty value gives the top level. ``level`` keeps one level. Responds 404 when the
    edition is not loaded.
    """
    entries = get_edition(kind, edition).entries.order_by("code")
    if q:
        entries = entries.filter(Q(code__startswith=q.strip()) | Q(name__icontains=q.strip()))
    if parent is not None:
        entries = entries.filter(parent_code=parent.strip())
    if level is not None:
        entries = entries.filter(level=level)
    return entries


@router.get(
    "/code-lists/{kind}/crosswalks", response=list[CrosswalkOut], summary="List the crosswalks of a code list"
)
def list_crosswalks(request: HttpRequest, kind: str):
    """List the crosswalks whose source edition belongs to the code list, with their pair counts."""
    crosswalks = Crosswalk.objects.filter(source_edition__code_list=_code_list(kind)).select_related(
        "source_edition", "target_edition"
    )
    return [
        CrosswalkOut(
            source_edition=c.source_edition.name,
            target_edition=c.target_edition.name,
            is_official=c.is_official,
            source=c.source,
            pairs=c.pairs.count(),
            proposed=c.pairs.filter(status=CrosswalkPair.Status.PROPOSED).count(),
        )
        for c in crosswalks
    ]


@router.get(
    "/code-lists/{kind}/crosswalks/{older}/{newer}/pairs",
    response=list[PairOut],
    summary="List the pairs of a crosswalk",
)
@paginate(LimitOffsetPagination)
def list_pairs(
    request: HttpRequest,
    kind: str,
    older: str,
    newer: str,
    code: str = "",
    status: str | None = None,
    relation: str | None = None,
    level: int | None = None,
) -> QuerySet[CrosswalkPair]:
    """List the pairs of the crosswalk from edition ``older`` to edition ``newer``.

    ``code`` keeps pairs whose source or target code starts with it; ``status``, ``relation`` and
    ``level`` filter on those fields. Responds 404 when either edition or the crosswalk is missing.
    """
    crosswalk = Crosswalk.objects.filter(
        source_edition=get_edition(kind, older), target_edition=get_edition(kind, newer)
    ).first()
    if crosswalk is None:
        raise NotFound(_("No crosswalk from {older} to {newer}."), older=older, newer=newer)
    pairs = crosswalk.pairs.order_by("source_code", "target_code")
    if code:
        pairs = pairs.filter(Q(source_code__startswith=code) | Q(target_code__startswith=code))
    for name, value in (("status", status), ("relation", relation), ("level", level)):
        if value is not None:
            pairs = pairs.filter(**{name: value})
    return pairs
