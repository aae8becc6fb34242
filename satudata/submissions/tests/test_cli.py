"""The command line: init, producer list, submit and registry stats, as scripts use them."""

import io
import json
import re

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from satudata.submissions.tests.factories import rows_with, write_csv
from satudata.synthetic.sidt import generate_sidt

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_producer_list_json_names_codes_and_scopes():
    producers = {p["code"]: p for p in json.loads(_run("producer", "list", "--json"))}
    assert producers["dinas-kumkm-bandung"]["region_code"] == "32.73"
    assert producers["dinas-kukm-jabar"]["region_code"] == "32"
    assert producers["kementerian-umkm"]["region_code"] is None


def test_submit_json_reports_rows_mapping_and_errors(tmp_path):
    path = write_csv(tmp_path / "cli.csv", rows_with({}, {"NIB": "12"}, {"Kode KBLI": "ABC"}))
    result = json.loads(_run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--json",
                             "--accept", "--operator", "walidata"))
    assert (result["rows_read"], result["rows_accepted"], result["rows_rejected"]) == (3, 1, 2)
    assert result["businesses_created"] == 1
    assert result["state"] == "compiled"
    assert result["errors_by_field"] == {"nib": {"nib.format": 1}, "kbli": {"kbli.structure": 1}}
    assert [(e["row"], e["column"], e["value"], e["code"]) for e in result["errors"]] == [
        (3, "NIB", "12", "nib.format"), (4, "Kode KBLI", "ABC", "kbli.structure"),
    ]
    assert all(e["message"] for e in result["errors"])
    assert {m["column"]: m["variable"] for m in result["mapping"]}["NIK pemilik"] == "owner_nik"


def test_submit_text_output_lists_every_rejected_row(tmp_path):
    path = write_csv(tmp_path / "cli.csv", rows_with({"NIB": "12"}))
    output = _run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--language", "en")
    assert "Rows read: 1" in output
    assert "row 2 · NIB · \"12\" · nib.format" in output
    assert "(known column name)" in output


def test_submit_messages_in_english_and_indonesian_differ(tmp_path):
    path = write_csv(tmp_path / "cli.csv", rows_with({"NIB": "12"}))
    english = json.loads(_run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--json", "--language", "en"))
    indonesian = json.loads(_run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--json"))
    assert english["errors"][0]["message"] != indonesian["errors"][0]["message"]
    assert "13" in indonesian["errors"][0]["message"]


def test_unreadable_file_exits_non_zero(tmp_path):
    path = tmp_path / "page.xls"
    path.write_text("<html><table><tr><td>x</td></tr></table></html>")
    with pytest.raises(CommandError) as raised:
        _run("submit", str(path), "--producer", "dinas-kumkm-bandung")
    assert "HTML" in str(raised.value)


def test_unknown_producer_is_an_error(tmp_path):
    path = write_csv(tmp_path / "x.csv", rows_with({}))
    with pytest.raises(CommandError):
        _run("submit", str(path), "--producer", "no-such-office")


def test_sidt_export_with_region_names(tmp_path):
    frame = generate_sidt(50, seed=4, within="32.73")
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("BANDUNG")).otherwise(pl.col("kab_usaha")).alias("kab_usaha")
    )
    path = tmp_path / "sidt.csv"
    frame.write_csv(path)
    result = json.loads(_run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--reference-year", "2025",
                             "--json", "--language", "en"))
    assert result["rows_read"] == 50
    assert result["rows_accepted"] == 49
    error = result["errors"][0]
    assert (error["row"], error["column"], error["code"]) == (2, "kab_usaha", "region.name_ambiguous")
    assert "Kota Bandung (32.73)" in error["message"]
    assert "Kabupaten Bandung (32.04)" in error["message"]
    unmapped = set(result["unmapped_columns"])
    assert unmapped == {"foto_usaha", "pulled_at", "updated_at", "source_page"}


def test_registry_stats_by_scale_and_region(tmp_path):
    path = write_csv(tmp_path / "s.csv", rows_with({}, {"Skala usaha": "", "Hasil penjualan tahunan (omzet)": "3.000.000.000"}))
    _run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--accept", "--operator", "walidata")
    by_scale = json.loads(_run("registry", "stats", "--by", "scale", "--json"))
    assert {r["key"]: r["count"] for r in by_scale["rows"]} == {"MIKRO": 1, "KECIL": 1}
    by_regency = json.loads(_run("registry", "stats", "--by", "regency", "--json"))
    assert by_regency["rows"] == [{"key": "32.73", "label": "Kota Bandung", "count": 2}]


def test_codelist_list_shows_current_editions():
    editions = json.loads(_run("codelist", "list", "--json"))
    current = {(e["kind"], e["edition"]) for e in editions if e["current"]}
    assert ("region", "2025") in current
    assert ("kbli", "2020-kategori") in current


def test_submit_stops_at_checked_without_accept(tmp_path):
    path = write_csv(tmp_path / "c.csv", rows_with({}))
    result = json.loads(_run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--json"))
    assert result["state"] == "checked"
    assert result["businesses_created"] == 0


def test_accept_needs_a_walidata_operator(tmp_path):
    path = write_csv(tmp_path / "c.csv", rows_with({}))
    with pytest.raises(CommandError):
        _run("submit", str(path), "--producer", "dinas-kumkm-bandung", "--accept", "--operator", "produsen-bandung")


def test_submit_text_shows_variable_labels(tmp_path):
    path = write_csv(tmp_path / "cli.csv", rows_with({"NIB": "12"}))
    output = _run("submit", str(path), "--producer", "dinas-kumkm-bandung")
    assert "→ NIK pemilik (owner_nik)  (nama kolom yang dikenal)" in output
    assert re.search(r"^  NIB \(nib\) +nib\.format +1$", output, re.MULTILINE)


SHARED_STREAM = io.StringIO()


class StreamMailBackend:
    """Mail backend that writes each notice to the command's progress stream, like the console backend."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        for message in messages:
            SHARED_STREAM.write(f"MAIL {message.subject}\n")
        return len(messages)


def test_submit_notice_starts_on_new_line(tmp_path, settings, monkeypatch):
    from django.db import transaction

    settings.EMAIL_BACKEND = f"{__name__}.StreamMailBackend"
    # Outside a test's transaction, notices are sent when each step commits, between progress lines.
    monkeypatch.setattr(transaction, "on_commit", lambda callback, *args, **kwargs: callback())
    SHARED_STREAM.seek(0)
    SHARED_STREAM.truncate()
    path = write_csv(tmp_path / "cli.csv", rows_with({}, {}))

    call_command("submit", str(path), "--producer", "dinas-kumkm-bandung", stdout=io.StringIO(),
                 stderr=SHARED_STREAM)

    written = SHARED_STREAM.getvalue()
    assert "MAIL" in written
    assert "\rMemvalidasi" in written
    for line in written.split("\n"):
        assert "MAIL" not in line or line.startswith("MAIL"), repr(line)


def test_submit_text_shows_empty_value(tmp_path):
    path = write_csv(tmp_path / "cli.csv", rows_with({"Nama usaha": ""}))
    output = _run("submit", str(path), "--producer", "dinas-kumkm-bandung")
    assert "(kosong) · required" in output
