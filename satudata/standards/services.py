"""Every change to a data standard: drafting, editing, proposing, agreeing, publishing.

Published versions are immutable (``LockedByVersion`` refuses to save their metadata); a change
is a new draft based on the published version. Each step is written to the audit log.
"""

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.audit.services import record
from satudata.errors import DomainError
from satudata.reference.models import CodeList
from satudata.standards.formulas import parse
from satudata.standards.models import (
    Activity, AttributeDefinition, Check, Indicator, StandardVersion, Variable,
)

logger = logging.getLogger(__name__)
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
VARIABLE_FIELDS = (
    "name", "name_en", "definition", "definition_en", "datatype", "code_list", "domain", "required", "kind",
    "entity", "time_reference", "time_reference_en", "unit", "is_personal", "aliases", "concept", "reference",
    "question", "measure", "validation_rules", "is_public", "confidentiality", "extra",
)
INDICATOR_FIELDS = (
    "name", "name_en", "concept", "concept_en", "definition", "definition_en", "interpretation",
    "interpretation_en", "formula", "unit", "disaggregations", "is_composite", "estimation_level", "is_public", "extra",
)


class StandardError(DomainError):
    code = "standard.invalid"


class WrongStatus(StandardError):
    code = "standard.wrong_status"
    http_status = 409


def _require_status(version: StandardVersion, *statuses: str) -> None:
    if version.status not in statuses:
        raise WrongStatus(_("Version {label} is {status}; this step needs it to be {expected}."),
                          label=version.label, status=version.get_status_display(),
                          expected=" / ".join(str(StandardVersion.Status(s).label) for s in statuses))


def _copy(instance, **changes):
    instance.pk = None
    instance.id = None
    instance._state.adding = True
    for key, value in changes.items():
        setattr(instance, key, value)
    instance.save()
    return instance


@transaction.atomic
def create_draft(based_on: StandardVersion, *, actor: Any = None) -> StandardVersion:
    """Start a new draft version with a copy of every variable, check, indicator and activity."""
    number = (StandardVersion.objects.filter(standard=based_on.standard).aggregate(n=Max("number"))["n"] or 0) + 1
    draft = StandardVersion.objects.create(standard=based_on.standard, number=number, based_on=based_on,
                                           notes=based_on.notes)
    for item in list(based_on.variables.all()) + list(based_on.checks.all()) + list(based_on.indicators.all()) + list(
        based_on.activities.all()
    ):
        _copy(item, version=draft)
    record("standard.drafted", actor=actor, object_type="standard_version", object_id=draft.label,
           data={"based_on": based_on.label})
    return draft


def validate_extra(target: str, values: dict[str, Any]) -> dict[str, Any]:
    """Check further characteristics against their declarations and return them typed."""
    definitions = {d.code: d for d in AttributeDefinition.objects.filter(target=target)}
    clean: dict[str, Any] = {}
    for code, value in (values or {}).items():
        definition = definitions.get(code)
        if definition is None:
            raise StandardError(_("{code} is not a declared characteristic of {target} metadata."),
                                code=code, target=target)
        if value in (None, ""):
            continue
        clean[code] = _typed(definition, value)
    for code, definition in definitions.items():
        if definition.required and code not in clean:
            raise StandardError(_("The characteristic {name} is required."), name=definition.label)
    return clean


def _typed(definition: AttributeDefinition, value: Any) -> Any:
    try:
        if definition.datatype == AttributeDefinition.DataType.NUMBER:
            return float(value)
        if definition.datatype == AttributeDefinition.DataType.DATE:
            return dt.date.fromisoformat(str(value)).isoformat()
        if definition.datatype == AttributeDefinition.DataType.BOOLEAN:
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in ("1", "true", "ya", "yes")
    except ValueError:
        raise StandardError(_("{value} is not a valid {type} for {name}."), value=value,
                            type=definition.get_datatype_display(), name=definition.label) from None
    if definition.datatype == AttributeDefinition.DataType.CHOICE and value not in definition.choices:
        raise StandardError(_("{value} is not one of the choices of {name}: {choices}."), value=value,
                            name=definition.label, choices=", ".join(map(str, definition.choices)))
    return str(value)


def _check_variable(version: StandardVersion, data: dict[str, Any], *, code: str) -> dict[str, Any]:
    if not CODE_PATTERN.match(code):
        raise StandardError(_("The code {code} must start with a letter and use only a–z, 0–9 and _."), code=code)
    if data.get("datatype") not in Variable.DataType.values:
        raise StandardError(_("{type} is not a data type of the standard."), type=data.get("datatype"))
    if data.get("kind") not in Variable.Kind.values:
        raise StandardError(_("The data kind must be master or transaction."))
    if data.get("datatype") in ("code", "region", "region_name"):
        if not data.get("code_list") or not CodeList.objects.filter(kind=data["code_list"]).exists():
            raise StandardError(_("A coded variable needs an existing code list; {code_list} is not one."),
                                code_list=data.get("code_list") or "—")
    for name in ("name", "name_en", "definition", "definition_en", "time_reference"):
        if not str(data.get(name) or "").strip():
            raise StandardError(_("{field} is required for a variable (Pasal 12 ayat 2)."), field=name)
    data["entity"] = data.get("entity") or ("transaction" if data["kind"] == "transaction" else "business")
    data["time_reference_en"] = data.get("time_reference_en") or data["time_reference"]
    data["aliases"] = [a.strip() for a in data.get("aliases") or [] if a and a.strip()]
    data["extra"] = validate_extra(AttributeDefinition.Target.VARIABLE, data.get("extra") or {})
    return data


@transaction.atomic
def add_variable(version: StandardVersion, code: str, data: dict[str, Any], *, actor: Any = None) -> Variable:
    """Add a variable to a draft; transaction values are stored by code, so no migration is needed."""
    _require_status(version, StandardVersion.Status.DRAFT)
    if version.variables.filter(code=code).exists():
        raise StandardError(_("Version {label} already has a variable {code}."), label=version.label, code=code)
    data = _check_variable(version, dict(data), code=code)
    position = (version.variables.aggregate(p=Max("position"))["p"] or 0) + 1
    variable = Variable.objects.create(version=version, code=code, position=position,
                                       **{k: data.get(k, Variable._meta.get_field(k).get_default()) for k in VARIABLE_FIELDS})
    record("standard.variable_added", actor=actor, object_type="standard_version", object_id=version.label,
           data={"variable": code, "datatype": variable.datatype, "kind": variable.kind})
    return variable


@transaction.atomic
def update_variable(variable: Variable, data: dict[str, Any], *, actor: Any = None) -> Variable:
    _require_status(variable.version, StandardVersion.Status.DRAFT)
    merged = {k: getattr(variable, k) for k in VARIABLE_FIELDS}
    merged.update(data)
    merged = _check_variable(variable.version, merged, code=variable.code)
    changed = [k for k in VARIABLE_FIELDS if merged.get(k) != getattr(variable, k)]
    for k in changed:
        setattr(variable, k, merged[k])
    variable.save()
    record("standard.variable_changed", actor=actor, object_type="standard_version", object_id=variable.version.label,
           data={"variable": variable.code, "fields": changed})
    return variable


@transaction.atomic
def remove_variable(variable: Variable, *, actor: Any = None) -> None:
    version = variable.version
    _require_status(version, StandardVersion.Status.DRAFT)
    users = [i.code for i in version.indicators.all() if variable.code in (i.variables or [])]
    if users:
        raise StandardError(_("{code} is used by the indicators {indicators}; change them first."),
                            code=variable.code, indicators=", ".join(users))
    variable.delete()
    record("standard.variable_removed", actor=actor, object_type="standard_version", object_id=version.label,
           data={"variable": variable.code})


def _check_indicator(version: StandardVersion, data: dict[str, Any]) -> dict[str, Any]:
    for name in ("name", "concept", "definition", "interpretation", "formula"):
        if not str(data.get(name) or "").strip():
            raise StandardError(_("{field} is required for an indicator (Pasal 12 ayat 3)."), field=name)
    parsed = parse(data["formula"], set(version.variables.values_list("code", flat=True)))
    data["formula"] = parsed.text
    data["variables"] = parsed.variables
    from satudata.standards.computation import DISAGGREGATIONS

    unknown = [d for d in data.get("disaggregations") or [] if d not in DISAGGREGATIONS]
    if unknown:
        raise StandardError(_("Unknown disaggregation {names}; use {choices}."), names=", ".join(unknown),
                            choices=", ".join(DISAGGREGATIONS))
    data["name_en"] = data.get("name_en") or data["name"]
    data["extra"] = validate_extra(AttributeDefinition.Target.INDICATOR, data.get("extra") or {})
    return data


@transaction.atomic
def save_indicator(version: StandardVersion, code: str, data: dict[str, Any], *, actor: Any = None) -> Indicator:
    """Add an indicator to a draft, or change one; the formula is checked against the variables."""
    _require_status(version, StandardVersion.Status.DRAFT)
    if not CODE_PATTERN.match(code):
        raise StandardError(_("The code {code} must start with a letter and use only a–z, 0–9 and _."), code=code)
    indicator = version.indicators.filter(code=code).first()
    current = {k: getattr(indicator, k) for k in INDICATOR_FIELDS} if indicator else {}
    current.update(data)
    clean = _check_indicator(version, current)
    values = {k: clean.get(k, Indicator._meta.get_field(k).get_default()) for k in (*INDICATOR_FIELDS, "variables")}
    if indicator is None:
        position = (version.indicators.aggregate(p=Max("position"))["p"] or 0) + 1
        indicator = Indicator.objects.create(version=version, code=code, position=position, **values)
    else:
        for key, value in values.items():
            setattr(indicator, key, value)
        indicator.save()
    record("standard.indicator_saved", actor=actor, object_type="standard_version", object_id=version.label,
           data={"indicator": code, "formula": indicator.formula})
    return indicator


@transaction.atomic
def propose(version: StandardVersion, *, actor: Any = None) -> StandardVersion:
    _require_status(version, StandardVersion.Status.DRAFT)
    if not version.variables.exists():
        raise StandardError(_("A version without variables cannot be proposed."))
    version.status = StandardVersion.Status.PROPOSED
    version.proposed_at = timezone.now()
    version.save(update_fields=["status", "proposed_at"])
    record("standard.proposed", actor=actor, object_type="standard_version", object_id=version.label)
    return version


@transaction.atomic
def record_agreement(version: StandardVersion, *, agreed_on: dt.date, decision: str,
                     actor: Any = None) -> StandardVersion:
    """Record that the Forum Satu Data agreed the version, with the date and decision reference."""
    _require_status(version, StandardVersion.Status.PROPOSED)
    if not decision.strip():
        raise StandardError(_("Give the reference of the forum's decision."))
    version.status = StandardVersion.Status.AGREED
    version.agreed_on = agreed_on
    version.forum_decision = decision.strip()
    version.save(update_fields=["status", "agreed_on", "forum_decision"])
    record("standard.agreed", actor=actor, object_type="standard_version", object_id=version.label,
           data={"agreed_on": agreed_on.isoformat(), "decision": version.forum_decision})
    return version


@transaction.atomic
def publish(version: StandardVersion, *, effective_from: dt.date, actor: Any = None) -> StandardVersion:
    """Publish an agreed version; from its effective date submissions are validated against it."""
    _require_status(version, StandardVersion.Status.AGREED)
    version.status = StandardVersion.Status.PUBLISHED
    version.effective_from = effective_from
    version.published_at = timezone.now()
    version.save(update_fields=["status", "effective_from", "published_at"])
    record("standard.published", actor=actor, object_type="standard_version", object_id=version.label,
           data={"effective_from": effective_from.isoformat()})
    logger.info("Published data standard version %s effective %s", version.label, effective_from)
    return version


@transaction.atomic
def discard_draft(version: StandardVersion, *, actor: Any = None) -> None:
    _require_status(version, StandardVersion.Status.DRAFT, StandardVersion.Status.PROPOSED)
    label = version.label
    for related in (version.variables, version.checks, version.indicators, version.activities):
        related.all().delete()
    version.delete()
    record("standard.discarded", actor=actor, object_type="standard_version", object_id=label)


@transaction.atomic
def declare_characteristic(data: dict[str, Any], *, actor: Any = None) -> AttributeDefinition:
    """Declare a further characteristic of activity, variable or indicator metadata (Pasal 12 ayat 4)."""
    if AttributeDefinition.objects.filter(target=data["target"], code=data["code"]).exists():
        raise StandardError(_("The characteristic {code} is declared already."), code=data["code"])
    if data["datatype"] == AttributeDefinition.DataType.CHOICE and not data.get("choices"):
        raise StandardError(_("A choice characteristic needs its list of choices."))
    definition = AttributeDefinition.objects.create(**data)
    record("standard.characteristic_declared", actor=actor, object_type="attribute_definition",
           object_id=f"{definition.target}:{definition.code}", data={"datatype": definition.datatype})
    return definition


# -- comparing versions --------------------------------------------------------------------------------

@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass
class ItemChange:
    code: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class VersionDiff:
    old: StandardVersion
    new: StandardVersion
    added: list[Variable] = field(default_factory=list)
    removed: list[Variable] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    indicators_added: list[str] = field(default_factory=list)
    indicators_removed: list[str] = field(default_factory=list)
    indicators_changed: list[ItemChange] = field(default_factory=list)
    checks_added: list[str] = field(default_factory=list)
    checks_removed: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any((self.added, self.removed, self.changed, self.indicators_added, self.indicators_removed,
                        self.indicators_changed, self.checks_added, self.checks_removed))


def _item_changes(old: dict, new: dict, fields: tuple[str, ...]) -> list[ItemChange]:
    changes = []
    for code in sorted(set(old) & set(new)):
        diffs = [FieldChange(f, getattr(old[code], f), getattr(new[code], f)) for f in fields
                 if getattr(old[code], f) != getattr(new[code], f)]
        if diffs:
            changes.append(ItemChange(code, diffs))
    return changes


def compare(old: StandardVersion, new: StandardVersion) -> VersionDiff:
    """What changed from one version to another: variables, indicators and checks."""
    old_vars = {v.code: v for v in old.variables.all()}
    new_vars = {v.code: v for v in new.variables.all()}
    old_ind = {i.code: i for i in old.indicators.all()}
    new_ind = {i.code: i for i in new.indicators.all()}
    old_checks = {(c.rule, repr(sorted(c.params.items()))) for c in old.checks.all()}
    new_checks = {(c.rule, repr(sorted(c.params.items()))) for c in new.checks.all()}
    return VersionDiff(
        old=old, new=new,
        added=[new_vars[c] for c in new_vars if c not in old_vars],
        removed=[old_vars[c] for c in old_vars if c not in new_vars],
        changed=_item_changes(old_vars, new_vars, VARIABLE_FIELDS),
        indicators_added=[c for c in new_ind if c not in old_ind],
        indicators_removed=[c for c in old_ind if c not in new_ind],
        indicators_changed=_item_changes(old_ind, new_ind, INDICATOR_FIELDS),
        checks_added=sorted(rule for rule, _p in new_checks - old_checks),
        checks_removed=sorted(rule for rule, _p in old_checks - new_checks),
    )


__all__ = ["Activity", "Check", "compare", "create_draft", "publish", "propose", "record_agreement"]
