"""Matching region names written by people to Kemendagri codes.

Old exports carry names instead of codes ("KAB. BANDUNG", "Kota Adm. Jakarta Selatan",
"Bandung"), so a name is resolved one level at a time inside its parent region. A name that
fits several regions is never guessed: the caller gets the candidates.
"""

import difflib
import json
import re
from dataclasses import dataclass, field

import polars as pl

_PUNCTUATION = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")

# Prefixes that say what kind of region follows; at regency level they tell a kabupaten from
# the kota of the same name (Kabupaten Bandung and Kota Bandung).
_PREFIXES: dict[int, list[tuple[str, str]]] = {
    1: [("provinsi ", ""), ("propinsi ", ""), ("prov ", ""), ("prop ", "")],
    2: [
        ("kabupaten administrasi ", "kab"), ("kab administrasi ", "kab"), ("kab adm ", "kab"),
        ("kabupaten ", "kab"), ("kab ", "kab"),
        ("kota administrasi ", "kota"), ("kota adm ", "kota"), ("kotamadya ", "kota"), ("kodya ", "kota"),
        ("kota ", "kota"),
    ],
    3: [("kecamatan ", ""), ("kec ", ""), ("distrik ", "")],
    4: [("kelurahan ", ""), ("kel ", ""), ("desa ", ""), ("ds ", ""), ("kampung ", ""), ("nagari ", "")],
}
# Abbreviations of province names that offices use.
_ABBREVIATIONS = {
    "dki": "daerah khusus ibukota",
    "di": "daerah istimewa",
    "diy": "daerah istimewa yogyakarta",
    "kep": "kepulauan",
    "ntb": "nusa tenggara barat",
    "ntt": "nusa tenggara timur",
    "jabar": "jawa barat",
    "jateng": "jawa tengah",
    "jatim": "jawa timur",
    "sumut": "sumatera utara",
    "sumbar": "sumatera barat",
    "sumsel": "sumatera selatan",
    "kalbar": "kalimantan barat",
    "kalteng": "kalimantan tengah",
    "kalsel": "kalimantan selatan",
    "kaltim": "kalimantan timur",
    "kaltara": "kalimantan utara",
    "sulut": "sulawesi utara",
    "sulteng": "sulawesi tengah",
    "sulsel": "sulawesi selatan",
    "sultra": "sulawesi tenggara",
    "sulbar": "sulawesi barat",
    "babel": "kepulauan bangka belitung",
    "kepri": "kepulauan riau",
}


def _clean(name: str) -> str:
    text = name.lower().replace("'", "").replace("`", "").replace("’", "")
    text = _PUNCTUATION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def normalize_region_name(name: str, level: int) -> tuple[str, str]:
    """Return ``(kind, core)``: the kind its prefix names ("kab", "kota" or "") and the bare name."""
    text = _clean(name) + " "
    kind = ""
    for prefix, prefix_kind in _PREFIXES.get(level, []):
        if text.startswith(prefix):
            text, kind = text[len(prefix):], prefix_kind
            break
    words = text.split()
    if level == 1:
        expanded: list[str] = []
        for word in words:
            expanded.extend(_ABBREVIATIONS.get(word, word).split())
        words = expanded
    return kind, " ".join(words)


def normalize_names(values: pl.Series, level: int) -> pl.DataFrame:
    """``normalize_region_name`` for many names at once: columns ``kind`` and ``core``.

    Provinces, few and abbreviated in many ways, go through the Python function.
    """
    if level == 1:
        items = values.to_list()
        pairs = [normalize_region_name(v, 1) for v in items]
        return pl.DataFrame({"kind": [p[0] for p in pairs], "core": [p[1] for p in pairs],
                             "full": [_clean(v) for v in items]},
                            schema={"kind": pl.String, "core": pl.String, "full": pl.String})
    full = (
        values.str.to_lowercase().str.replace_all(r"['`’]", "").str.replace_all(r"[^a-z0-9 ]+", " ")
        .str.replace_all(r"\s+", " ").str.strip_chars()
    )
    text = full + " "
    prefixes = _PREFIXES.get(level, [])
    if not prefixes:
        return pl.DataFrame({"kind": pl.Series([""] * len(values), dtype=pl.String), "core": full, "full": full})
    # Rust's regex engine prefers the first alternative that matches, as the Python loop does.
    pattern = "^(" + "|".join(re.escape(p) for p, _kind in prefixes) + ")"
    prefix = text.str.extract(pattern, 1)
    kinds = {p: k for p, k in reversed(prefixes)}
    kind = prefix.replace_strict(list(kinds), list(kinds.values()), default="", return_dtype=pl.String)
    core = text.str.replace(pattern, "").str.strip_chars()
    return pl.DataFrame({"kind": kind, "core": core, "full": full})


@dataclass(frozen=True)
class RegionCandidate:
    code: str
    name: str
    kind: str
    core: str
    full: str


@dataclass
class NameMatch:
    code: str | None = None
    error: str | None = None  # "region.name_unknown" or "region.name_ambiguous"
    level: int = 0
    value: str = ""
    candidates: list[str] = field(default_factory=list)
    parent_name: str = ""


class LearnedSpellings:
    """Province and regency names of one file that ``exact_paths`` lacks, with the regency they name.

    Exports write a few regencies their own way ("KAB. TOLI-TOLI", "KAB. KEP. SIAU TAGULANDANG
    BIARO"). Once level-by-level matching has placed one village under such a spelling, the
    other villages written under it are found with the one join too, rather than by matching
    level by level again in every batch.
    """

    def __init__(self) -> None:
        self.regencies: set[tuple[str, str]] = set()
        self.paths: pl.DataFrame | None = None

    def learn(self, index: "RegionNameIndex", lowered: pl.DataFrame, codes: pl.Series) -> None:
        """Add the spellings of the tuples that level-by-level matching placed in a village.

        ``lowered`` has the tuples' lower-cased names ``__n1`` to ``__n4``, ``codes`` their villages.
        Level-by-level matching resolves a regency from the province's and the regency's names
        alone, so every village that ``exact_paths`` lists under that regency resolves alike when
        written under the same two names.
        """
        placed = lowered.select("__n1", "__n2").with_columns(codes.str.slice(0, 5).alias("__regency"))
        placed = placed.filter(pl.col("__regency").is_not_null()).unique()
        new = [(n1, n2, regency) for n1, n2, regency in placed.iter_rows() if (n1, n2) not in self.regencies]
        if not new:
            return
        self.regencies.update((n1, n2) for n1, n2, _regency in new)
        # A spelling that the list itself uses is in ``exact_paths`` already, because such a tuple
        # failed at a lower level. Adding its paths again would give a tuple two matches.
        spellings = pl.DataFrame(new, schema=["__n1", "__n2", "__regency"], orient="row").join(
            index.exact_paths.select("__n1", "__n2"), on=["__n1", "__n2"], how="anti")
        if not spellings.height:
            return
        paths = (
            index.exact_paths.drop("__n1", "__n2")
            .with_columns(pl.col("__code").str.slice(0, 5).alias("__regency"))
            .join(spellings, on="__regency")
            .select("__n1", "__n2", "__n3", "__n4", "__code")
            # ``exact_paths`` lists a kabupaten's villages under two spellings of its name.
            .unique(["__n1", "__n2", "__n3", "__n4"])
        )
        self.paths = paths if self.paths is None else pl.concat([self.paths, paths])


class RegionNameIndex:
    """Children of every region, keyed by normalized name, for one edition."""

    def __init__(self, entries: list[tuple[str, int, str, str]]) -> None:
        # entries: (code, level, name, parent_code)
        self._children: dict[str, list[RegionCandidate]] | None = None
        self._exact_paths: pl.DataFrame | None = None
        self._names: dict[str, str] = {code: name for code, _level, name, _parent in entries}
        frame = pl.DataFrame(entries, schema=["code", "level", "name", "parent"], orient="row")
        self._levels: dict[int, pl.DataFrame] = {}
        self._level_names: dict[int, pl.Series] = {}
        for (level,), group in frame.group_by("level"):
            normalized = normalize_names(group.get_column("name"), int(level))
            self._levels[int(level)] = pl.DataFrame({
                "__parent": group.get_column("parent"), "__core": normalized.get_column("core"),
                "__kind_ix": normalized.get_column("kind"), "__code": group.get_column("code"),
                "__full": normalized.get_column("full"),
            })
            self._level_names[int(level)] = group.get_column("name")

    @property
    def children(self) -> dict[str, list[RegionCandidate]]:
        """Candidates of every parent region for ``match_child``, built on first use.

        Bulk resolution needs only the level frames, so a file whose names all match exactly
        never builds the 90,000 candidate objects.
        """
        if self._children is None:
            children: dict[str, list[RegionCandidate]] = {}
            for level, index in self._levels.items():
                for parent, core, kind, code, name, full in zip(
                    index.get_column("__parent"), index.get_column("__core"), index.get_column("__kind_ix"),
                    index.get_column("__code"), self._level_names[level], index.get_column("__full"), strict=True,
                ):
                    children.setdefault(parent, []).append(RegionCandidate(code, name, kind, core, full))
            self._children = children
        return self._children

    def name_of(self, code: str) -> str:
        return self._names.get(code, code)

    def match_child(self, parent: str, value: str, level: int) -> NameMatch:
        """Find the child region of ``parent`` (``""`` for provinces) that ``value`` names."""
        kind, core = normalize_region_name(value, level)
        children = self.children.get(parent, [])
        parent_name = self.name_of(parent) if parent else "Indonesia"
        result = NameMatch(level=level, value=value, parent_name=parent_name)
        # The name as written, prefix included, wins over the bare name: "Kampung Gelgel" is not "Gelgel".
        full = [c for c in children if c.full == _clean(value)]
        if len(full) == 1:
            result.code = full[0].code
            return result
        exact = [c for c in children if c.core == core]
        if not exact:
            squeezed = core.replace(" ", "")
            exact = [c for c in children if c.core.replace(" ", "") == squeezed]
        if not exact and level == 1:
            # "Jakarta" or "Yogyakarta" for the province whose full name ends with it.
            exact = [c for c in children if c.core.endswith(" " + core)]
        if kind:
            same_kind = [c for c in exact if c.kind == kind]
            exact = same_kind if same_kind or level == 2 else exact
        if len(exact) == 1:
            result.code = exact[0].code
            return result
        if len(exact) > 1:
            result.error = "region.name_ambiguous"
            result.candidates = [f"{c.name} ({c.code})" for c in exact]
            return result
        result.error = "region.name_unknown"
        cores = {c.core: c for c in children}
        close = difflib.get_close_matches(core, list(cores), n=3, cutoff=0.75)
        result.candidates = [f"{cores[c].name} ({cores[c].code})" for c in close]
        return result

    def _normalize_many(self, values: pl.Series, level: int) -> pl.DataFrame:
        """(value, kind, core) for each distinct value."""
        normalized = normalize_names(values, level)
        return pl.DataFrame({
            "__value": values, "__kind_in": normalized.get_column("kind"), "__core": normalized.get_column("core"),
            "__full": normalized.get_column("full"),
        })

    @property
    def exact_paths(self) -> pl.DataFrame:
        """Every village's four names as the list writes them, lower-cased, with its code.

        Only paths whose name at each level is the only one of its kind among its siblings are
        kept, so a tuple found here resolves to the code that ``resolve_frame``'s level-by-level
        matching would give it. Exports of the old system write the names as the list does, so
        most tuples of such a file are found with one join.
        """
        if self._exact_paths is None:
            levels = {}
            for level, index in self._levels.items():
                named = index.with_columns(self._level_names[level].str.to_lowercase().alias("__name"))
                alone = named.group_by(["__parent", "__full"]).len().filter(pl.col("len") == 1)
                levels[level] = named.join(alone.drop("len"), on=["__parent", "__full"], how="semi")
                if level == 2:
                    levels[2] = pl.concat([levels[2], self._abbreviated_regencies(index)])
            paths = levels.get(4, pl.DataFrame(schema={"__parent": pl.String, "__code": pl.String,
                                                        "__name": pl.String})).select(
                pl.col("__name").alias("__n4"), pl.col("__code"), pl.col("__parent").alias("__p3"))
            for level in (3, 2, 1):
                upper = levels.get(level)
                if upper is None:
                    return pl.DataFrame(schema={"__n1": pl.String, "__n2": pl.String, "__n3": pl.String,
                                                "__n4": pl.String, "__code": pl.String})
                paths = paths.join(
                    upper.select(pl.col("__code").alias(f"__p{level}"), pl.col("__name").alias(f"__n{level}"),
                                 pl.col("__parent").alias(f"__p{level - 1}")),
                    on=f"__p{level}",
                )
            self._exact_paths = paths.select("__n1", "__n2", "__n3", "__n4", "__code")
        return self._exact_paths

    @staticmethod
    def _abbreviated_regencies(index: pl.DataFrame) -> pl.DataFrame:
        """Return the "kab. <name>" spelling of each kabupaten, as exports write it.

        Only spellings that level-by-level matching resolves to that kabupaten are returned: no
        sibling is written so, and no other kabupaten of the province has the same bare name.
        """
        kabupaten = index.filter(pl.col("__kind_ix") == "kab")
        alone = kabupaten.group_by(["__parent", "__core"]).len().filter(pl.col("len") == 1)
        written = index.select("__parent", pl.col("__full").alias("__taken"))
        return (
            kabupaten.join(alone.drop("len"), on=["__parent", "__core"], how="semi")
            .with_columns(("kab " + pl.col("__core")).alias("__taken"))
            .join(written, on=["__parent", "__taken"], how="anti")
            .with_columns(("kab. " + pl.col("__core")).alias("__name"))
            .drop("__taken")
        )

    def resolve_frame(self, tuples: pl.DataFrame, columns: list[str],
                      learned: LearnedSpellings | None = None) -> pl.DataFrame:
        """Resolve distinct name tuples (one column per level, province first) to codes.

        Returns ``tuples`` with ``__code``, ``__error``, ``__error_level`` and ``__detail``.
        Tuples written as the list writes them are found in ``exact_paths`` with one join. The
        others are matched level by level, with exact names in bulk. The few names that match no
        region or several regions go through ``match_child``, which also tries other spellings
        and lists the candidates for the message. ``learned`` carries the spellings that earlier
        calls for the same file placed level by level, and is updated with this call's.
        """
        if len(columns) == 4:
            lowered = tuples.select([pl.col(c).str.to_lowercase().alias(f"__n{i}") for i, c in enumerate(columns, 1)])
            paths = self.exact_paths
            if learned is not None and learned.paths is not None:
                paths = pl.concat([paths, learned.paths])
            found = lowered.join(paths, on=["__n1", "__n2", "__n3", "__n4"], how="left",
                                 maintain_order="left").get_column("__code")
            if found.null_count() < tuples.height:
                position = pl.int_range(pl.len(), dtype=pl.UInt32).alias("__position")
                numbered = tuples.with_columns(position, found)
                rest = numbered.filter(pl.col("__code").is_null())
                resolved = self._resolve_levels(rest.drop("__code", "__position"), columns).with_columns(
                    rest.get_column("__position"))
                if learned is not None:
                    learned.learn(self, lowered.filter(found.is_null()), resolved.get_column("__code"))
                direct = numbered.filter(pl.col("__code").is_not_null()).with_columns(
                    pl.lit(None, dtype=pl.String).alias("__error"), pl.lit(None, dtype=pl.Int32).alias("__error_level"),
                    pl.lit(None, dtype=pl.String).alias("__detail"))
                return pl.concat([direct.select(resolved.columns), resolved]).sort("__position").drop("__position")
            resolved = self._resolve_levels(tuples, columns)
            if learned is not None:
                learned.learn(self, lowered, resolved.get_column("__code"))
            return resolved
        return self._resolve_levels(tuples, columns)

    def _resolve_levels(self, tuples: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        frame = tuples.with_columns(
            pl.lit("", dtype=pl.String).alias("__parent"),
            pl.lit(None, dtype=pl.String).alias("__error"),
            pl.lit(None, dtype=pl.Int32).alias("__error_level"),
            pl.lit(None, dtype=pl.String).alias("__detail"),
        )
        for level, column in enumerate(columns, start=1):
            active = frame.filter(
                pl.col("__error").is_null() & pl.col("__parent").is_not_null() & pl.col(column).is_not_null()
            )
            keys = active.select("__parent", column).unique()
            if keys.height == 0:
                continue
            normalized = self._normalize_many(keys.get_column(column).unique(), level)
            keys = keys.join(normalized, left_on=column, right_on="__value", how="left")
            index = self._levels.get(level, pl.DataFrame(schema={
                "__parent": pl.String, "__core": pl.String, "__kind_ix": pl.String, "__code": pl.String,
                "__full": pl.String,
            }))
            by_full = keys.join(index.select("__parent", "__full", "__code"), on=["__parent", "__full"], how="left")
            by_full = by_full.group_by(["__parent", column]).agg(pl.col("__code").drop_nulls().alias("__full_codes"))
            candidates = keys.join(index.drop("__full"), on=["__parent", "__core"], how="left")
            candidates = candidates.filter(
                pl.col("__code").is_null() | (pl.col("__kind_in") == "") | (pl.col("__kind_in") == pl.col("__kind_ix"))
            )
            grouped = candidates.group_by(["__parent", column]).agg(pl.col("__code").drop_nulls().alias("__codes"))
            grouped = grouped.join(by_full, on=["__parent", column], how="left").with_columns(
                pl.when(pl.col("__full_codes").list.len() == 1).then(pl.col("__full_codes"))
                .otherwise(pl.col("__codes")).alias("__codes")
            ).drop("__full_codes")
            single = grouped.filter(pl.col("__codes").list.len() == 1).select(
                "__parent", column, pl.col("__codes").list.first().alias("__found")
            )
            others = grouped.filter(pl.col("__codes").list.len() != 1)
            fallback_rows = []
            for parent, value, _codes in others.iter_rows():
                match = self.match_child(parent, value, level)
                detail = None
                if match.code is None:
                    hint = (" (" + ", ".join(match.candidates) + ")") if match.candidates else ""
                    detail = json.dumps({"level": level, "parent": match.parent_name,
                                         "candidates": ", ".join(match.candidates), "candidates_hint": hint},
                                        ensure_ascii=False)
                fallback_rows.append((parent, value, match.code, match.error, detail))
            results = single.with_columns(
                pl.lit(None, dtype=pl.String).alias("__new_error"), pl.lit(None, dtype=pl.String).alias("__new_detail")
            )
            if fallback_rows:
                results = pl.concat([results, pl.DataFrame(
                    fallback_rows, orient="row",
                    schema={"__parent": pl.String, column: pl.String, "__found": pl.String,
                            "__new_error": pl.String, "__new_detail": pl.String},
                )])
            frame = frame.join(results, on=["__parent", column], how="left", maintain_order="left")
            reached = pl.col(column).is_not_null() & pl.col("__error").is_null()
            frame = frame.with_columns(
                pl.when(reached).then(pl.col("__found")).otherwise(pl.col("__parent")).alias("__parent"),
                pl.when(reached & pl.col("__new_error").is_not_null()).then(pl.col("__new_error"))
                .otherwise(pl.col("__error")).alias("__error"),
                pl.when(reached & pl.col("__new_error").is_not_null()).then(pl.lit(level, dtype=pl.Int32))
                .otherwise(pl.col("__error_level")).alias("__error_level"),
                pl.when(reached & pl.col("__new_error").is_not_null()).then(pl.col("__new_detail"))
                .otherwise(pl.col("__detail")).alias("__detail"),
            ).drop("__found", "__new_error", "__new_detail")
        complete = pl.all_horizontal([pl.col(c).is_not_null() for c in columns])
        return frame.with_columns(
            pl.when(pl.col("__error").is_null() & complete & (pl.col("__parent") != "")).then(pl.col("__parent"))
            .alias("__code")
        ).drop("__parent")

    def resolve(self, names: list[str | None]) -> NameMatch:
        """Resolve province, regency, district and village names, in that order, to a code.

        ``names`` holds up to four names; resolution stops at the last one given.
        """
        parent = ""
        match = NameMatch()
        for level, value in enumerate(names, start=1):
            if value is None:
                break
            match = self.match_child(parent, value, level)
            if match.code is None:
                return match
            parent = match.code
        return match
