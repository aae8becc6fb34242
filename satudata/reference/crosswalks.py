"""Reading crosswalks: stored pairs, the chain of crosswalks between two editions, codes carried along it.

A crosswalk is stored from the older edition to the newer one and is read in both directions,
so records of any edition can be carried to any other edition the crosswalks connect
(2016 → 2020 → 2025 and back). A carried code keeps every code it may correspond to, with a
flag saying whether every pair on the way was confirmed.
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from satudata.reference.loaders import EntryRow
from satudata.reference.models import Crosswalk, CrosswalkPair, Edition
from satudata.reference.proposals import ProposedPair

QUERY_CHUNK = 5000


@dataclass(frozen=True)
class Step:
    """One link of a path: a crosswalk read forwards or backwards, or ``None`` for an identity link."""

    crosswalk: Crosswalk | None
    reverse: bool = False


def edition_rows(edition: Edition) -> list[EntryRow]:
    return [
        EntryRow(code=code, level=level, name=name, parent_code=parent)
        for code, level, name, parent in edition.entries.values_list("code", "level", "name", "parent_code")
    ]


def stored_pairs(crosswalk: Crosswalk, *, include_rejected: bool = False) -> list[ProposedPair]:
    pairs = crosswalk.pairs.all()
    if not include_rejected:
        pairs = pairs.exclude(status=CrosswalkPair.Status.REJECTED)
    return [
        ProposedPair(source, target, level, relation, score, status == CrosswalkPair.Status.CONFIRMED)
        for source, target, level, relation, score, status in pairs.values_list(
            "source_code", "target_code", "level", "relation", "score", "status"
        )
    ]


def _identity_partner(edition: Edition) -> Edition | None:
    """Return the complete edition that an incomplete one abbreviates (``2020-kategori`` for ``2020``).

    The built-in KBLI categories are the 2020 edition's own codes, so records checked against
    them need no crosswalk to be read in the full 2020 list.
    """
    base = edition.name.split("-", 1)[0]
    if edition.is_complete or base == edition.name:
        return None
    return Edition.objects.filter(code_list_id=edition.code_list_id, name=base, is_complete=True).first()


def _links(edition: Edition) -> list[tuple[Edition, Step]]:
    links: list[tuple[Edition, Step]] = []
    for crosswalk in Crosswalk.objects.filter(source_edition=edition).select_related("target_edition"):
        links.append((crosswalk.target_edition, Step(crosswalk)))
    for crosswalk in Crosswalk.objects.filter(target_edition=edition).select_related("source_edition"):
        links.append((crosswalk.source_edition, Step(crosswalk, reverse=True)))
    partner = _identity_partner(edition)
    if partner is not None:
        links.append((partner, Step(None)))
    if edition.is_complete:
        for abbreviation in Edition.objects.filter(
            code_list_id=edition.code_list_id, is_complete=False, name__startswith=edition.name + "-"
        ):
            links.append((abbreviation, Step(None)))
    return links


def edition_path(source: Edition, target: Edition) -> list[Step] | None:
    """Find the shortest chain of crosswalks from ``source`` to ``target``, ``[]`` for the same edition.

    Returns None when no chain connects them.
    """
    if source.pk == target.pk:
        return []
    previous: dict[int, tuple[int, Step]] = {}
    queue = deque([source])
    seen = {source.pk}
    while queue:
        edition = queue.popleft()
        for neighbour, step in _links(edition):
            if neighbour.pk in seen:
                continue
            seen.add(neighbour.pk)
            previous[neighbour.pk] = (edition.pk, step)
            if neighbour.pk == target.pk:
                steps: list[Step] = []
                node = target.pk
                while node != source.pk:
                    node, link = previous[node]
                    steps.append(link)
                return list(reversed(steps))
            queue.append(neighbour)
    return None


def _step_pairs(step: Step, codes: list[str]) -> dict[str, dict[str, bool]]:
    """Return, for each code, the codes one step on and whether each pair is confirmed.

    Rejected pairs are left out.
    """
    if step.crosswalk is None:
        return {code: {code: True} for code in codes}
    key, other = ("target_code", "source_code") if step.reverse else ("source_code", "target_code")
    result: dict[str, dict[str, bool]] = {}
    pairs = step.crosswalk.pairs.exclude(status=CrosswalkPair.Status.REJECTED)
    for start in range(0, len(codes), QUERY_CHUNK):
        chunk = codes[start : start + QUERY_CHUNK]
        for code, partner, status in pairs.filter(**{f"{key}__in": chunk}).values_list(key, other, "status"):
            result.setdefault(code, {})[partner] = status == CrosswalkPair.Status.CONFIRMED
    return result


def map_codes(codes: Iterable[str], source: Edition, target: Edition) -> dict[str, dict[str, bool]]:
    """Carry codes of ``source`` to ``target``: code → {target code: confirmed on every step}.

    Codes no pair reaches are left out. Raises ``LookupError`` when no chain of crosswalks
    connects the two editions.
    """
    path = edition_path(source, target)
    if path is None:
        raise LookupError(f"no crosswalk path from {source} to {target}")
    current: dict[str, dict[str, bool]] = {code: {code: True} for code in set(codes)}
    for step in path:
        frontier = sorted({code for targets in current.values() for code in targets})
        moved = _step_pairs(step, frontier)
        following: dict[str, dict[str, bool]] = {}
        for code, targets in current.items():
            carried: dict[str, bool] = {}
            for middle, confirmed in targets.items():
                for partner, pair_confirmed in moved.get(middle, {}).items():
                    carried[partner] = carried.get(partner, False) or (confirmed and pair_confirmed)
            if carried:
                following[code] = carried
        current = following
    return current
