"""Read-only API over data standards: versions, variables, indicators, checks, activities."""

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from satudata.access.api_auth import producer_token, verified_session
from satudata.standards.access import can_see_drafts, version_for
from satudata.standards.models import AttributeDefinition, StandardVersion
from satudata.standards.schema import table_schema

# Read-only metadata: a producer's system reads the standard and code lists it pushes records against.
router = Router(auth=[producer_token, verified_session])


class VersionOut(Schema):
    label: str
    standard: str
    number: int
    status: str
    based_on: str | None
    agreed_on: date | None
    forum_decision: str
    effective_from: date | None
    published_at: datetime | None


class VariableOut(Schema):
    code: str
    position: int
    name: str
    name_en: str
    definition: str
    definition_en: str
    datatype: str
    code_list: str
    domain: dict[str, Any]
    required: bool
    kind: str
    entity: str
    time_reference: str
    time_reference_en: str
    unit: str
    is_personal: bool
    confidentiality: str
    is_public: bool
    aliases: list[str]
    concept: str
    question: str
    extra: dict[str, Any]


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    concept: str
    definition: str
    interpretation: str
    formula: str
    unit: str
    disaggregations: list[str]
    variables: list[str]
    is_composite: bool
    estimation_level: str
    is_public: bool
    extra: dict[str, Any]


class CheckOut(Schema):
    rule: str
    params: dict[str, Any]
    description: str
    description_en: str


class ActivityOut(Schema):
    title: str
    sector: str
    organiser: str
    year: int | None
    purpose: str
    method: str
    frequency: str
    coverage: str
    period: str


class VersionDetailOut(VersionOut):
    variables: list[VariableOut]
    indicators: list[IndicatorOut]
    checks: list[CheckOut]
    activities: list[ActivityOut]


class CharacteristicOut(Schema):
    target: str
    code: str
    name: str
    name_en: str
    datatype: str
    choices: list[Any]
    required: bool


def _version_out(version: StandardVersion) -> dict[str, Any]:
    return {
        "label": version.label, "standard": version.standard.code, "number": version.number, "status": version.status,
        "based_on": version.based_on.label if version.based_on else None, "agreed_on": version.agreed_on,
        "forum_decision": version.forum_decision, "effective_from": version.effective_from,
        "published_at": version.published_at,
    }


@router.get("/", response=list[VersionOut])
def list_versions(request: HttpRequest):
    """Standard versions; drafts and proposals are listed for the walidata only."""
    versions = StandardVersion.objects.select_related("standard", "based_on").order_by("standard__code", "number")
    if not can_see_drafts(request.user):
        versions = versions.filter(status=StandardVersion.Status.PUBLISHED)
    return [_version_out(v) for v in versions]


@router.get("/characteristics", response=list[CharacteristicOut])
def list_characteristics(request: HttpRequest):
    """Further characteristics declared for activity, variable and indicator metadata (Pasal 12 ayat 4)."""
    return list(AttributeDefinition.objects.all())


@router.get("/{label}", response=VersionDetailOut)
def get_version(request: HttpRequest, label: str):
    """One version with all its metadata."""
    version = version_for(request.user, label)
    return {
        **_version_out(version),
        "variables": list(version.variables.all()),
        "indicators": list(version.indicators.all()),
        "checks": list(version.checks.all()),
        "activities": list(version.activities.all()),
    }


@router.get("/{label}/variables/{code}", response=VariableOut)
def get_variable(request: HttpRequest, label: str, code: str):
    variable = version_for(request.user, label).variables.filter(code=code).first()
    if variable is None:
        raise Http404
    return variable


@router.get("/{label}/indicators/{code}", response=IndicatorOut)
def get_indicator(request: HttpRequest, label: str, code: str):
    indicator = version_for(request.user, label).indicators.filter(code=code).first()
    if indicator is None:
        raise Http404
    return indicator


@router.get("/{label}/table-schema", response=dict[str, Any])
def get_table_schema(request: HttpRequest, label: str):
    """The version as a Frictionless Table Schema."""
    return table_schema(version_for(request.user, label))
