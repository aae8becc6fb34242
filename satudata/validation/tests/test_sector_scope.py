"""A producer scoped to KBLI sectors submits only businesses of those sectors (Pasal 6 ayat 3)."""

import pytest
from django.utils import translation

from satudata.producers.services import create_producer
from satudata.submissions.reports import row_errors
from satudata.submissions.tests.factories import errors_of, rows_with, submit, write_csv

pytestmark = pytest.mark.django_db

# 56103 (restaurant) is category I, division 56; 10792 (bakery) is category C, division 10;
# 47111 (retail) is category G, division 47.
ROWS = ({"Kode KBLI": "56103"}, {"Kode KBLI": "10792"}, {"Kode KBLI": "47111"})


def _sector_producer(sectors: list[str]):
    return create_producer(code="kemenperin", name="Kementerian Perindustrian", kind="central", kbli_sectors=sectors)


def test_kbli_outside_category_scope_is_rejected(tmp_path):
    producer = _sector_producer(["C"])
    submission = submit(write_csv(tmp_path / "c.csv", rows_with(*ROWS)), producer, compile_rows=False)
    assert errors_of(submission) == [(2, "kbli", "kbli.outside_scope"), (4, "kbli", "kbli.outside_scope")]
    assert submission.rows_accepted == 1


def test_kbli_in_division_scope_is_accepted(tmp_path):
    producer = _sector_producer(["47", "I"])
    submission = submit(write_csv(tmp_path / "gi.csv", rows_with(*ROWS)), producer, compile_rows=False)
    assert errors_of(submission) == [(3, "kbli", "kbli.outside_scope")]


def test_producer_without_sectors_accepts_every_kbli(tmp_path, producer_national):
    submission = submit(write_csv(tmp_path / "all.csv", rows_with(*ROWS)), producer_national, compile_rows=False)
    assert errors_of(submission) == []


def test_outside_scope_message_names_value_and_scope(tmp_path):
    producer = _sector_producer(["C"])
    submission = submit(write_csv(tmp_path / "c.csv", rows_with({"Kode KBLI": "56103"})), producer,
                        compile_rows=False)
    with translation.override("en"):
        error = row_errors(submission)[0]
    assert error.value == "56103"
    assert "56103" in error.message
    assert "(C)" in error.message
    assert "ask the walidata" in error.message


def test_malformed_kbli_gets_only_its_format_error(tmp_path):
    producer = _sector_producer(["C"])
    submission = submit(write_csv(tmp_path / "bad.csv", rows_with({"Kode KBLI": "ABC"})), producer,
                        compile_rows=False)
    assert errors_of(submission) == [(2, "kbli", "kbli.structure")]
