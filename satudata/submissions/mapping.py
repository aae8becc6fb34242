"""Mapping a file's own column headers to the standard's variables.

Offices keep their own headers ("No KTP", "Omzet per Tahun (Rp)"), so the variable metadata
carries aliases. A mapping is proposed from the producer's saved choices first, then from
aliases and names, then from similar spellings; the producer confirms it. A column that maps to
nothing is reported, never silently dropped.
"""

import csv
import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError
from satudata.submissions.reading import normalize_header

NUMBERING_HEADERS = {"no", "nomor", "#", "no urut", "nomor urut", "urut", "nomer"}
SIMILARITY_CUTOFF = 0.85


class MappingInvalid(DomainError):
    code = "mapping.invalid"


@dataclass
class ColumnChoice:
    index: int
    header: str
    variable: str  # "" when the column is not stored
    source: str  # saved, alias, similar, numbering, excluded, unknown, duplicate

    def to_json(self) -> dict:
        return {"index": self.index, "header": self.header, "variable": self.variable, "source": self.source}


@dataclass
class Mapping:
    choices: list[ColumnChoice]
    missing_required: list[str] = field(default_factory=list)

    @property
    def columns(self) -> dict[int, str]:
        return {c.index: c.variable for c in self.choices if c.variable}

    @property
    def unmapped(self) -> list[ColumnChoice]:
        return [c for c in self.choices if not c.variable and c.source in ("unknown", "duplicate")]

    def to_json(self) -> dict:
        return {"columns": [c.to_json() for c in self.choices], "missing_required": self.missing_required}

    @classmethod
    def from_json(cls, data: dict) -> "Mapping":
        return cls(choices=[ColumnChoice(**c) for c in data.get("columns", [])],
                   missing_required=list(data.get("missing_required", [])))


def alias_index(variables) -> dict[str, str]:
    """Normalized alias, code and names → variable code. Earlier variables win a shared alias."""
    index: dict[str, str] = {}
    for variable in variables:
        for text in [variable.code, variable.name, variable.name_en, *(variable.aliases or [])]:
            if text:
                index.setdefault(normalize_header(text), variable.code)
    return index


def known_headers(variables) -> set[str]:
    return set(alias_index(variables)) | NUMBERING_HEADERS


def propose(headers: list[str], variables, saved: dict[str, str] | None = None) -> Mapping:
    """Propose a variable for every column; ``saved`` is the producer's earlier confirmed mapping."""
    variables = list(variables)
    index = alias_index(variables)
    saved = saved or {}
    choices: list[ColumnChoice] = []
    taken: set[str] = set()
    for position, header in enumerate(headers):
        key = normalize_header(header)
        if key in saved:
            variable, source = saved[key], "saved" if saved[key] else "excluded"
        elif key in index:
            variable, source = index[key], "alias"
        elif key in NUMBERING_HEADERS or key.startswith("no ") and len(key) <= 6:
            variable, source = "", "numbering"
        else:
            close = difflib.get_close_matches(key, list(index), n=1, cutoff=SIMILARITY_CUTOFF)
            variable, source = (index[close[0]], "similar") if close else ("", "unknown")
        if variable and variable in taken:
            variable, source = "", "duplicate"
        if variable:
            taken.add(variable)
        choices.append(ColumnChoice(position, header, variable, source))
    return finish(choices, variables)


def finish(choices: list[ColumnChoice], variables) -> Mapping:
    """Compute which required variables the choices leave without a column."""
    chosen = {c.variable for c in choices if c.variable}
    region_targets = {
        v.domain.get("target") for v in variables if v.datatype == "region_name" and v.code in chosen
    }
    missing = [
        v.code for v in variables
        if v.required and v.code not in chosen and v.code not in region_targets
    ]
    return Mapping(choices=choices, missing_required=missing)


def apply_overrides(mapping: Mapping, overrides: dict[int, str], variables) -> Mapping:
    """Apply the producer's corrections (column index → variable code or "") and check them."""
    variables = list(variables)
    codes = {v.code for v in variables}
    choices: list[ColumnChoice] = []
    for choice in mapping.choices:
        if choice.index in overrides:
            variable = overrides[choice.index]
            if variable and variable not in codes:
                raise MappingInvalid(_("Column {header}: {variable} is not a variable of the standard."),
                                     header=choice.header, variable=variable)
            choice = ColumnChoice(choice.index, choice.header, variable, "confirmed" if variable else "excluded")
        choices.append(choice)
    seen: dict[str, str] = {}
    for choice in choices:
        if not choice.variable:
            continue
        if choice.variable in seen:
            raise MappingInvalid(
                _("Columns {first} and {second} are both mapped to {variable}; map each variable to one column."),
                first=seen[choice.variable], second=choice.header, variable=choice.variable,
            )
        seen[choice.variable] = choice.header
    return finish(choices, variables)


def read_mapping_file(path: Path) -> dict[str, str]:
    """Read a mapping file: JSON ``{"header": "variable"}`` or a CSV with columns header,variable.

    An empty or null variable leaves the column out on purpose.
    """
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MappingInvalid(_("{file} is not valid JSON: {reason}"), file=path.name, reason=str(exc)) from None
        if not isinstance(data, dict):
            raise MappingInvalid(_("{file} must hold one JSON object of header → variable."), file=path.name)
        return {normalize_header(k): (v or "") for k, v in data.items()}
    rows = list(csv.reader(text.splitlines()))
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["header", "variable"]:
        rows = rows[1:]
    return {normalize_header(r[0]): (r[1].strip() if len(r) > 1 else "") for r in rows if r}


def saved_choices(mapping: Mapping) -> dict[str, str]:
    """The part of a confirmed mapping worth remembering for the producer's next file."""
    return {
        normalize_header(c.header): c.variable
        for c in mapping.choices
        if c.source in ("saved", "alias", "similar", "confirmed", "excluded") or c.variable
    }
