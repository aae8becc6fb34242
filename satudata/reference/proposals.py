"""Proposing a crosswalk between two editions of a code list from their codes and names.

Where no official correspondence table exists, the pairs are inferred: regions by matching
village names inside their district and regency and carrying the matches up the hierarchy,
classifications such as KBLI by comparing titles. Every pair carries a relation, a name
similarity score (0–100) and whether the evidence is strong enough to confirm it without review.
Pairs the evidence cannot decide stay unconfirmed for the walidata.

Nothing here touches the database: editions come in as ``EntryRow`` lists.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from satudata.reference.loaders import EntryRow
from satudata.reference.names import normalize_region_name

# Relations, as stored in CrosswalkPair.relation.
SAME = "same"
RENAMED = "renamed"
RENUMBERED = "renumbered"
SPLIT = "split"
MERGED = "merged"
AMBIGUOUS = "ambiguous"

# Name similarity (rapidfuzz ratio, 0–100) from which a renamed region under the same code is
# confirmed without review: spelling fixes such as "Labuhan Haji" → "Labuhanhaji" score above it.
RENAME_CONFIRM_SCORE = 80.0
# Region names that are this close to the old name inside the same regency are proposed as its
# new code, for review.
REGION_FUZZY_SCORE = 90.0
# A title under the same code at least this similar keeps the code's meaning ("same" or "renamed").
TITLE_SAME_SCORE = 90.0
# Titles at least this similar by token set are candidates for a renumbered, split or merged code.
TITLE_CANDIDATE_SCORE = 85.0
# Candidates within this many points of the best one are equally plausible: the pair is ambiguous.
TITLE_TIE_MARGIN = 3.0
MAX_TITLE_CANDIDATES = 6
# Words that carry no meaning of their own in Indonesian classification titles.
TITLE_STOPWORDS = frozenset({"dan", "atau", "yang", "di", "ke", "dari", "untuk", "serta", "dengan", "ybdi"})

_NON_WORD = re.compile(r"[^a-z0-9 ]+")


@dataclass
class ProposedPair:
    source: str
    target: str
    level: int
    relation: str
    score: float | None
    confirmed: bool


# -- names ---------------------------------------------------------------------------------------


def normalize_title(title: str) -> str:
    """Lower case, punctuation and non-breaking spaces as spaces, single spaces."""
    text = title.replace("\xa0", " ").lower().replace("/", " ")
    return " ".join(_NON_WORD.sub(" ", text).split())


def name_similarity(first: str, second: str, **_kwargs: object) -> float:
    """Similarity of two normalized names, 0–100, that ignores where the spaces fall.

    Extra keyword arguments are accepted because rapidfuzz passes ``score_cutoff`` to scorers.
    """
    return max(fuzz.ratio(first, second), fuzz.ratio(first.replace(" ", ""), second.replace(" ", "")))


def title_words(title: str) -> frozenset[str]:
    return frozenset(normalize_title(title).split()) - TITLE_STOPWORDS


def same_name(kind: str, level: int, first: str, second: str) -> bool:
    """True when two names of a code are the same name once spelling style is set aside.

    Region names are compared without their prefix style ("KAB. MERAUKE" is "Kabupaten Merauke").
    """
    from satudata.reference.models import CodeList

    if kind == CodeList.REGION:
        old_kind, old_core = normalize_region_name(first, level)
        new_kind, new_core = normalize_region_name(second, level)
        return (old_kind, old_core.replace(" ", "")) == (new_kind, new_core.replace(" ", ""))
    return normalize_title(first).replace(" ", "") == normalize_title(second).replace(" ", "")


# -- relations from the shape of the pairs --------------------------------------------------------


def base_relation(source: str, target: str, names_match: bool) -> str:
    """Return the relation of a pair whose source and target have no other partner."""
    if source != target:
        return RENUMBERED
    return SAME if names_match else RENAMED


def classify(pairs: list[ProposedPair]) -> list[ProposedPair]:
    """Mark pairs as split or merged from how many targets a source has and sources a target has.

    Ambiguous pairs keep their relation: they are alternatives, not parts of a split. Same,
    renamed and renumbered come from the name evidence and stay where each side has one partner.
    """
    targets: dict[tuple[int, str], set[str]] = defaultdict(set)
    sources: dict[tuple[int, str], set[str]] = defaultdict(set)
    for pair in pairs:
        if pair.relation != AMBIGUOUS:
            targets[(pair.level, pair.source)].add(pair.target)
            sources[(pair.level, pair.target)].add(pair.source)
    for pair in pairs:
        if pair.relation == AMBIGUOUS:
            continue
        if len(targets[(pair.level, pair.source)]) > 1:
            pair.relation = SPLIT
        elif len(sources[(pair.level, pair.target)]) > 1:
            pair.relation = MERGED
    return pairs


# -- regions ---------------------------------------------------------------------------------------


class _RegionEdition:
    """One region edition indexed for matching: normalized names, ancestors and name keys."""

    def __init__(self, rows: Iterable[EntryRow]) -> None:
        self.rows = {row.code: row for row in rows}
        self.leaf_level = max((row.level for row in self.rows.values()), default=0)
        self.kind_core: dict[str, tuple[str, str]] = {}
        for row in self.rows.values():
            kind, core = normalize_region_name(row.name, row.level)
            self.kind_core[row.code] = (kind, core.replace(" ", ""))
        # (village, district, regency) name key → village codes
        self.by_key: dict[tuple, list[str]] = defaultdict(list)
        # (regency code, village name) → village codes
        self.by_regency_name: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.by_regency: dict[str, list[str]] = defaultdict(list)
        self.regencies_by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
        for code, row in self.rows.items():
            if row.level == 2:
                self.regencies_by_name[self.kind_core[code]].append(code)
            if row.level != self.leaf_level:
                continue
            self.by_key[self.key(code)].append(code)
            regency = self.ancestor(code, 2)
            self.by_regency_name[(regency, self.kind_core[code][1])].append(code)
            self.by_regency[regency].append(code)

    def ancestor(self, code: str, level: int) -> str:
        row = self.rows.get(code)
        while row is not None and row.level > level:
            row = self.rows.get(row.parent_code)
        return row.code if row is not None else ""

    def key(self, code: str) -> tuple:
        """Return the names of a village, its district and its regency, which survive a province split."""
        district = self.ancestor(code, 3)
        regency = self.ancestor(code, 2)
        return (
            self.kind_core[code][1],
            self.kind_core.get(district, ("", ""))[1],
            self.kind_core.get(regency, ("", "")),
        )

    def core(self, code: str) -> str:
        return self.kind_core[code][1]


def _village_type(code: str) -> str:
    """Return the first digit of a village code's last part: 1 kelurahan, 2 desa, 3 desa adat."""
    return code.rsplit(".", 1)[-1][:1]


def _prefer_same_type(source: str, candidates: list[str]) -> list[str]:
    same_type = [c for c in candidates if _village_type(c) == _village_type(source)]
    return same_type if len(same_type) == 1 else candidates


def _match_villages(old: _RegionEdition, new: _RegionEdition) -> list[ProposedPair]:
    level = old.leaf_level
    pairs: list[ProposedPair] = []
    unmatched: list[str] = []
    new_only = {code for code, row in new.rows.items() if row.level == level} - set(old.rows)
    for code, row in old.rows.items():
        if row.level != level:
            continue
        if code in new.rows:
            score = name_similarity(old.core(code), new.core(code))
            if old.core(code) == new.core(code):
                pairs.append(ProposedPair(code, code, level, SAME, 100.0, True))
                continue
            # The old name under a newly created code of the same district means the code was reused.
            moved = [c for c in new.by_key.get(old.key(code), []) if c in new_only]
            if moved:
                pairs.extend(
                    ProposedPair(
                        code,
                        target,
                        level,
                        AMBIGUOUS,
                        name_similarity(old.core(code), new.core(target)),
                        False,
                    )
                    for target in [code, *moved]
                )
                continue
            pairs.append(ProposedPair(code, code, level, RENAMED, score, score >= RENAME_CONFIRM_SCORE))
            continue
        candidates = _prefer_same_type(code, [c for c in new.by_key.get(old.key(code), []) if c in new_only])
        if len(candidates) == 1:
            pairs.append(ProposedPair(code, candidates[0], level, RENUMBERED, 100.0, True))
        elif candidates:
            pairs.extend(ProposedPair(code, c, level, AMBIGUOUS, 100.0, False) for c in candidates)
        else:
            unmatched.append(code)

    # Villages that also changed district: look for the name in the regencies that took over the
    # old regency, as seen from the villages already matched.
    successors: dict[str, set[str]] = defaultdict(set)
    for pair in pairs:
        successors[old.ancestor(pair.source, 2)].add(new.ancestor(pair.target, 2))
    for code in old.rows:
        if old.rows[code].level == 2:
            successors[code].update(new.regencies_by_name.get(old.kind_core[code], []))
            if code in new.rows:
                successors[code].add(code)
    for code in unmatched:
        regencies = sorted(successors.get(old.ancestor(code, 2), set()))
        found = [
            c
            for regency in regencies
            for c in new.by_regency_name.get((regency, old.core(code)), [])
            if c in new_only
        ]
        found = _prefer_same_type(code, found)
        if len(found) == 1:
            pairs.append(ProposedPair(code, found[0], level, RENUMBERED, 100.0, True))
            continue
        if found:
            pairs.extend(ProposedPair(code, c, level, AMBIGUOUS, 100.0, False) for c in found)
            continue
        pool = [c for regency in regencies for c in new.by_regency[regency] if c in new_only]
        if not pool:
            continue
        best = process.extract(
            old.core(code),
            {c: new.core(c) for c in pool},
            scorer=name_similarity,
            score_cutoff=REGION_FUZZY_SCORE,
            limit=3,
        )
        if not best:
            continue
        top = best[0][1]
        close = [key for _name, score, key in best if score >= top - TITLE_TIE_MARGIN]
        relation = RENUMBERED if len(close) == 1 else AMBIGUOUS
        pairs.extend(ProposedPair(code, c, level, relation, round(top, 1), False) for c in close)
    return pairs


def _carry_up(
    old: _RegionEdition, new: _RegionEdition, village_pairs: list[ProposedPair]
) -> list[ProposedPair]:
    """Pairs of provinces, regencies and districts from the pairs of the villages inside them.

    Confirmed village pairs decide; an area whose villages have only unconfirmed pairs gets
    unconfirmed pairs from them.
    """
    pairs: list[ProposedPair] = []
    for level in range(old.leaf_level - 1, 0, -1):
        confirmed: dict[str, set[str]] = defaultdict(set)
        proposed: dict[str, set[str]] = defaultdict(set)
        for pair in village_pairs:
            if pair.relation == AMBIGUOUS:
                continue
            source = old.ancestor(pair.source, level)
            target = new.ancestor(pair.target, level)
            if source and target:
                (confirmed if pair.confirmed else proposed)[source].add(target)
        for code, row in old.rows.items():
            if row.level != level:
                continue
            targets, is_confirmed = confirmed.get(code), True
            if not targets:
                targets, is_confirmed = proposed.get(code), False
            if not targets and code in new.rows:
                # An area without villages keeps its code when the code still exists.
                targets, is_confirmed = {code}, True
            for target in sorted(targets or ()):
                score = name_similarity(old.core(code), new.core(target))
                if target == code:
                    relation = SAME if old.core(code) == new.core(target) else RENAMED
                else:
                    relation = RENUMBERED
                pairs.append(ProposedPair(code, target, level, relation, score, is_confirmed))
    return pairs


def propose_region_crosswalk(
    old_rows: Iterable[EntryRow], new_rows: Iterable[EntryRow]
) -> list[ProposedPair]:
    """Propose pairs between two Kemendagri region editions.

    Villages keep their names when their regency moves to a new province, so a village is
    matched by the names of the village, its district and its regency. A village that also moved
    to another district is matched by name inside the regencies that took over its old one.
    Districts, regencies and provinces follow the villages inside them.
    """
    old, new = _RegionEdition(old_rows), _RegionEdition(new_rows)
    villages = _match_villages(old, new)
    return classify(villages + _carry_up(old, new, villages))


# -- titles (KBLI and other classifications) ------------------------------------------------------


def _propose_level(old: dict[str, str], new: dict[str, str], level: int) -> list[ProposedPair]:
    pairs: list[ProposedPair] = []
    old_norm = {code: normalize_title(title) for code, title in old.items()}
    new_norm = {code: normalize_title(title) for code, title in new.items()}
    by_title: dict[str, list[str]] = defaultdict(list)
    for code, title in new_norm.items():
        by_title[title.replace(" ", "")].append(code)
    new_codes = list(new_norm)
    new_words = {code: title_words(new[code]) for code in new_codes}
    remaining: list[str] = []
    for code, title in old_norm.items():
        if code in new_norm and not old[code]:
            # An edition that lists a code without its title (the built-in KBLI divisions) keeps the code.
            pairs.append(ProposedPair(code, code, level, SAME, None, True))
            continue
        if code in new_norm:
            score = name_similarity(title, new_norm[code])
            if score >= TITLE_SAME_SCORE:
                relation = SAME if title == new_norm[code] else RENAMED
                pairs.append(ProposedPair(code, code, level, relation, round(score, 1), True))
                continue
        exact = [c for c in by_title.get(title.replace(" ", ""), []) if c != code]
        if len(exact) == 1:
            pairs.append(ProposedPair(code, exact[0], level, RENUMBERED, 100.0, True))
            continue
        if exact:
            pairs.extend(ProposedPair(code, c, level, AMBIGUOUS, 100.0, False) for c in exact)
            continue
        remaining.append(code)
    if not remaining or not new_codes:
        return pairs

    choices = [new_norm[c] for c in new_codes]
    for code in remaining:
        title = old_norm[code]
        found = process.extract(
            title,
            choices,
            scorer=fuzz.token_set_ratio,
            score_cutoff=TITLE_CANDIDATE_SCORE,
            limit=MAX_TITLE_CANDIDATES,
        )
        candidates = {new_codes[index]: score for _text, score, index in found}
        if code in new_norm:
            candidates.setdefault(code, fuzz.token_set_ratio(title, new_norm[code]))
            if candidates[code] < TITLE_CANDIDATE_SCORE and len(candidates) > 1:
                del candidates[code]
        if not candidates:
            continue
        words = title_words(old[code])
        # The old title's words spread over several new titles: each new title's words are part of it.
        parts = [c for c in candidates if new_words[c] and new_words[c] < words]
        if len(parts) >= 2:
            pairs.extend(ProposedPair(code, c, level, SPLIT, round(candidates[c], 1), False) for c in parts)
            continue
        top = max(candidates.values())
        close = sorted(c for c, score in candidates.items() if score >= top - TITLE_TIE_MARGIN)
        if len(close) == 1:
            target = close[0]
            relation = RENAMED if target == code else RENUMBERED
            pairs.append(ProposedPair(code, target, level, relation, round(top, 1), False))
        else:
            pairs.extend(
                ProposedPair(code, c, level, AMBIGUOUS, round(candidates[c], 1), False) for c in close
            )
    return pairs


def propose_title_crosswalk(old_rows: Iterable[EntryRow], new_rows: Iterable[EntryRow]) -> list[ProposedPair]:
    """Propose pairs between two editions of a classification by comparing codes and titles, level by level.

    Same code and a similar title keep the meaning (same or renamed, confirmed). The same title
    under one other code is a renumbering (confirmed). Otherwise the closest titles by token set
    are proposed for review: several new titles that each hold part of the old title's words are
    a split, several equally close titles are ambiguous. Several old codes proposed for the same
    new code become a merge.
    """
    old_by_level: dict[int, dict[str, str]] = defaultdict(dict)
    new_by_level: dict[int, dict[str, str]] = defaultdict(dict)
    for row in old_rows:
        old_by_level[row.level][row.code] = row.name
    for row in new_rows:
        new_by_level[row.level][row.code] = row.name
    pairs: list[ProposedPair] = []
    for level in sorted(old_by_level):
        pairs.extend(_propose_level(old_by_level[level], new_by_level.get(level, {}), level))
    return classify(pairs)


def propose(kind: str, old_rows: Sequence[EntryRow], new_rows: Sequence[EntryRow]) -> list[ProposedPair]:
    """Propose a crosswalk for a code list of the given kind."""
    from satudata.reference.models import CodeList

    if kind == CodeList.REGION:
        return propose_region_crosswalk(old_rows, new_rows)
    return propose_title_crosswalk(old_rows, new_rows)
