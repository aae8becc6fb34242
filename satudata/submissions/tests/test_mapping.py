"""Producers' own column headers mapped to the standard's variables."""

import json

import pytest

from satudata.producers.models import ColumnMapping
from satudata.standards.loading import current_version
from satudata.submissions import services
from satudata.submissions.mapping import MappingInvalid, apply_overrides, propose, read_mapping_file
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import rows_with, submit, write_csv

pytestmark = pytest.mark.django_db

OFFICE_HEADERS = {
    "No": "",
    "No KTP": "owner_nik",
    "Nama Pemilik Usaha": "owner_name",
    "L/P": "owner_sex",
    "Tgl Lahir": "owner_birth_date",
    "Nama UMKM": "business_name",
    "KBLI": "kbli",
    "Alamat": "business_address",
    "Kel/Desa": "business_village_name",
    "Kode Desa": "business_village_code",
    "Omzet per Tahun (Rp)": "annual_sales",
    "Jumlah Karyawan": "workers_total",
    "Keterangan Petugas": "",
}


def _variables():
    return list(current_version().variables.all())


def test_office_headers_are_proposed_from_aliases():
    mapping = propose(list(OFFICE_HEADERS), _variables())
    proposed = {c.header: c.variable for c in mapping.choices}
    assert proposed == OFFICE_HEADERS


def test_numbering_column_is_left_out_on_purpose():
    mapping = propose(["No", "NIK", "Nama Pemilik"], _variables())
    assert mapping.choices[0].source == "numbering"
    assert [c.header for c in mapping.unmapped] == []


def test_unknown_column_is_reported_not_dropped():
    mapping = propose(["NIK", "Nama Pemilik", "Keterangan Petugas"], _variables())
    assert [c.header for c in mapping.unmapped] == ["Keterangan Petugas"]


def test_similar_spelling_is_proposed_for_confirmation():
    mapping = propose(["Omzet pertahun", "NIK"], _variables())
    assert mapping.choices[0].variable == "annual_sales"
    assert mapping.choices[0].source == "similar"


def test_two_columns_for_one_variable_keep_the_first():
    mapping = propose(["NIK", "No KTP"], _variables())
    assert mapping.choices[0].variable == "owner_nik"
    assert mapping.choices[1].variable == ""
    assert mapping.choices[1].source == "duplicate"


def test_required_variables_without_a_column_are_listed():
    mapping = propose(["Nama Pemilik"], _variables())
    assert "owner_nik" in mapping.missing_required
    assert "business_village_code" in mapping.missing_required


def test_region_names_stand_in_for_the_village_code():
    mapping = propose(["prov_usaha", "kab_usaha", "kec_usaha", "kel_usaha"], _variables())
    assert "business_village_code" not in mapping.missing_required


def test_override_to_unknown_variable_is_invalid():
    mapping = propose(["NIK"], _variables())
    with pytest.raises(MappingInvalid):
        apply_overrides(mapping, {0: "no_such_variable"}, _variables())


def test_override_mapping_two_columns_to_one_variable_is_invalid():
    mapping = propose(["NIK", "Nomor"], _variables())
    with pytest.raises(MappingInvalid):
        apply_overrides(mapping, {1: "owner_nik"}, _variables())


def test_confirmed_mapping_is_saved_and_reused(tmp_path, producer_bandung):
    row = rows_with({})[0]
    row["Catatan Lapangan"] = "x"
    row["Nama Toko"] = row.pop("Nama usaha")
    path = write_csv(tmp_path / "own.csv", [row])
    with open(path, "rb") as source:
        submission = services.receive_file(producer=producer_bandung, source=source, original_name=path.name,
                                           channel=Submission.Channel.WEB)
    inspection = services.inspect(submission)
    notes_column = next(c.index for c in inspection.mapping.choices if c.header == "Catatan Lapangan")
    confirmed = apply_overrides(inspection.mapping, {notes_column: ""}, _variables())
    services.save_mapping(submission, confirmed)
    saved = ColumnMapping.objects.get(producer=producer_bandung).mapping
    assert saved["catatan lapangan"] == ""
    assert saved["nama toko"] == "business_name"

    with open(path, "rb") as source:
        again = services.receive_file(producer=producer_bandung, source=source, original_name=path.name,
                                      channel=Submission.Channel.WEB)
    proposed = services.inspect(again).mapping
    sources = {c.header: c.source for c in proposed.choices}
    assert sources["Catatan Lapangan"] == "excluded"
    assert sources["Nama Toko"] == "saved"


def test_mapping_file_for_the_command_line(tmp_path, producer_bandung):
    row = rows_with({})[0]
    row["KODE_USAHA_X"] = row.pop("Kode KBLI")
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps({"KODE_USAHA_X": "kbli"}))
    submission = submit(write_csv(tmp_path / "x.csv", [row]), producer_bandung,
                        saved=read_mapping_file(mapping_file))
    assert submission.rows_accepted == 1
    assert {c["header"]: c["variable"] for c in submission.mapping["columns"]}["KODE_USAHA_X"] == "kbli"


def test_mapping_file_as_csv(tmp_path):
    path = tmp_path / "mapping.csv"
    path.write_text("header,variable\nKolom A,owner_nik\nKolom B,\n")
    assert read_mapping_file(path) == {"kolom a": "owner_nik", "kolom b": ""}


def test_unmapped_columns_are_kept_in_the_summary(tmp_path, producer_bandung):
    row = rows_with({})[0]
    row["Keterangan"] = "pindahan dari data 2023"
    submission = submit(write_csv(tmp_path / "k.csv", [row]), producer_bandung)
    assert submission.summary["unmapped"] == ["Keterangan"]
