"""The entry form of one record, generated from the variables of a published standard version.

Nothing here names a variable: each field follows from a variable's type, code list, domain and
entity, so a variable added to a later version of the standard appears in the form as it is.
Region-name variables are left out because the form picks the region code itself.
"""

from dataclasses import dataclass, field
from typing import Any

from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from satudata.reference.lookups import CodeListLookup
from satudata.standards.models import Variable

# Sections of the form, in the order an enumerator asks the questions.
SECTION_ORDER = (Variable.Entity.BUSINESS, Variable.Entity.OWNER, Variable.Entity.TRANSACTION,
                 Variable.Entity.SOURCE)
# Text fields this long are addresses or descriptions and get a text area.
TEXT_AREA_LENGTH = 500

DATATYPE_INPUTS: dict[str, tuple[str, str]] = {
    # datatype → (input type, input mode of the phone keyboard)
    "nik": ("text", "numeric"),
    "nib": ("text", "numeric"),
    "rt_rw": ("text", "numeric"),
    "integer": ("text", "numeric"),
    "year": ("text", "numeric"),
    "money": ("text", "decimal"),
    "decimal": ("text", "decimal"),
    # A minus sign is missing from some numeric keypads, and coordinates south of the equator need it.
    "latitude": ("text", "text"),
    "longitude": ("text", "text"),
    "phone": ("tel", "tel"),
    "email": ("email", "email"),
    "date": ("date", ""),
    "text": ("text", "text"),
    # Typed only when no region list is loaded, so no picker can be offered.
    "region": ("text", "decimal"),
}
PLACEHOLDERS = {
    "nik": "3273010101900001",
    "nib": "1234567890123",
    "money": "1.500.000",
    "phone": "0812 3456 7890",
    "latitude": "-6,9147",
    "longitude": "107,6098",
    "region": "32.73.01.1001",
}


@dataclass
class Option:
    value: str
    label: str


@dataclass
class RegionLevel:
    """One select of a region picker: the regions to choose from at one step and the one chosen."""

    options: list[Option]
    selected: str = ""


@dataclass
class RegionPicker:
    """Cascading selects from the first region the user may choose down to a village."""

    roots: tuple[str, ...]
    # The fixed part above the first select, such as "Jawa Barat › Kota Bandung".
    fixed: str
    levels: list[RegionLevel]


@dataclass
class EntryField:
    code: str
    label: str
    help: str
    datatype: str
    required: bool
    entity: str
    widget: str
    input_type: str = "text"
    inputmode: str = ""
    maxlength: int | None = None
    placeholder: str = ""
    options: list[Option] = field(default_factory=list)
    picker: RegionPicker | None = None
    value: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class Section:
    entity: str
    label: str
    fields: list[EntryField]


def _code_options(variable: Variable, lookup: CodeListLookup | None) -> list[Option]:
    if lookup is None:
        return []
    level = int((variable.domain or {}).get("level", 0))
    if level:
        codes = lookup.codes(level).to_list()
        return [Option(code, f"{code} · {lookup.label(code)}" if code in lookup.labels else code)
                for code in sorted(codes)]
    return [Option(code, label) for code, label in lookup.localized_labels().items()]


# Selects stay usable on a phone up to this many options; longer lists are typed with suggestions.
SELECT_LIMIT = 60


def build_field(variable: Variable, code_lists: dict[str, CodeListLookup | None],
                pickers: dict[str, RegionPicker]) -> EntryField:
    """Return the form field of one variable; its widget follows from the variable's metadata."""
    domain = variable.domain or {}
    base = EntryField(
        code=variable.code, label=variable.label, help=variable.definition_text, datatype=variable.datatype,
        required=variable.required, entity=variable.entity, widget="input",
    )
    datatype = variable.datatype
    if datatype == "region" and variable.code in pickers:
        base.widget = "region"
        base.picker = pickers[variable.code]
        return base
    if datatype == "boolean":
        base.widget = "select"
        base.options = [Option("ya", str(_("Yes"))), Option("tidak", str(_("No")))]
        return base
    if datatype == "month":
        base.widget = "select"
        base.options = [Option(str(number), str(name)) for number, name in MONTHS.items()]
        return base
    if datatype == "code":
        lookup = code_lists.get(variable.code_list)
        options = _code_options(variable, lookup)
        complete = lookup is not None and lookup.is_complete
        if options and len(options) <= SELECT_LIMIT:
            base.widget = "select"
            base.options = options
        else:
            # A long list (KBLI) is typed with suggestions; a list known by structure only has none.
            base.widget = "datalist" if options and complete else "input"
            base.options = options if complete else []
            base.inputmode = "numeric" if variable.code_list == "kbli" else "text"
        return base
    input_type, inputmode = DATATYPE_INPUTS.get(datatype, ("text", "text"))
    base.input_type, base.inputmode = input_type, inputmode
    base.placeholder = PLACEHOLDERS.get(datatype, "")
    if datatype in ("text", "email"):
        base.maxlength = int(domain.get("max_length", 500 if datatype == "text" else 254))
        if datatype == "text" and base.maxlength >= TEXT_AREA_LENGTH:
            base.widget = "textarea"
    return base


def build_sections(variables: list[Variable], code_lists: dict[str, CodeListLookup | None],
                   pickers: dict[str, RegionPicker], values: dict[str, Any] | None = None,
                   errors: dict[str, list[str]] | None = None) -> list[Section]:
    """Build the whole form: one section per entity the variables describe, fields in the standard's order."""
    values, errors = values or {}, errors or {}
    by_entity: dict[str, list[EntryField]] = {}
    for variable in variables:
        if variable.datatype == "region_name":
            continue
        entry_field = build_field(variable, code_lists, pickers)
        entry_field.value = "" if values.get(variable.code) is None else str(values[variable.code])
        entry_field.errors = errors.get(variable.code, [])
        by_entity.setdefault(variable.entity, []).append(entry_field)
    order = [e for e in SECTION_ORDER if e in by_entity] + [e for e in by_entity if e not in SECTION_ORDER]
    sections = []
    for entity in order:
        label = str(Variable.Entity(entity).label) if entity in Variable.Entity.values else entity
        sections.append(Section(entity, label, by_entity[entity]))
    return sections


def entry_codes(variables: list[Variable]) -> list[str]:
    """Return the variable codes the form collects."""
    return [v.code for v in variables if v.datatype != "region_name"]
