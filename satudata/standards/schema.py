"""Frictionless Table Schema of a standard version (https://specs.frictionlessdata.io/table-schema/)."""

from typing import Any

from satudata.reference.lookups import code_list_lookup
from satudata.standards.models import StandardVersion, Variable

# Table Schema types for the standard's data types. Identifiers stay strings so leading zeros
# and 16-digit numbers survive.
TYPES = {
    "text": "string", "integer": "integer", "decimal": "number", "money": "number", "date": "date",
    "year": "year", "month": "integer", "boolean": "boolean", "code": "string", "region": "string",
    "region_name": "string", "nik": "string", "nib": "string", "phone": "string", "email": "string",
    "rt_rw": "string", "latitude": "number", "longitude": "number",
}
PATTERNS = {
    "nik": "^[0-9]{16}$",
    "nib": "^[0-9]{13}$",
    "region": r"^[0-9]{2}\.?[0-9]{2}\.?[0-9]{2}\.?[0-9]{4}$",
    "rt_rw": "^[0-9]{1,3}$",
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
}
# Enumerations longer than this are left to the code list rather than copied into the schema.
MAX_ENUM = 50


def field_of(variable: Variable) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": variable.code,
        "title": variable.name,
        "description": variable.definition,
        "type": TYPES[variable.datatype],
    }
    if variable.datatype == "email":
        field["format"] = "email"
    constraints: dict[str, Any] = {}
    if variable.required:
        constraints["required"] = True
    if variable.datatype in PATTERNS:
        constraints["pattern"] = PATTERNS[variable.datatype]
    domain = variable.domain or {}
    if variable.datatype in ("integer", "money", "decimal", "latitude", "longitude", "year"):
        if "minimum" in domain:
            constraints["minimum"] = domain["minimum"]
        if "maximum" in domain:
            constraints["maximum"] = domain["maximum"]
    if variable.datatype == "month":
        constraints.update({"minimum": 1, "maximum": 12})
    if "max_length" in domain:
        constraints["maxLength"] = domain["max_length"]
    if variable.datatype == "code":
        lookup = code_list_lookup(variable.code_list)
        level = domain.get("level")
        if lookup is not None and variable.code_list != "kbli":
            codes = sorted(lookup.labels)
            if len(codes) <= MAX_ENUM:
                constraints["enum"] = codes
        elif lookup is not None and lookup.is_complete and level:
            field["x-codeList"] = {"kind": "kbli", "edition": lookup.edition, "level": level}
    if constraints:
        field["constraints"] = constraints
    field["x-satudata"] = {
        "kind": variable.kind, "entity": variable.entity, "timeReference": variable.time_reference,
        "personalData": variable.is_personal, "unit": variable.unit, "aliases": variable.aliases,
        "name_en": variable.name_en, "definition_en": variable.definition_en,
    }
    return field


def table_schema(version: StandardVersion, *, include_region_names: bool = False) -> dict[str, Any]:
    variables = [
        v for v in version.variables.all() if include_region_names or v.datatype != "region_name"
    ]
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "name": version.label,
        "title": version.standard.name,
        "fields": [field_of(v) for v in variables],
        "missingValues": [""],
    }
