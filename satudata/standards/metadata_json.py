"""Metadata export and import in the form of Satu Data Indonesia's statistical metadata.

The document has one object per version with Indonesian keys taken from BPS's metadata forms
(MS-Keg for activities, MS-Var for variables, MS-Ind for indicators), so it can move to and
from the national portal. Each item also carries an ``x_satudata`` object with what this
system needs beyond those forms: data type, domain and aliases. Importing a document exported
here gives back the same version. The form is described in docs/metadata-json.md.
"""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from satudata.audit.services import record
from satudata.errors import DomainError
from satudata.standards.models import Activity, Check, DataStandard, Indicator, StandardVersion, Variable

FORMAT = "satudata-umkm/metadata@1"
METHODS = {
    "census": "Pencacahan lengkap", "survey": "Survei", "administrative": "Kompilasi produk administrasi",
    "other": "Cara lain sesuai perkembangan TI",
}
FREQUENCIES = {
    "monthly": "Bulanan", "quarterly": "Triwulanan", "semester": "Semesteran", "yearly": "Tahunan",
    "multi_year": "Lebih dari dua tahunan", "once": "Hanya sekali",
}
TYPES = {"integer": "integer", "decimal": "float", "money": "float", "latitude": "float", "longitude": "float",
         "year": "integer", "month": "integer"}


class MetadataImportError(DomainError):
    code = "metadata.import_invalid"


def _activity(activity: Activity) -> dict[str, Any]:
    return {
        "judul_kegiatan": activity.title,
        "tahun": activity.year,
        "sektor_kegiatan": activity.sector,
        "instansi_penyelenggara": activity.organiser,
        "cara_pengumpulan_data": METHODS.get(activity.method, activity.method),
        "tujuan": activity.purpose,
        "frekuensi_penyelenggaraan": FREQUENCIES.get(activity.frequency, activity.frequency),
        "cakupan_wilayah": activity.coverage,
        "periode": activity.period,
        "kontak": {"nama": activity.contact_name, "email": activity.contact_email, "telepon": activity.contact_phone},
        "karakteristik_lain": activity.extra,
        "x_satudata": {"method": activity.method, "frequency": activity.frequency},
    }


def _variable(variable: Variable) -> dict[str, Any]:
    from satudata.reference.lookups import code_list_lookup

    classification = []
    if variable.datatype == "code" and variable.code_list != "kbli":
        lookup = code_list_lookup(variable.code_list)
        classification = [{"kode": c, "nilai": n} for c, n in (lookup.labels.items() if lookup else [])]
    return {
        "nama_variabel": variable.name,
        "alias": variable.aliases,
        "konsep": variable.concept,
        "definisi": variable.definition,
        "referensi_pemilihan": variable.reference,
        "referensi_waktu": variable.time_reference,
        "ukuran": variable.measure,
        "satuan": variable.unit,
        "tipe_data": TYPES.get(variable.datatype, "string"),
        "klasifikasi_isian": classification,
        "aturan_validasi": [r for r in [variable.validation_rules] if r],
        "kalimat_pertanyaan": variable.question,
        "dapat_diakses_umum": variable.is_public,
        "karakteristik_lain": variable.extra,
        "x_satudata": {
            "code": variable.code, "position": variable.position, "name_en": variable.name_en,
            "definition_en": variable.definition_en, "datatype": variable.datatype, "code_list": variable.code_list,
            "domain": variable.domain, "required": variable.required, "kind": variable.kind, "entity": variable.entity,
            "time_reference_en": variable.time_reference_en, "personal": variable.is_personal,
            "confidentiality": variable.confidentiality,
        },
    }


def _indicator(indicator: Indicator) -> dict[str, Any]:
    return {
        "nama_indikator": indicator.name,
        "konsep": indicator.concept,
        "definisi": indicator.definition,
        "interpretasi": indicator.interpretation,
        "metode_perhitungan": indicator.formula,
        "ukuran": "",
        "satuan": indicator.unit,
        "klasifikasi_penyajian": indicator.disaggregations,
        "indikator_komposit": indicator.is_composite,
        "variabel_pembangun": indicator.variables,
        "level_estimasi": indicator.estimation_level,
        "dapat_diakses_umum": indicator.is_public,
        "karakteristik_lain": indicator.extra,
        "x_satudata": {
            "code": indicator.code, "name_en": indicator.name_en, "concept_en": indicator.concept_en,
            "definition_en": indicator.definition_en, "interpretation_en": indicator.interpretation_en,
        },
    }


def export_version(version: StandardVersion) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "standar": {"kode": version.standard.code, "nama": version.standard.name, "versi": version.number,
                    "status": version.status, "berlaku_sejak": version.effective_from.isoformat() if version.effective_from else None,
                    "keputusan_forum": version.forum_decision},
        "kegiatan": [_activity(a) for a in version.activities.all()],
        "variabel": [_variable(v) for v in version.variables.all()],
        "indikator": [_indicator(i) for i in version.indicators.all()],
        "pemeriksaan": [{"aturan": c.rule, "parameter": c.params, "deskripsi": c.description,
                         "deskripsi_en": c.description_en} for c in version.checks.all()],
    }


def export_all() -> dict[str, Any]:
    versions = StandardVersion.objects.select_related("standard").order_by("standard__code", "number")
    return {"format": FORMAT, "versi": [export_version(v) for v in versions]}


@transaction.atomic
def import_document(document: dict[str, Any], *, actor: Any = None) -> list[StandardVersion]:
    """Import each version of a document as a new draft; nothing is published by an import."""
    if document.get("format") != FORMAT:
        raise MetadataImportError(_("This is not a metadata document of this system (format {format})."),
                                  format=document.get("format", "—"))
    versions = document.get("versi") or [document]
    created = []
    for item in versions:
        created.append(_import_version(item))
    record("metadata.imported", actor=actor, object_type="standard_version",
           object_id=",".join(v.label for v in created), data={"versions": len(created)})
    return created


def _import_version(item: dict[str, Any]) -> StandardVersion:
    head = item.get("standar") or {}
    standard, _created = DataStandard.objects.get_or_create(code=head.get("kode", "umkm"),
                                                           defaults={"name": head.get("nama", "")})
    number = (StandardVersion.objects.filter(standard=standard).aggregate(n=Max("number"))["n"] or 0) + 1
    version = StandardVersion.objects.create(standard=standard, number=number,
                                             notes=str(_("Imported from a metadata document (version {number}).")).format(
                                                 number=head.get("versi", "?")))
    for position, spec in enumerate(item.get("variabel", []), start=1):
        extra = spec.get("x_satudata") or {}
        if not extra.get("code") or not extra.get("datatype"):
            raise MetadataImportError(_("Variable {name} has no code or data type in x_satudata."),
                                      name=spec.get("nama_variabel", "?"))
        Variable.objects.create(
            version=version, code=extra["code"], position=extra.get("position", position), name=spec["nama_variabel"],
            name_en=extra.get("name_en") or spec["nama_variabel"], definition=spec.get("definisi", ""),
            definition_en=extra.get("definition_en") or spec.get("definisi", ""), datatype=extra["datatype"],
            code_list=extra.get("code_list", ""), domain=extra.get("domain") or {}, required=bool(extra.get("required")),
            kind=extra.get("kind", "master"), entity=extra.get("entity", "business"),
            time_reference=spec.get("referensi_waktu", ""), time_reference_en=extra.get("time_reference_en", ""),
            unit=spec.get("satuan", ""), is_personal=bool(extra.get("personal")), aliases=spec.get("alias") or [],
            concept=spec.get("konsep", ""), reference=spec.get("referensi_pemilihan", ""),
            question=spec.get("kalimat_pertanyaan", ""), measure=spec.get("ukuran", ""),
            validation_rules="\n".join(spec.get("aturan_validasi") or []), is_public=bool(spec.get("dapat_diakses_umum", True)),
            confidentiality=extra.get("confidentiality", "public"), extra=spec.get("karakteristik_lain") or {},
        )
    for spec in item.get("pemeriksaan", []):
        Check.objects.create(version=version, rule=spec["aturan"], params=spec.get("parameter") or {},
                             description=spec.get("deskripsi", ""), description_en=spec.get("deskripsi_en", ""))
    for position, spec in enumerate(item.get("indikator", []), start=1):
        extra = spec.get("x_satudata") or {}
        Indicator.objects.create(
            version=version, code=extra.get("code") or f"indicator_{position}", position=position,
            name=spec["nama_indikator"], name_en=extra.get("name_en") or spec["nama_indikator"],
            concept=spec.get("konsep", ""), concept_en=extra.get("concept_en", ""), definition=spec.get("definisi", ""),
            definition_en=extra.get("definition_en", ""), interpretation=spec.get("interpretasi", ""),
            interpretation_en=extra.get("interpretation_en", ""), formula=spec.get("metode_perhitungan", ""),
            unit=spec.get("satuan", ""), disaggregations=spec.get("klasifikasi_penyajian") or [],
            variables=spec.get("variabel_pembangun") or [], is_composite=bool(spec.get("indikator_komposit")),
            estimation_level=spec.get("level_estimasi", ""), is_public=bool(spec.get("dapat_diakses_umum", True)),
            extra=spec.get("karakteristik_lain") or {},
        )
    for spec in item.get("kegiatan", []):
        extra = spec.get("x_satudata") or {}
        contact = spec.get("kontak") or {}
        Activity.objects.create(
            version=version, title=spec["judul_kegiatan"], sector=spec.get("sektor_kegiatan", ""),
            organiser=spec.get("instansi_penyelenggara", ""), year=spec.get("tahun"), purpose=spec.get("tujuan", ""),
            method=extra.get("method", "administrative"), frequency=extra.get("frequency", "yearly"),
            coverage=spec.get("cakupan_wilayah", ""), period=spec.get("periode", ""),
            contact_name=contact.get("nama", ""), contact_email=contact.get("email", ""),
            contact_phone=contact.get("telepon", ""), extra=spec.get("karakteristik_lain") or {},
        )
    return version
