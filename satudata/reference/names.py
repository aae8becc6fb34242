"""Matching region names written by people to Kemendagri codes.

Old exports carry names instead of codes ("KAB. BANDUNG", "Kota Adm. Jakarta Selatan",
"Bandung"), so a name is resolved one level at a time inside its parent region. A name that
fits several regions is never guessed: the caller gets the candidates.
"""

import difflib
import re
from dataclasses import dataclass, field

_PUNCTUATION = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")

# Prefixes that say what kind of region follows; at regency level they tell a kabupaten from
# the kota of the same name (Kabupaten Bandung and Kota Bandung).
_PREFIXES: dict[int, list[tuple[str, str]]] = {
    1: [("provinsi ", ""), ("propinsi ", ""), ("prov ", ""), ("prop ", "")],
    2: [
        ("kabupaten administrasi ", "kab"), ("kab adm ", "kab"), ("kabupaten ", "kab"), ("kab ", "kab"),
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


def normalize_region_name(name: str, level: int) -> tuple[str, str]:
    """Return ``(kind, core)``: the kind its prefix names ("kab", "kota" or "") and the bare name."""
    text = name.lower().replace("'", "").replace("`", "").replace("’", "")
    text = _PUNCTUATION.sub(" ", text)
    text = _SPACES.sub(" ", text).strip() + " "
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


@dataclass(frozen=True)
class RegionCandidate:
    code: str
    name: str
    kind: str
    core: str


@dataclass
class NameMatch:
    code: str | None = None
    error: str | None = None  # "region.name_unknown" or "region.name_ambiguous"
    level: int = 0
    value: str = ""
    candidates: list[str] = field(default_factory=list)
    parent_name: str = ""


class RegionNameIndex:
    """Children of every region, keyed by normalized name, for one edition."""

    def __init__(self, entries: list[tuple[str, int, str, str]]) -> None:
        # entries: (code, level, name, parent_code)
        self._children: dict[str, list[RegionCandidate]] = {}
        self._names: dict[str, str] = {}
        for code, level, name, parent in entries:
            kind, core = normalize_region_name(name, level)
            self._children.setdefault(parent, []).append(RegionCandidate(code, name, kind, core))
            self._names[code] = name

    def name_of(self, code: str) -> str:
        return self._names.get(code, code)

    def match_child(self, parent: str, value: str, level: int) -> NameMatch:
        """Find the child region of ``parent`` (``""`` for provinces) that ``value`` names."""
        kind, core = normalize_region_name(value, level)
        children = self._children.get(parent, [])
        parent_name = self.name_of(parent) if parent else "Indonesia"
        result = NameMatch(level=level, value=value, parent_name=parent_name)
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
