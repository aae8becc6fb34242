"""NIK, NIB, phone and identifier columns damaged by spreadsheets."""

import pytest

from satudata.submissions.tests.factories import errors_of, rows_with, submit, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def test_valid_row_is_accepted(tmp_path, producer_bandung):
    submission = submit(write_csv(tmp_path / "ok.csv", rows_with({})), producer_bandung)
    assert submission.rows_accepted == 1
    assert errors_of(submission) == []


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("327301520390000", "nik.format"),  # 15 digits
        ("32730152039000012", "nik.format"),  # 17 digits
        ("3273O15203900001", "nik.format"),  # letter O instead of zero
        ("3.27301520390E+15", "excel_scientific"),
        ("3.27E+15", "excel_scientific"),
        ("9973015203900001", "nik.province_unknown"),
        ("3273995203900001", "nik.district_unknown"),
        ("3273017213900001", "nik.birth_date_invalid"),  # day 72 - 40 = 32
        ("3273015213900001", "nik.birth_date_invalid"),  # month 13
        ("3273017002900001", "nik.birth_date_invalid"),  # 30 February (70 - 40)
        ("3273015203900000", "nik.serial_zero"),
    ],
)
def test_nik_rejections(tmp_path, producer_bandung, nik, code):
    submission = submit(write_csv(tmp_path / "nik.csv", rows_with({"NIK pemilik": nik})), producer_bandung)
    assert (2, "owner_nik", code) in errors_of(submission)


def test_nik_with_separators_is_accepted(tmp_path, producer_bandung):
    submission = submit(write_csv(tmp_path / "nik.csv", rows_with({"NIK pemilik": "3273 0152 0390 0001"})),
                        producer_bandung)
    assert submission.rows_accepted == 1


def test_nik_of_woman_with_male_sex_is_mismatch(tmp_path, producer_bandung):
    rows = rows_with({"Jenis kelamin pemilik": "L"})
    submission = submit(write_csv(tmp_path / "sex.csv", rows), producer_bandung)
    assert errors_of(submission) == [(2, "owner_nik", "nik.sex_mismatch")]


def test_nik_of_man_is_accepted_with_male_sex(tmp_path, producer_bandung):
    rows = rows_with({"NIK pemilik": "3273011203900001", "Jenis kelamin pemilik": "Laki-laki"})
    submission = submit(write_csv(tmp_path / "man.csv", rows), producer_bandung)
    assert submission.rows_accepted == 1


def test_nik_birth_date_mismatch(tmp_path, producer_bandung):
    rows = rows_with({"Tanggal lahir pemilik": "13/03/1990"})
    submission = submit(write_csv(tmp_path / "dob.csv", rows), producer_bandung)
    assert errors_of(submission) == [(2, "owner_nik", "nik.birth_date_mismatch")]


def test_nik_birth_year_compares_last_two_digits(tmp_path, producer_bandung):
    rows = rows_with({"Tanggal lahir pemilik": "12/03/1890"})
    submission = submit(write_csv(tmp_path / "dob.csv", rows), producer_bandung)
    # 1890 is before the minimum date of birth, which is reported instead of a NIK mismatch.
    assert errors_of(submission) == [(2, "owner_birth_date", "date.out_of_range")]


def test_nik_of_district_renumbered_in_2022_is_unknown_to_2025_list(tmp_path, producer_national):
    # 91.01.01 is a district of Kabupaten Merauke in the 2020 list; the 2022 split moved Merauke to 93.01.
    rows = rows_with({"NIK pemilik": "9101015203900001"})
    submission = submit(write_csv(tmp_path / "papua.csv", rows), producer_national)
    assert (2, "owner_nik", "nik.district_unknown") in errors_of(submission)


@pytest.mark.shared_data
def test_nik_keeps_district_code_of_older_edition(tmp_path, producer_national, shared_data):
    from satudata.reference.loaders import import_code_list_csv

    import_code_list_csv("region", shared_data / "wilayah_2020.csv", "2020", make_current=False)
    # Importing an older edition must not make it the current one for new records.
    from satudata.reference.models import Edition

    current = Edition.objects.get(code_list__kind="region", is_current=True)
    assert current.name == "2025"
    rows = rows_with({"NIK pemilik": "9101015203900001"})
    submission = submit(write_csv(tmp_path / "papua.csv", rows), producer_national)
    assert (2, "owner_nik", "nik.district_unknown") not in errors_of(submission)


def test_nik_from_number_cell_ending_in_zero_is_rejected(tmp_path, producer_bandung):
    rows = rows_with({"NIK pemilik": "3273015203900010"})
    submission = submit(write_xlsx(tmp_path / "n.xlsx", rows, numbers={"NIK pemilik"}), producer_bandung)
    assert errors_of(submission) == [(2, "owner_nik", "excel_number")]


def test_nik_from_number_cell_above_2_pow_53_is_rejected(tmp_path, producer_bandung):
    rows = rows_with({"NIK pemilik": "9271015203900001"})
    submission = submit(write_xlsx(tmp_path / "n.xlsx", rows, numbers={"NIK pemilik"}), producer_bandung)
    codes = [code for _row, _field, code in errors_of(submission)]
    assert "excel_number" in codes


def test_nik_from_text_cell_is_accepted(tmp_path, producer_bandung):
    submission = submit(write_xlsx(tmp_path / "t.xlsx", rows_with({})), producer_bandung)
    assert submission.rows_accepted == 1


def test_niks_zeroed_by_excel_in_csv_are_rejected(tmp_path, producer_bandung):
    changes = [{"NIK pemilik": "327301520390" + f"{n:03d}0"} for n in range(1, 7)]
    submission = submit(write_csv(tmp_path / "zeroed.csv", rows_with(*changes)), producer_bandung)
    codes = {code for _row, _field, code in errors_of(submission)}
    assert codes == {"excel_zeroed"}
    assert submission.rows_accepted == 0


def test_a_few_niks_ending_in_zero_are_accepted(tmp_path, producer_bandung):
    changes = [{"NIK pemilik": "327301520390" + f"{n:04d}"} for n in (1, 2, 3, 4, 5, 10)]
    submission = submit(write_csv(tmp_path / "ok.csv", rows_with(*changes)), producer_bandung)
    assert submission.rows_accepted == 6


@pytest.mark.parametrize(("nib", "accepted"), [
    ("1234567890123", True),
    ("123 456 789 0123", True),
    ("123456789012", False),
    ("12345678901234", False),
    ("1.23456789012E+12", False),
])
def test_nib_has_13_digits(tmp_path, producer_bandung, nib, accepted):
    submission = submit(write_csv(tmp_path / "nib.csv", rows_with({"NIB": nib})), producer_bandung)
    assert (submission.rows_accepted == 1) is accepted


def test_missing_nib_is_allowed(tmp_path, producer_bandung):
    submission = submit(write_csv(tmp_path / "nib.csv", rows_with({"NIB": ""})), producer_bandung)
    assert submission.rows_accepted == 1


@pytest.mark.parametrize(("phone", "stored"), [
    ("0812-3456-7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("(022) 7654321", "+62227654321"),
])
def test_phone_is_normalized_to_plus_62(tmp_path, producer_bandung, phone, stored):
    from satudata.registry.models import Business
    from satudata.security.crypto import FieldCipher

    submission = submit(write_csv(tmp_path / "p.csv", rows_with({"Nomor HP/telepon pemilik": phone})), producer_bandung)
    assert submission.rows_accepted == 1
    owner = Business.objects.get(first_submission=submission).owner
    assert FieldCipher("owner_phone").decrypt(owner.phone_encrypted) == stored


@pytest.mark.parametrize("phone", ["12345", "0812", "08123456789012345", "telepon"])
def test_invalid_phone_is_rejected(tmp_path, producer_bandung, phone):
    submission = submit(write_csv(tmp_path / "p.csv", rows_with({"Nomor HP/telepon pemilik": phone})), producer_bandung)
    assert errors_of(submission) == [(2, "owner_phone", "phone.invalid")]
