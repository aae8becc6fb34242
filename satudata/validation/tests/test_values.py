"""Numbers, dates, codes, regions and business scale as producers write them."""

import datetime as dt

import polars as pl
import pytest

from satudata.registry.models import Business, TransactionRecord
from satudata.submissions.tests.factories import errors_of, rows_with, submit, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def _values(submission) -> dict:
    record = TransactionRecord.objects.get(submission=submission)
    return record.values


@pytest.mark.parametrize(("text", "amount"), [
    ("15000000", 15_000_000),
    ("15.000.000", 15_000_000),
    ("15.000.000,50", 15_000_000.5),
    ("Rp 15.000.000", 15_000_000),
    ("Rp15.000.000,-".replace(",-", ""), 15_000_000),
    ("Rp 2 jt", 2_000_000),
    ("2,5 juta", 2_500_000),
    ("1,5 M", 1_500_000_000),
    ("500 rb", 500_000),
    ("15000000.00", 15_000_000),
    ("1,500,000", 1_500_000),
    ("1.500", 1_500),
])
def test_money_notations_are_parsed(tmp_path, producer_bandung, text, amount):
    submission = submit(write_csv(tmp_path / "m.csv", rows_with({"Modal usaha": text})), producer_bandung)
    assert submission.rows_accepted == 1, errors_of(submission)
    assert _values(submission)["capital"] == pytest.approx(amount)


@pytest.mark.parametrize(("text", "code"), [
    ("1,500", "number.ambiguous"),
    ("lima juta", "number.invalid"),
    ("15.00.000", "number.invalid"),
    ("-5.000", "number.below_minimum"),
])
def test_money_that_cannot_be_read_safely_is_rejected(tmp_path, producer_bandung, text, code):
    submission = submit(write_csv(tmp_path / "m.csv", rows_with({"Modal usaha": text})), producer_bandung)
    assert (2, "capital", code) in errors_of(submission)


def test_money_from_number_cell_is_taken_as_is(tmp_path, producer_bandung):
    rows = rows_with({"Modal usaha": "1500.5", "Hasil penjualan tahunan (omzet)": "1.234"})
    submission = submit(write_xlsx(tmp_path / "m.xlsx", rows, numbers={"Modal usaha", "Hasil penjualan tahunan (omzet)"}),
                        producer_bandung)
    assert submission.rows_accepted == 1, errors_of(submission)
    assert _values(submission)["capital"] == pytest.approx(1500.5)
    assert _values(submission)["annual_sales"] == pytest.approx(1.234)


@pytest.mark.parametrize(("text", "accepted"), [("3", True), ("1.200", True), ("2,5", False), ("-1", False)])
def test_workers_are_whole_numbers(tmp_path, producer_bandung, text, accepted):
    submission = submit(write_csv(tmp_path / "w.csv", rows_with({"Jumlah tenaga kerja": text})), producer_bandung)
    assert (submission.rows_accepted == 1) is accepted


@pytest.mark.parametrize(("text", "expected"), [
    ("12/03/1990", dt.date(1990, 3, 12)),
    ("12-03-1990", dt.date(1990, 3, 12)),
    ("1990-03-12", dt.date(1990, 3, 12)),
    ("12 Maret 1990", dt.date(1990, 3, 12)),
    ("32944", dt.date(1990, 3, 12)),  # Excel serial number
])
def test_date_formats_are_read(tmp_path, producer_bandung, text, expected):
    submission = submit(write_csv(tmp_path / "d.csv", rows_with({"Tanggal lahir pemilik": text})), producer_bandung)
    assert submission.rows_accepted == 1, errors_of(submission)
    assert Business.objects.get(first_submission=submission).owner.birth_date == expected


@pytest.mark.parametrize(("text", "code"), [
    ("12/03/90", "date.ambiguous"),
    ("1990", "date.ambiguous"),
    ("03/13/1990", "date.month_first"),
    ("31/02/1990", "date.invalid"),
    ("kemarin", "date.invalid"),
    ("12/03/2090", "date.out_of_range"),
])
def test_ambiguous_or_invalid_dates_are_rejected(tmp_path, producer_bandung, text, code):
    submission = submit(write_csv(tmp_path / "d.csv", rows_with({"Tanggal lahir pemilik": text})), producer_bandung)
    assert (2, "owner_birth_date", code) in errors_of(submission)


def test_date_cell_of_workbook_is_read(tmp_path, producer_bandung):
    import xlsxwriter

    path = tmp_path / "d.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    row = rows_with({})[0]
    headers = list(row)
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header)
        if header == "Tanggal lahir pemilik":
            sheet.write_datetime(1, column, dt.datetime(1990, 3, 12), book.add_format({"num_format": "dd/mm/yyyy"}))
        else:
            sheet.write_string(1, column, row[header])
    book.close()
    submission = submit(path, producer_bandung)
    assert submission.rows_accepted == 1, errors_of(submission)


def test_identifiers_keep_leading_zeros(tmp_path, producer_national):
    rows = rows_with({"Kode KBLI": "01132", "RT usaha": "003", "RW usaha": "012"})
    submission = submit(write_csv(tmp_path / "z.csv", rows), producer_national)
    business = Business.objects.get(first_submission=submission)
    assert business.kbli == "01132"
    assert (business.rt, business.rw) == ("003", "012")


def test_kbli_number_cell_that_lost_its_zero_is_explained(tmp_path, producer_bandung):
    rows = rows_with({"Kode KBLI": "1132"})
    submission = submit(write_xlsx(tmp_path / "k.xlsx", rows, numbers={"Kode KBLI"}), producer_bandung)
    assert errors_of(submission) == [(2, "kbli", "leading_zero_lost")]


@pytest.mark.parametrize(("kbli", "accepted"), [("56103", True), ("5610", False), ("00111", False), ("ABCDE", False)])
def test_kbli_structure_without_full_list(tmp_path, producer_bandung, kbli, accepted):
    submission = submit(write_csv(tmp_path / "k.csv", rows_with({"Kode KBLI": kbli})), producer_bandung)
    assert (submission.rows_accepted == 1) is accepted
    assert "kbli_structure_only" in submission.summary["notes"]


@pytest.mark.shared_data
def test_kbli_full_list_rejects_unknown_code(tmp_path, producer_bandung, shared_data):
    from satudata.reference.loaders import import_code_list_csv

    import_code_list_csv("kbli", shared_data / "kbli2020.csv", "2020")
    rows = rows_with({"Kode KBLI": "56103"}, {"Kode KBLI": "56108"})
    submission = submit(write_csv(tmp_path / "k.csv", rows), producer_bandung)
    assert errors_of(submission) == [(3, "kbli", "kbli.unknown")]
    assert "kbli_structure_only" not in submission.summary["notes"]


@pytest.mark.parametrize(("code", "error"), [
    ("32.73.01.1001", None),
    ("3273011001", None),
    ("32.73.01.9999", "region.unknown"),
    ("32.73.01", "region.not_village"),
    ("32.73", "region.not_village"),
    ("3273-01", "region.format"),
])
def test_village_code(tmp_path, producer_bandung, code, error):
    submission = submit(write_csv(tmp_path / "v.csv", rows_with({"Kode desa/kelurahan usaha": code})), producer_bandung)
    if error is None:
        assert submission.rows_accepted == 1
    else:
        assert (2, "business_village_code", error) in errors_of(submission)


def test_business_outside_producer_region_is_rejected(tmp_path, producer_bandung):
    # 32.04 is Kabupaten Bandung, next to but outside Kota Bandung (32.73).
    rows = rows_with({"Kode desa/kelurahan usaha": "32.04.05.2001"})
    submission = submit(write_csv(tmp_path / "out.csv", rows), producer_bandung)
    assert errors_of(submission) == [(2, "business_village_code", "region.outside_scope")]


def test_provincial_producer_may_submit_any_regency_of_its_province(tmp_path, producer_jabar):
    rows = rows_with({"Kode desa/kelurahan usaha": "32.04.05.2001"})
    submission = submit(write_csv(tmp_path / "jabar.csv", rows), producer_jabar)
    assert submission.rows_accepted == 1


@pytest.mark.parametrize(("scale", "capital", "sales", "error"), [
    ("Mikro", "1.000.000.000", "2.000.000.000", None),  # both exactly at the micro ceiling
    ("Kecil", "1.000.000.001", "500.000.000", None),  # small by capital
    ("Mikro", "3.000.000.000", "16.000.000.000", "scale.mismatch"),
    ("Menengah", "100.000.000", "500.000.000", "scale.mismatch"),
    ("", "20.000.000.000", "60.000.000.000", "scale.not_umkm"),
])
def test_business_scale_follows_pp_7_2021(tmp_path, producer_bandung, scale, capital, sales, error):
    rows = rows_with({"Skala usaha": scale, "Modal usaha": capital, "Hasil penjualan tahunan (omzet)": sales})
    submission = submit(write_csv(tmp_path / "s.csv", rows), producer_bandung)
    codes = [code for _row, _field, code in errors_of(submission)]
    if error is None:
        assert codes == []
    else:
        assert error in codes


def test_scale_mismatch_message_names_both_values(tmp_path, producer_bandung):
    from satudata.submissions.reports import row_errors

    rows = rows_with({"Skala usaha": "Mikro", "Modal usaha": "3.000.000.000", "Hasil penjualan tahunan (omzet)": "16.000.000.000"})
    submission = submit(write_csv(tmp_path / "s.csv", rows), producer_bandung)
    message = row_errors(submission)[0].message
    assert "3.000.000.000" in message
    assert "16.000.000.000" in message


def test_missing_scale_is_derived_from_sales(tmp_path, producer_bandung):
    rows = rows_with({"Skala usaha": "", "Modal usaha": "100.000.000", "Hasil penjualan tahunan (omzet)": "3.000.000.000"})
    submission = submit(write_csv(tmp_path / "s.csv", rows), producer_bandung)
    business = Business.objects.get(first_submission=submission)
    assert business.scale == "KECIL"
    assert business.scale_is_derived is True


def test_required_fields_are_reported_per_row(tmp_path, producer_bandung):
    rows = rows_with({"Nama usaha": "", "Nama pemilik": "  "})
    submission = submit(write_csv(tmp_path / "r.csv", rows), producer_bandung)
    assert errors_of(submission) == [(2, "business_name", "required"), (2, "owner_name", "required")]


def test_validation_result_is_a_frame_of_errors(tmp_path, producer_bandung):
    from satudata.submissions.services import error_frame

    submission = submit(write_csv(tmp_path / "e.csv", rows_with({"NIB": "12"})), producer_bandung)
    frame = error_frame(submission)
    assert frame.columns == ["row", "field", "value", "code", "detail"]
    assert frame.get_column("value").to_list() == ["12"]
    assert isinstance(frame, pl.DataFrame)
