"""Loading a data standard from its JSON definition, and finding the version in force."""

import json
import logging
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.errors import DomainError
from satudata.reference.loaders import EntryRow, get_code_list, store_edition
from satudata.reference.models import Edition
from satudata.standards.models import Activity, Check, DataStandard, Indicator, StandardVersion, Variable

logger = logging.getLogger(__name__)

BUILTIN_DEFINITION = "definitions/umkm-1.json"


class NoPublishedStandard(DomainError):
    code = "standard.none_published"


def builtin_definition() -> dict[str, Any]:
    text = resources.files("satudata.standards").joinpath(BUILTIN_DEFINITION).read_text("utf-8")
    return json.loads(text)


def _load_small_code_lists(definition: dict[str, Any]) -> None:
    """Store the code lists a standard defines itself (sex, legal form, …) unless that edition exists."""
    for kind, spec in definition.get("code_lists", {}).items():
        code_list = get_code_list(kind)
        if not code_list.name_en or code_list.name == kind:
            code_list.name, code_list.name_en = spec["name"], spec["name_en"]
            code_list.save(update_fields=["name", "name_en"])
        if Edition.objects.filter(code_list=code_list, name=spec["edition"]).exists():
            continue
        rows = [
            EntryRow(code=e["code"], level=1, name=e["name"], aliases=e.get("aliases", []))
            for e in spec["entries"]
        ]
        edition = store_edition(kind, spec["edition"], rows, source=spec.get("source", ""))
        # English labels are kept beside the Indonesian ones for the bilingual UI.
        english = {e["code"]: e.get("name_en", "") for e in spec["entries"]}
        for entry in edition.entries.all():
            entry.name_en = english.get(entry.code, "")
            entry.save(update_fields=["name_en"])


@transaction.atomic
def load_standard(definition: dict[str, Any], *, publish: bool = True) -> StandardVersion:
    """Create a standard version with its variables and checks from a JSON definition.

    Loading the same version twice returns the existing one unchanged, because a published
    version is immutable.
    """
    _load_small_code_lists(definition)
    standard, _created = DataStandard.objects.get_or_create(
        code=definition["code"], defaults={"name": definition["name"], "name_en": definition.get("name_en", "")}
    )
    existing = StandardVersion.objects.filter(standard=standard, number=definition["version"]).first()
    if existing is not None:
        return existing
    effective = definition.get("effective_from")
    version = StandardVersion.objects.create(
        standard=standard,
        number=definition["version"],
        notes=definition.get("notes", ""),
        effective_from=date.fromisoformat(effective) if effective else None,
    )
    for position, spec in enumerate(definition["variables"], start=1):
        Variable.objects.create(
            version=version,
            position=position,
            code=spec["code"],
            name=spec["name"],
            name_en=spec["name_en"],
            definition=spec["definition"],
            definition_en=spec["definition_en"],
            datatype=spec["datatype"],
            code_list=spec.get("code_list", ""),
            domain=spec.get("domain", {}),
            required=spec.get("required", False),
            kind=spec["kind"],
            entity=spec["entity"],
            time_reference=spec["time_reference"],
            time_reference_en=spec["time_reference_en"],
            unit=spec.get("unit", ""),
            is_personal=spec.get("personal", False),
            aliases=spec.get("aliases", []),
        )
    for spec in definition.get("checks", []):
        Check.objects.create(
            version=version, rule=spec["rule"], params=spec["params"],
            description=spec.get("description", ""), description_en=spec.get("description_en", ""),
        )
    for position, spec in enumerate(definition.get("indicators", []), start=1):
        Indicator.objects.create(version=version, position=position, **_indicator_fields(spec, version))
    if definition.get("activity"):
        Activity.objects.create(version=version, **definition["activity"])
    if publish:
        version.status = StandardVersion.Status.PUBLISHED
        version.published_at = timezone.now()
        version.save(update_fields=["status", "published_at"])
    logger.info("Loaded data standard %s version %s", standard.code, version.number)
    return version


def _indicator_fields(spec: dict[str, Any], version: StandardVersion) -> dict[str, Any]:
    from satudata.standards.formulas import parse

    parsed = parse(spec["formula"], set(version.variables.values_list("code", flat=True)))
    fields = {k: v for k, v in spec.items() if k != "formula"}
    return {**fields, "formula": parsed.text, "variables": parsed.variables}


def load_standard_file(path: Path, *, publish: bool = True) -> StandardVersion:
    return load_standard(json.loads(path.read_text("utf-8")), publish=publish)


def load_builtin_standard() -> StandardVersion:
    return load_standard(builtin_definition())


def current_version(standard_code: str = "umkm", *, on: date | None = None) -> StandardVersion:
    """Return the version in force: the newest published one whose effective date has come."""
    today = on or timezone.localdate()
    version = (
        StandardVersion.objects.filter(standard__code=standard_code, status=StandardVersion.Status.PUBLISHED)
        .filter(models.Q(effective_from__isnull=True) | models.Q(effective_from__lte=today))
        .order_by("-number")
        .first()
    )
    if version is None:
        raise NoPublishedStandard(
            _("No published version of data standard {standard} exists; run 'satudata init' first."),
            standard=standard_code,
        )
    return version
