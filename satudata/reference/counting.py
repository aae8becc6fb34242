"""Counting registry businesses in any edition of a code list that crosswalks reach.

A business keeps its region code in the edition it was compiled under and its KBLI code in the
edition it was submitted with. To count in another edition, each distinct code is carried along
the crosswalks and then up to the requested level, so Papua is one province in 2020 terms and
four provinces in 2025 terms. A code that lands on several codes of that level, or reaches them
only through pairs still awaiting review, is counted as ambiguous rather than guessed.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from satudata.reference.crosswalks import map_codes
from satudata.reference.models import CodeList, Edition

# The business columns that hold the code and its edition, per code list.
CODE_COLUMNS = {
    CodeList.REGION: ("village_code", "region_edition"),
    CodeList.KBLI: ("kbli", "kbli_edition"),
}
EXAMPLES = 10


@dataclass
class CountRow:
    code: str
    name: str
    count: int


@dataclass
class EditionCounts:
    kind: str
    edition: str
    level: int
    rows: list[CountRow]
    # Businesses whose code corresponds to several codes of the level, or only through unconfirmed pairs.
    ambiguous: int = 0
    # Businesses whose edition no crosswalk connects, or whose code no pair carries.
    unmapped: int = 0
    # (code as stored, its edition, candidates at the level) of some ambiguous businesses.
    ambiguous_examples: list[tuple[str, str, list[str]]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rows) + self.ambiguous + self.unmapped

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "edition": self.edition,
            "level": self.level,
            "total": self.total,
            "ambiguous": self.ambiguous,
            "unmapped": self.unmapped,
            "rows": [{"code": r.code, "name": r.name, "count": r.count} for r in self.rows],
            "ambiguous_examples": [
                {"code": c, "edition": e, "candidates": t} for c, e, t in self.ambiguous_examples
            ],
        }


def _ancestors(edition: Edition, level: int) -> tuple[dict[str, str], dict[str, str]]:
    """Map each code of the edition to its ancestor at ``level``, and return the names at that level.

    A code at ``level`` is its own ancestor.
    """
    entries = {
        code: (lvl, parent, name)
        for code, lvl, parent, name in edition.entries.values_list("code", "level", "parent_code", "name")
    }
    ancestor: dict[str, str] = {}
    for code in entries:
        current = code
        while current in entries and entries[current][0] > level:
            current = entries[current][1]
        if current in entries and entries[current][0] == level:
            ancestor[code] = current
    names = {code: name for code, (lvl, _parent, name) in entries.items() if lvl == level}
    return ancestor, names


def count_businesses(businesses: QuerySet, kind: str, edition: Edition, level: int) -> EditionCounts:
    """Count ``businesses`` (already scoped by the caller) by the codes of ``edition`` at ``level``.

    Only active businesses are counted. Raises ``KeyError`` for a code list the registry does not store.
    """
    from satudata.registry.models import Business

    code_column, edition_column = CODE_COLUMNS[kind]
    groups = (
        businesses.filter(status=Business.Status.ACTIVE)
        .values(edition_column, code_column)
        .annotate(n=Count("id"))
        .values_list(edition_column, code_column, "n")
    )
    by_edition: dict[str, dict[str, int]] = defaultdict(dict)
    for edition_name, code, count in groups:
        by_edition[edition_name][code] = count

    ancestor, names = _ancestors(edition, level)
    editions = {
        e.name: e for e in Edition.objects.filter(code_list=edition.code_list, name__in=list(by_edition))
    }
    counts: Counter = Counter()
    result = EditionCounts(kind=kind, edition=edition.name, level=level, rows=[])
    for edition_name, codes in by_edition.items():
        source = editions.get(edition_name)
        try:
            carried = map_codes(codes, source, edition) if source is not None else {}
        except LookupError:
            carried = {}
        for code, count in codes.items():
            targets = carried.get(code, {})
            confirmed = {ancestor.get(t) for t, ok in targets.items() if ok} - {None}
            reached = {ancestor.get(t) for t in targets} - {None}
            if not reached:
                result.unmapped += count
            elif len(reached) == 1 and confirmed == reached:
                counts[reached.pop()] += count
            else:
                result.ambiguous += count
                if len(result.ambiguous_examples) < EXAMPLES:
                    result.ambiguous_examples.append((code, edition_name, sorted(reached)))
    result.rows = [CountRow(code, names.get(code, ""), n) for code, n in sorted(counts.items())]
    return result
