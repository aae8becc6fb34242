"""Files as producers send them: encodings, delimiters, title rows, workbooks, and broken files."""

import zipfile

import pytest
import xlsxwriter

from satudata.submissions import procedure, services
from satudata.submissions.errors import FileRejected
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import VALID_ROW, errors_of, rows_with, submit, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def _receive(path, producer):
    with open(path, "rb") as source:
        return services.receive_file(producer=producer, source=source, original_name=path.name,
                                     channel=Submission.Channel.CLI)


def test_csv_with_utf8_bom(tmp_path, producer_bandung):
    path = write_csv(tmp_path / "bom.csv", rows_with({}), encoding="utf-8-sig")
    assert submit(path, producer_bandung).rows_accepted == 1


def test_csv_in_windows_1252_keeps_accented_letters(tmp_path, producer_bandung):
    from satudata.registry.models import Business

    path = write_csv(tmp_path / "cp.csv", rows_with({"Nama usaha": "Kafé Sederhana"}), encoding="cp1252")
    submission = submit(path, producer_bandung)
    assert submission.layout["encoding"] == "cp1252"
    assert Business.objects.get(first_submission=submission).name == "Kafé Sederhana"


def test_csv_with_semicolons(tmp_path, producer_bandung):
    path = write_csv(tmp_path / "semi.csv", rows_with({"Modal usaha": "1.500.000,50"}), delimiter=";")
    submission = submit(path, producer_bandung)
    assert submission.layout["delimiter"] == ";"
    assert submission.rows_accepted == 1


def test_header_names_match_regardless_of_case_and_spaces(tmp_path, producer_bandung):
    row = {f"  {key.upper()} ": value for key, value in rows_with({})[0].items()}
    submission = submit(write_csv(tmp_path / "case.csv", [row]), producer_bandung)
    assert submission.rows_accepted == 1


def test_title_rows_above_the_header_are_skipped_and_rows_numbered_as_in_the_sheet(tmp_path, producer_bandung):
    path = write_csv(tmp_path / "title.csv", rows_with({}, {"NIB": "12"}),
                     title_lines=["DATA UMKM KOTA BANDUNG TAHUN 2025", ""])
    submission = submit(path, producer_bandung)
    assert submission.layout["header_row"] == 3
    # Row 4 is the first data row; row 5 the second, which has the bad NIB.
    assert errors_of(submission) == [(5, "nib", "nib.format")]


def test_workbook_title_row_merged_over_header(tmp_path, producer_bandung):
    path = write_xlsx(tmp_path / "t.xlsx", rows_with({}, {"NIB": "12"}), title="Data UMKM Kota Bandung")
    submission = submit(path, producer_bandung)
    assert submission.layout["header_row"] == 3
    assert errors_of(submission) == [(5, "nib", "nib.format")]


def test_workbook_formula_is_read_as_its_value(tmp_path, producer_bandung):
    from satudata.registry.models import TransactionRecord

    path = tmp_path / "f.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    row = rows_with({})[0]
    headers = list(row)
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header)
        if header == "Hasil penjualan tahunan (omzet)":
            sheet.write_formula(1, column, "=12*10000000", None, 120000000)
        else:
            sheet.write_string(1, column, row[header])
    book.close()
    submission = submit(path, producer_bandung)
    assert submission.rows_accepted == 1
    assert TransactionRecord.objects.get(submission=submission).values["annual_sales"] == 120_000_000


def test_workbook_merged_cells_apply_to_every_row_they_cover(tmp_path, producer_bandung):
    path = tmp_path / "m.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    rows = rows_with({}, {}, {})
    headers = list(rows[0])
    village = headers.index("Kode desa/kelurahan usaha")
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header)
    for r, row in enumerate(rows, start=1):
        for column, header in enumerate(headers):
            if column != village:
                sheet.write_string(r, column, row[header])
    sheet.merge_range(1, village, 3, village, "32.73.01.1001")
    book.close()
    submission = submit(path, producer_bandung)
    assert submission.rows_accepted == 3


def test_empty_rows_are_skipped(tmp_path, producer_bandung):
    rows = rows_with({}) + [dict.fromkeys(VALID_ROW, "")] + rows_with({"NIB": "9999999999999", "Nama usaha": "B"})
    submission = submit(write_csv(tmp_path / "gap.csv", rows), producer_bandung)
    assert submission.rows_read == 2
    assert submission.rows_accepted == 2


@pytest.mark.parametrize(("content", "name", "code"), [
    (b"", "empty.csv", "file.empty"),
    (b"NIK,Nama\n3273\x0015203900001,Siti\n", "nul.csv", "file.nul_byte"),
    (b"<html><body><table><tr><td>NIK</td></tr></table></body></html>", "export.xls", "file.html"),
    (b"%PDF-1.4\n...", "data.xlsx", "file.pdf"),
    (b"PK\x03\x04garbage", "broken.xlsx", "file.corrupt_workbook"),
])
def test_files_that_are_not_tables_are_rejected(tmp_path, producer_bandung, content, name, code):
    path = tmp_path / name
    path.write_bytes(content)
    submission = _receive(path, producer_bandung) if code not in ("file.empty",) else None
    with pytest.raises(FileRejected) as raised:
        if submission is None:
            submission = _receive(path, producer_bandung)
        services.inspect(submission)
    assert raised.value.code == code
    submission.refresh_from_db()
    assert submission.state == Submission.State.REJECTED
    assert services.failure_message(submission)


def test_zip_that_is_not_a_workbook_is_rejected(tmp_path, producer_bandung):
    path = tmp_path / "data.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    submission = _receive(path, producer_bandung)
    with pytest.raises(FileRejected) as raised:
        services.inspect(submission)
    assert raised.value.code == "file.not_workbook"


def test_zip_bomb_workbook_is_rejected_before_it_is_unpacked(tmp_path, producer_bandung):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        # 3 GB of zeros compress to a few MB; the writer streams it so the test stays small in memory.
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (16 * 1024 * 1024)
            for _ in range(192):
                member.write(chunk)
    submission = _receive(path, producer_bandung)
    with pytest.raises(FileRejected) as raised:
        services.inspect(submission)
    assert raised.value.code == "file.zip_bomb"


def test_password_protected_workbook_is_rejected(tmp_path, producer_bandung):
    # An encrypted OOXML workbook is an OLE2 compound file holding an "EncryptedPackage" stream.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    path = tmp_path / "secret.xlsx"
    path.write_bytes(header + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024)
    submission = _receive(path, producer_bandung)
    with pytest.raises(FileRejected) as raised:
        services.inspect(submission)
    assert raised.value.code == "file.encrypted"


def test_file_above_the_size_limit_is_rejected_and_not_kept(tmp_path, producer_bandung, settings):
    settings.SATUDATA_MAX_UPLOAD_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", rows_with(*([{}] * 20)))
    with pytest.raises(FileRejected) as raised:
        _receive(path, producer_bandung)
    assert raised.value.code == "file.too_large"
    submission = Submission.objects.get(original_name="big.csv")
    assert submission.state == Submission.State.REJECTED
    assert not submission.raw_path.exists()


def test_raw_file_is_kept_byte_for_byte_with_its_hash(tmp_path, producer_bandung):
    import hashlib

    path = write_csv(tmp_path / "keep.csv", rows_with({}, {"NIB": "12"}))
    submission = submit(path, producer_bandung)
    assert submission.raw_path.read_bytes() == path.read_bytes()
    assert submission.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_file_twice_is_recognised(tmp_path, producer_bandung):
    path = write_csv(tmp_path / "twice.csv", rows_with({}))
    first = submit(path, producer_bandung)
    second = submit(path, producer_bandung)
    assert second.summary["same_file_as"] == first.pk
    assert second.businesses_created == 0
    assert second.summary["unchanged"] == 1


def test_rows_with_more_cells_than_the_header_are_reported(tmp_path, producer_bandung):
    path = tmp_path / "ragged.csv"
    header = ",".join(VALID_ROW)
    row = ",".join(rows_with({})[0].values())
    path.write_text(f"{header}\n{row},extra,cells\n", encoding="utf-8")
    submission = _receive(path, producer_bandung)
    inspection = services.inspect(submission)
    with pytest.raises(FileRejected) as raised:
        services.validate(submission, inspection.mapping)
    assert raised.value.code == "file.ragged"
    assert raised.value.params["row"] == 2


def test_unreadable_file_ends_rejected(tmp_path, producer_bandung):
    path = tmp_path / "ragged.csv"
    header = ",".join(VALID_ROW)
    row = ",".join(rows_with({})[0].values())
    path.write_text(f"{header}\n{row},extra,cells\n", encoding="utf-8")
    with open(path, "rb") as source:
        submission = services.receive_file(producer=producer_bandung, source=source, original_name="ragged.csv")
    services.inspect(submission)

    procedure.submit(submission, background=False)

    submission.refresh_from_db()
    assert submission.state == Submission.State.REJECTED
    assert submission.failure_code == "file.ragged"
    assert list(submission.events.values_list("to_state", flat=True)) == ["submitted", "validating", "rejected"]


def test_reference_year_given_fills_missing_column(tmp_path, producer_bandung):
    row = {k: v for k, v in VALID_ROW.items() if k != "Tahun referensi"}
    path = write_csv(tmp_path / "no-year.csv", [row])

    submission = submit(path, producer_bandung, reference_year=2025, compile_rows=False)

    assert submission.rows_accepted == 1
    assert "reference_year" not in submission.summary["missing_required"]
    checks = {item["code"]: item for item in submission.checklist}
    assert checks["required_columns"]["passed"]
