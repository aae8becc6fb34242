"""Files generated from a standard version: Table Schema, Data Package, template and codebook."""

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from satudata.standards.models import StandardVersion
from satudata.standards.schema import table_schema
from satudata.standards.template import build_template

FORMATS = ("table-schema", "datapackage", "xlsx-template", "codebook")


def data_package(version: StandardVersion) -> dict[str, Any]:
    """A Frictionless Data Package describing a submission file of this version."""
    activity = version.activities.first()
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/data-package.json",
        "name": version.label,
        "title": version.standard.name,
        "version": str(version.number),
        "created": (version.published_at or timezone.now()).isoformat(),
        "description": version.notes,
        "resources": [{
            "name": "umkm",
            "path": f"{version.label}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": table_schema(version),
        }],
        "x-satudata": {
            "status": version.status,
            "effective_from": version.effective_from.isoformat() if version.effective_from else None,
            "forum_decision": version.forum_decision,
            "activity": {"title": activity.title, "organiser": activity.organiser, "sector": activity.sector}
            if activity else None,
            "indicators": [
                {"code": i.code, "name": i.name, "formula": i.formula, "unit": i.unit, "variables": i.variables}
                for i in version.indicators.all()
            ],
        },
    }


def codebook_html(version: StandardVersion, *, language: str = "id") -> str:
    """Render a printable codebook as one HTML page, which the browser can print to PDF."""
    with translation.override(language):
        return render_to_string("standards/codebook.html", {
            "version": version, "variables": version.variables.all(), "indicators": version.indicators.all(),
            "checks": version.checks.all(), "activity": version.activities.first(), "generated": timezone.now(),
        })


def render_artifact(version: StandardVersion, file_format: str, *, region_prefix: str = "",
                    language: str = "id") -> tuple[bytes, str, str]:
    """Return (content, media type, file name) of one artifact."""
    import json

    if file_format == "table-schema":
        content = json.dumps(table_schema(version), ensure_ascii=False, indent=2).encode()
        return content, "application/json", f"{version.label}.schema.json"
    if file_format == "datapackage":
        content = json.dumps(data_package(version), ensure_ascii=False, indent=2).encode()
        return content, "application/json", f"{version.label}.datapackage.json"
    if file_format == "xlsx-template":
        with translation.override(language):
            content = build_template(version, region_prefix=region_prefix)
        return (content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"template-{version.label}.xlsx")
    if file_format == "codebook":
        return codebook_html(version, language=language).encode(), "text/html; charset=utf-8", f"codebook-{version.label}.html"
    raise ValueError(f"unknown format {file_format!r}; use one of {', '.join(FORMATS)}")
