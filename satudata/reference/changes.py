"""The change report between two editions: what was added, renamed, renumbered, split, merged and removed.

The report is read off a crosswalk between the editions (proposed or official), one line per
code of the older edition plus one per code that only the newer edition has. Import shows it
before a new edition is applied; the walidata pages show it for any two stored editions.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from satudata.reference.loaders import EntryRow
from satudata.reference.proposals import AMBIGUOUS, MERGED, RENAMED, RENUMBERED, SAME, SPLIT, ProposedPair

UNCHANGED = "unchanged"
ADDED = "added"
REMOVED = "removed"
# The order the report lists change types in.
CHANGE_TYPES = (UNCHANGED, RENAMED, RENUMBERED, SPLIT, MERGED, AMBIGUOUS, REMOVED, ADDED)
CHANGE_LABELS = {
    UNCHANGED: _("unchanged"),
    RENAMED: _("renamed"),
    RENUMBERED: _("renumbered"),
    SPLIT: _("split"),
    MERGED: _("merged"),
    AMBIGUOUS: _("ambiguous, to review"),
    REMOVED: _("removed"),
    ADDED: _("added"),
}
# A code whose pairs have several relations is reported under the first of these it has.
_PRECEDENCE = (AMBIGUOUS, SPLIT, MERGED, RENUMBERED, RENAMED, SAME)
EXAMPLES_PER_TYPE = 5


@dataclass
class Change:
    """One code of the older edition (or, for ``added``, of the newer one) and what became of it."""

    change: str
    level: int
    code: str
    name: str
    # (code, name, confirmed) of each code of the other edition it corresponds to.
    targets: list[tuple[str, str, bool]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "level": self.level,
            "code": self.code,
            "name": self.name,
            "targets": [{"code": c, "name": n, "confirmed": ok} for c, n, ok in self.targets],
        }


@dataclass
class ChangeReport:
    kind: str
    old_edition: str
    new_edition: str
    old_count: int
    new_count: int
    changes: list[Change]
    pairs_by_relation: dict[str, int]
    unconfirmed_pairs: int

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(c.change for c in self.changes)
        return {change: found.get(change, 0) for change in CHANGE_TYPES}

    def counts_by_level(self) -> dict[int, dict[str, int]]:
        levels: dict[int, Counter] = defaultdict(Counter)
        for change in self.changes:
            levels[change.level][change.change] += 1
        return {level: {c: levels[level].get(c, 0) for c in CHANGE_TYPES} for level in sorted(levels)}

    def examples(self, per_type: int = EXAMPLES_PER_TYPE) -> dict[str, list[Change]]:
        """Return the first changes of each type, deepest level first because records carry those codes."""
        chosen: dict[str, list[Change]] = {change: [] for change in CHANGE_TYPES if change != UNCHANGED}
        for change in sorted(self.changes, key=lambda c: (-c.level, c.code)):
            bucket = chosen.get(change.change)
            if bucket is not None and len(bucket) < per_type:
                bucket.append(change)
        return chosen

    def to_json(self, per_type: int = EXAMPLES_PER_TYPE) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "old_edition": self.old_edition,
            "new_edition": self.new_edition,
            "old_count": self.old_count,
            "new_count": self.new_count,
            "counts": self.counts,
            "counts_by_level": {str(level): counts for level, counts in self.counts_by_level().items()},
            "pairs_by_relation": self.pairs_by_relation,
            "unconfirmed_pairs": self.unconfirmed_pairs,
            "examples": {
                change: [c.to_json() for c in items] for change, items in self.examples(per_type).items()
            },
        }


def build_report(
    kind: str,
    old_edition: str,
    new_edition: str,
    old_rows: Iterable[EntryRow],
    new_rows: Iterable[EntryRow],
    pairs: Iterable[ProposedPair],
) -> ChangeReport:
    """Classify every code of both editions from the pairs between them.

    Rejected pairs must be left out by the caller. A code of the older edition without a pair
    was removed; a code of the newer edition that no pair reaches was added.
    """
    old = {row.code: row for row in old_rows}
    new = {row.code: row for row in new_rows}
    pair_list = list(pairs)
    by_source: dict[str, list[ProposedPair]] = defaultdict(list)
    reached: set[str] = set()
    for pair in pair_list:
        by_source[pair.source].append(pair)
        reached.add(pair.target)

    changes: list[Change] = []
    for code, row in old.items():
        found = by_source.get(code)
        if not found:
            changes.append(Change(REMOVED, row.level, code, row.name))
            continue
        relations = {p.relation for p in found}
        relation = next(r for r in _PRECEDENCE if r in relations)
        targets = [
            (p.target, new[p.target].name if p.target in new else "", p.confirmed)
            for p in sorted(found, key=lambda p: p.target)
        ]
        changes.append(
            Change(UNCHANGED if relation == SAME else relation, row.level, code, row.name, targets)
        )
    for code, row in new.items():
        if code not in reached:
            changes.append(Change(ADDED, row.level, code, row.name))

    return ChangeReport(
        kind=kind,
        old_edition=old_edition,
        new_edition=new_edition,
        old_count=len(old),
        new_count=len(new),
        changes=changes,
        pairs_by_relation=dict(Counter(p.relation for p in pair_list)),
        unconfirmed_pairs=sum(1 for p in pair_list if not p.confirmed),
    )
