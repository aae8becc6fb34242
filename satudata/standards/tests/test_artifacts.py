"""Files generated for a standard version, the metadata document, the catalog and the API."""

import io
import json
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from satudata.accounts.testing import sign_in_verified
from satudata.accounts.models import User
from satudata.standards import services
from satudata.standards.artifacts import codebook_html, data_package
from satudata.standards.loading import current_version
from satudata.standards.metadata_json import export_version, import_document
from satudata.standards.template import build_template

pytestmark = pytest.mark.django_db


def test_data_package_embeds_the_table_schema():
    package = data_package(current_version())
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert fields["owner_nik"]["constraints"]["pattern"] == "^[0-9]{16}$"
    assert fields["owner_sex"]["constraints"]["enum"] == ["L", "P"]
    assert package["x-satudata"]["indicators"][0]["formula"]


def test_codebook_lists_every_variable_in_both_languages():
    version = current_version()
    indonesian = codebook_html(version, language="id")
    english = codebook_html(version, language="en")
    for variable in version.variables.all():
        assert variable.code in indonesian
    assert "Owner NIK" in english
    assert "NIK pemilik" in indonesian


def test_template_has_instructions_notes_and_drop_downs():
    book = openpyxl.load_workbook(io.BytesIO(build_template(current_version(), region_prefix="32.73")))
    data = next(ws for ws in book.worksheets if ws.max_column > 10)
    headers = [c.value for c in data[1]]
    nik = headers.index("NIK pemilik") + 1
    assert data.cell(row=1, column=nik).comment is not None
    assert "16" in data.cell(row=1, column=nik).comment.text
    validations = data.data_validations.dataValidation
    assert len(validations) >= 5
    village = openpyxl.utils.get_column_letter(headers.index("Kode desa/kelurahan usaha") + 1)
    village_validation = next(v for v in validations if str(v.sqref).startswith(village))
    assert village_validation.type == "list"
    instructions = next(ws for ws in book.worksheets if ws.sheet_state == "visible" and ws is not data)
    assert "umkm-1" in instructions.cell(row=1, column=1).value


def test_template_villages_limited_to_region():
    book = openpyxl.load_workbook(io.BytesIO(build_template(current_version(), region_prefix="32.73")))
    hidden = next(ws for ws in book.worksheets if ws.sheet_state == "hidden")
    columns = {hidden.cell(row=1, column=c).value: c for c in range(1, hidden.max_column + 1)}
    column = columns["business_village_code"]
    villages = [hidden.cell(row=r, column=column).value for r in range(2, hidden.max_row + 1)]
    villages = [v for v in villages if v]
    assert len(villages) == 151
    assert all(v.startswith("32.73.") for v in villages)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_template_opens_in_libreoffice_with_its_drop_downs(tmp_path):
    source = tmp_path / "template.xlsx"
    source.write_bytes(build_template(current_version(), region_prefix="32.73"))
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "ods", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    with zipfile.ZipFile(tmp_path / "template.ods") as archive:
        content = archive.read("content.xml").decode()
    assert content.count("<table:content-validation ") >= 5
    assert "32.73.01.1001" in content
    assert "NIK pemilik" in content


def test_metadata_document_round_trip():
    version = current_version()
    document = export_version(version)
    assert document["variabel"][0]["nama_variabel"]
    assert {"judul_kegiatan", "instansi_penyelenggara", "sektor_kegiatan"} <= set(document["kegiatan"][0])
    assert {"nama_indikator", "konsep", "definisi", "interpretasi", "metode_perhitungan"} <= set(document["indikator"][0])
    imported = import_document({"format": document["format"], "versi": [document]})[0]
    assert imported.status == "draft"
    diff = services.compare(version, imported)
    assert diff.is_empty, diff


def test_metadata_commands_export_and_import(tmp_path):
    path = tmp_path / "metadata.json"
    call_command("metadata", "export", str(path), stdout=io.StringIO())
    assert json.loads(path.read_text())["versi"][0]["standar"]["kode"] == "umkm"
    out = io.StringIO()
    call_command("metadata", "import", str(path), stdout=out)
    assert "umkm-2" in out.getvalue()


def test_standard_export_command_writes_each_format(tmp_path):
    for file_format in ("table-schema", "datapackage", "xlsx-template", "codebook"):
        target = tmp_path / f"out.{file_format}"
        call_command("standard", "export", "umkm-1", "--format", file_format, "-o", str(target), stdout=io.StringIO())
        assert target.stat().st_size > 1000
    listing = json.loads(_call("standard", "list", "--json"))
    assert listing[0]["label"] == "umkm-1"
    assert listing[0]["in_force"] is True


def _call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_public_catalog_needs_no_sign_in(client):
    assert client.get(reverse("catalog:index")).status_code == 200
    page = client.get(reverse("catalog:variable", args=["owner_nik"]))
    assert page.status_code == 200
    assert "16 digit".encode() in page.content
    assert client.get(reverse("catalog:indicator", args=["share_micro"])).status_code == 200
    assert client.get(reverse("catalog:variable", args=["nope"])).status_code == 404


def test_api_lists_and_reads_versions(client):
    assert client.get("/api/v1/standards/").status_code == 401
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    versions = client.get("/api/v1/standards/").json()
    assert [v["label"] for v in versions] == ["umkm-1"]
    detail = client.get("/api/v1/standards/umkm-1").json()
    assert len(detail["variables"]) == current_version().variables.count()
    assert detail["indicators"][0]["code"] == "share_micro"
    assert client.get("/api/v1/standards/umkm-1/variables/owner_nik").json()["datatype"] == "nik"
    assert client.get("/api/v1/standards/umkm-1/table-schema").json()["name"] == "umkm-1"


def test_api_hides_drafts_from_producers(client):
    draft = services.create_draft(current_version())
    sign_in_verified(client, User.objects.get(username="produsen-bandung"))
    assert client.get(f"/api/v1/standards/{draft.label}").status_code == 404
    sign_in_verified(client, User.objects.get(username="walidata"))
    assert client.get(f"/api/v1/standards/{draft.label}").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
