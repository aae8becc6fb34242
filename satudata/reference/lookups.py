"""Code lists prepared for vectorized validation, cached per process.

Building the sets for 83,762 villages takes a few hundred milliseconds, so they are built once
and rebuilt only when an edition is loaded or replaced.
"""

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl
from django.utils import translation

from satudata.reference.names import RegionNameIndex

if TYPE_CHECKING:
    from satudata.reference.models import Edition


def normalize_alias(value: str) -> str:
    return " ".join(value.lower().split())


@dataclass
class CodeListLookup:
    kind: str
    edition: str
    is_complete: bool
    codes_by_level: dict[int, pl.Series]
    # Normalized alias or code → code, for lists that accept other spellings.
    aliases: dict[str, str]
    labels: dict[str, str]
    parents: dict[str, str] = field(default_factory=dict)
    # English labels, where the list has them (the KBLI list of BPS is in Indonesian only).
    labels_en: dict[str, str] = field(default_factory=dict)

    def label(self, code: str) -> str | None:
        """Return the code's label in the active language, falling back to the Indonesian one."""
        if translation.get_language() == "en" and self.labels_en.get(code):
            return self.labels_en[code]
        return self.labels.get(code)

    def localized_labels(self) -> dict[str, str]:
        """Return every code's label in the active language, in the list's order."""
        return {code: self.label(code) or code for code in self.labels}

    def codes(self, level: int | None = None) -> pl.Series:
        if level is None:
            return pl.concat(list(self.codes_by_level.values())) if self.codes_by_level else pl.Series([], dtype=pl.String)
        return self.codes_by_level.get(level, pl.Series([], dtype=pl.String))


@dataclass
class OldVillageCodes:
    """Village codes of older editions that the current edition lacks, sorted by what the crosswalks map them to.

    ``codes`` have exactly one current village, through confirmed pairs only; ``ambiguous`` codes
    have several candidates or candidates still awaiting review, listed in ``candidates``.
    """

    codes: pl.Series
    successors: pl.Series
    editions: pl.Series
    ambiguous: pl.Series
    candidates: pl.Series

    @classmethod
    def empty(cls) -> "OldVillageCodes":
        nothing = pl.Series([], dtype=pl.String)
        return cls(nothing, nothing, nothing, nothing, nothing)


@dataclass
class RegionLookup:
    edition: str
    villages: pl.Series
    codes_by_level: dict[int, pl.Series]
    # Districts and provinces of every loaded edition, because a NIK keeps the district code it
    # was issued under even after the region is split or renumbered.
    nik_districts: pl.Series
    nik_provinces: pl.Series
    entries: list[tuple[str, int, str, str]] = field(default_factory=list, repr=False)
    parents: dict[str, str] = field(default_factory=dict, repr=False)
    # Sorted child codes of every region; "" holds the provinces.
    children: dict[str, list[str]] = field(default_factory=dict, repr=False)
    old_villages: OldVillageCodes = field(default_factory=OldVillageCodes.empty, repr=False)
    _names: RegionNameIndex | None = field(default=None, repr=False)
    _accepted_villages: pl.Series | None = field(default=None, repr=False)
    _nik_district_numbers: pl.Series | None = field(default=None, repr=False)

    def to_current(self, village: pl.Expr) -> pl.Expr:
        """Map a dotted village code to the current village, through the crosswalk for codes of older editions.

        A code that is neither current nor carried by a confirmed pair stays as it is.
        """
        old = self.old_villages
        return village.replace(old.codes, old.successors)

    def submitted_edition(self, village: pl.Expr) -> pl.Expr:
        """Return the older edition a dotted village code belongs to, or "" for a code of the current edition."""
        old = self.old_villages
        return village.replace_strict(old.codes, old.editions, default="", return_dtype=pl.String)

    @property
    def accepted_villages(self) -> pl.Series:
        """Dotted village codes valid as written: the current edition's, and older codes that a
        confirmed crosswalk carries to exactly one current village."""
        if self._accepted_villages is None:
            self._accepted_villages = pl.concat([self.villages, self.old_villages.codes])
        return self._accepted_villages

    @property
    def nik_district_numbers(self) -> pl.Series:
        """Return the first six NIK digits the full NIK rule accepts, as integers: known districts of known provinces."""
        if self._nik_district_numbers is None:
            districts = self.nik_districts.filter(
                self.nik_districts.str.contains(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$")
                & self.nik_districts.str.slice(0, 2).is_in(self.nik_provinces.implode())
            )
            self._nik_district_numbers = districts.str.replace_all(".", "", literal=True).cast(pl.Int64)
        return self._nik_district_numbers

    @property
    def names(self) -> RegionNameIndex:
        """The name index, built on first use because only files with region names need it."""
        if self._names is None:
            self._names = RegionNameIndex(self.entries)
        return self._names


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple | None = None
        self.regions: RegionLookup | None = None
        self.code_lists: dict[str, CodeListLookup] = {}


_cache = _Cache()


def _state_key() -> tuple:
    from django.db.models import Count, Max

    from satudata.reference.models import Crosswalk, Edition

    state = Edition.objects.aggregate(count=Count("id"), latest=Max("loaded_at"), current=Max("id"))
    current = tuple(Edition.objects.filter(is_current=True).order_by("id").values_list("id", flat=True))
    # Reviewing a pair moves its crosswalk's updated_at, which changes what old codes map to.
    crosswalks = Crosswalk.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return (state["count"], state["latest"], current, crosswalks["count"], crosswalks["latest"])


def _ensure_fresh() -> None:
    key = _state_key()
    if key != _cache.key:
        _cache.key = key
        _cache.regions = None
        _cache.code_lists = {}


def clear_cache() -> None:
    with _cache.lock:
        _cache.key = None
        _cache.regions = None
        _cache.code_lists = {}


def _codes_by_level(edition: "Edition") -> dict[int, pl.Series]:
    rows = list(edition.entries.values_list("code", "level"))
    frame = pl.DataFrame(rows, schema={"code": pl.String, "level": pl.Int64}, orient="row")
    return {
        int(level): group.get_column("code")
        for (level,), group in frame.group_by("level")
    }


def _children(entries: list[tuple[str, int, str, str]]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for code, _level, _name, parent in entries:
        children.setdefault(parent, []).append(code)
    for codes in children.values():
        codes.sort()
    return children


def _old_villages(current: "Edition", villages: dict[str, str]) -> OldVillageCodes:
    """Carry the villages of every older region edition that crosswalks connect to ``current``.

    Editions are taken newest first, so a code found in several editions is reported in the newest.
    """
    from satudata.reference.crosswalks import map_codes
    from satudata.reference.models import CodeList, Edition

    mapped: dict[str, tuple[str, str]] = {}
    ambiguous: dict[str, str] = {}
    older = Edition.objects.filter(code_list__kind=CodeList.REGION).exclude(pk=current.pk).order_by("-loaded_at")
    for edition in older:
        codes = [c for c in edition.entries.filter(level=4).values_list("code", flat=True)
                 if c not in villages and c not in mapped and c not in ambiguous]
        if not codes:
            continue
        try:
            carried = map_codes(codes, edition, current)
        except LookupError:
            continue
        for code, targets in carried.items():
            confirmed = sorted(t for t, ok in targets.items() if ok)
            if len(targets) == 1 and len(confirmed) == 1:
                mapped[code] = (confirmed[0], edition.name)
            else:
                ambiguous[code] = ", ".join(f"{t} {villages.get(t, '')}".strip() for t in sorted(targets))
    return OldVillageCodes(
        codes=pl.Series(list(mapped), dtype=pl.String),
        successors=pl.Series([t for t, _e in mapped.values()], dtype=pl.String),
        editions=pl.Series([e for _t, e in mapped.values()], dtype=pl.String),
        ambiguous=pl.Series(list(ambiguous), dtype=pl.String),
        candidates=pl.Series(list(ambiguous.values()), dtype=pl.String),
    )


def region_lookup() -> RegionLookup | None:
    """Return the current Kemendagri edition prepared for validation, or None when none is loaded."""
    from satudata.reference.models import CodeList, Edition, Entry

    with _cache.lock:
        _ensure_fresh()
        if _cache.regions is not None:
            return _cache.regions
        edition = Edition.objects.filter(code_list__kind=CodeList.REGION, is_current=True).first()
        if edition is None:
            return None
        entries = list(edition.entries.values_list("code", "level", "name", "parent_code"))
        codes_by_level: dict[int, list[str]] = {}
        for code, level, _name, _parent in entries:
            codes_by_level.setdefault(level, []).append(code)
        all_editions = Entry.objects.filter(edition__code_list__kind=CodeList.REGION)
        districts = sorted(set(all_editions.filter(level=3).values_list("code", flat=True)))
        provinces = sorted(set(all_editions.filter(level=1).values_list("code", flat=True)))
        villages = {code: name for code, level, name, _parent in entries if level == 4}
        _cache.regions = RegionLookup(
            edition=edition.name,
            villages=pl.Series(codes_by_level.get(4, []), dtype=pl.String),
            codes_by_level={lvl: pl.Series(codes, dtype=pl.String) for lvl, codes in codes_by_level.items()},
            nik_districts=pl.Series(districts, dtype=pl.String),
            nik_provinces=pl.Series(provinces, dtype=pl.String),
            entries=entries,
            parents={code: parent for code, _lvl, _name, parent in entries},
            children=_children(entries),
            old_villages=_old_villages(edition, villages),
        )
        return _cache.regions


def code_list_lookup(kind: str, edition_name: str | None = None) -> CodeListLookup | None:
    """Return an edition of a code list prepared for validation: the current one, or the one named.

    Placed in ``RuleContext.code_lists["kbli"]``, a named edition makes a file's KBLI codes be
    checked, and stored, in the edition they were written in. Returns None when the edition is
    not loaded.
    """
    from satudata.reference.models import Edition

    key = kind if edition_name is None else f"{kind}@{edition_name}"
    with _cache.lock:
        _ensure_fresh()
        cached = _cache.code_lists.get(key)
        if cached is not None:
            return cached
        editions = Edition.objects.filter(code_list__kind=kind)
        edition = (editions.filter(is_current=True) if edition_name is None else editions.filter(name=edition_name)).first()
        if edition is None:
            return None
        aliases: dict[str, str] = {}
        labels: dict[str, str] = {}
        labels_en: dict[str, str] = {}
        parents: dict[str, str] = {}
        entries = edition.entries.values_list("code", "name", "name_en", "parent_code", "aliases")
        for code, name, name_en, parent, entry_aliases in entries:
            labels[code] = name
            if name_en:
                labels_en[code] = name_en
            parents[code] = parent
            aliases[normalize_alias(code)] = code
            if name:
                aliases.setdefault(normalize_alias(name), code)
            for alias in entry_aliases or []:
                aliases.setdefault(normalize_alias(alias), code)
        lookup = CodeListLookup(
            kind=kind,
            edition=edition.name,
            is_complete=edition.is_complete,
            codes_by_level=_codes_by_level(edition),
            aliases=aliases,
            labels=labels,
            parents=parents,
            labels_en=labels_en,
        )
        _cache.code_lists[key] = lookup
        return lookup
