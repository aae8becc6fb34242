"""A file gives the same result whatever the batch size: state kept across batches must not leak."""

import json

import polars as pl
import pytest

from satudata.submissions.tests.factories import rows_with, write_csv
from satudata.synthetic.sidt import generate_sidt

pytestmark = pytest.mark.django_db


def _validate(path, producer, batch_size):
    from satudata.submissions import services
    from satudata.submissions.models import Submission

    with open(path, "rb") as source:
        submission = services.receive_file(producer=producer, source=source, original_name=path.name,
                                           channel=Submission.Channel.CLI, reference_year=2025)
    inspection = services.inspect(submission)
    services.validate(submission, inspection.mapping, batch_size=batch_size)
    valid = services.valid_rows(submission).collect().sort("__row")
    errors = services.error_frame(submission).sort(["row", "field", "code"])
    return submission, valid, errors


def test_sidt_names_resolve_alike_in_small_batches(tmp_path, producer_jabar):
    frame = generate_sidt(40, seed=3, within="32.73")
    # Names that match no village, and one row that repeats an earlier row's names.
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("TIDAK ADA")).otherwise(pl.col("kel_usaha"))
        .alias("kel_usaha"),
        pl.when(pl.int_range(pl.len()) == 30).then(pl.lit("KOTA ANTAH")).otherwise(pl.col("kab_pengusaha"))
        .alias("kab_pengusaha"),
    )
    path = tmp_path / "sidt.csv"
    frame.write_csv(path)

    small, valid_small, errors_small = _validate(path, producer_jabar, batch_size=7)
    whole, valid_whole, errors_whole = _validate(path, producer_jabar, batch_size=200_000)

    assert small.rows_read == whole.rows_read == 40
    assert valid_small.drop("__row").equals(valid_whole.drop("__row"))
    assert valid_small.get_column("__row").to_list() == valid_whole.get_column("__row").to_list()
    assert errors_small.equals(errors_whole)
    failed = set(zip(errors_whole["row"], errors_whole["field"], errors_whole["code"], strict=True))
    assert (7, "business_village_name", "region.name_unknown") in failed
    assert (32, "owner_regency_name", "region.name_unknown") in failed
    assert valid_whole.height == 38
    assert valid_whole.get_column("business_village_code").str.starts_with("32.73.").all()


def test_duplicates_found_across_batches(tmp_path, producer_bandung):
    rows = rows_with(*[{} for _ in range(6)])
    rows[3]["NIB"] = rows[0]["NIB"]
    rows[5]["NIB"] = rows[0]["NIB"]
    rows[4]["NIK pemilik"] = rows[1]["NIK pemilik"]
    rows[4]["Nama usaha"] = rows[1]["Nama usaha"].upper()
    path = write_csv(tmp_path / "dup.csv", rows)

    for batch_size in (2, 200_000):
        _submission, valid, errors = _validate(path, producer_bandung, batch_size)
        duplicates = errors.filter(pl.col("code") == "duplicate_in_file")
        found = {(row, field, json.loads(detail)["first_row"])
                 for row, field, detail in duplicates.select("row", "field", "detail").iter_rows()}
        assert found == {(5, "nib", 2), (7, "nib", 2), (6, "owner_nik", 3)}, batch_size
        assert valid.get_column("__row").to_list() == [2, 3, 4], batch_size
