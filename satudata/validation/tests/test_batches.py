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


def test_empty_strings_have_no_value(producer_bandung):
    # Readers turn empty CSV fields into null, but a batch may also carry empty strings.
    from satudata.standards.loading import current_version
    from satudata.submissions.services import rule_context
    from satudata.validation.engine import INDEX, ROW, Validator
    from satudata.validation.specs import spec_from_version

    validator = Validator(spec_from_version(current_version()), rule_context(producer_bandung),
                          ["products", "business_rt", "year_started"])
    batch = pl.DataFrame({ROW: [2, 3, 4], "products": ["Kopi", "", None], "business_rt": ["", "003", "  "],
                          "year_started": ["", "2019", None]})
    parsed = validator._parse(batch.with_columns(pl.int_range(pl.len()).alias(INDEX)))

    assert parsed.get_column("products").to_list() == ["Kopi", None, None]
    assert parsed.get_column("business_rt").to_list() == [None, "003", None]
    assert parsed.get_column("year_started").to_list() == [None, 2019, None]


def test_names_whose_check_hash_differs_stay_unplaced(tmp_path, producer_jabar, monkeypatch):
    # Stands for two name tuples whose first hashes collide: the cached result must not be used.
    from satudata.validation.engine import Validator

    join_cache = Validator._join_cache

    def colliding(self, keys):
        return join_cache(self, keys).with_columns(pl.col("__r_tcheck") + 1)

    path = tmp_path / "sidt.csv"
    generate_sidt(3, seed=5, within="32.73").write_csv(path)
    _submission, valid, _errors = _validate(path, producer_jabar, batch_size=100)
    assert valid.height == 3

    monkeypatch.setattr(Validator, "_join_cache", colliding)
    _submission, valid, errors = _validate(path, producer_jabar, batch_size=100)
    assert valid.height == 0
    assert "business_village_code" in set(errors.get_column("field"))


def test_region_names_trimmed_and_missing(tmp_path, producer_jabar):
    frame = generate_sidt(6, seed=4, within="32.73")
    business = ["prov_usaha", "kab_usaha", "kec_usaha", "kel_usaha"]
    row = pl.int_range(pl.len())
    frame = frame.with_columns(
        # Row 2 has every name padded with spaces, row 3 a village name of spaces only, and row 4 no names.
        *[pl.when(row == 0).then(pl.concat_str([pl.lit("  "), pl.col(c), pl.lit(" ")]))
          .when(row == 2).then(None).otherwise(pl.col(c)).alias(c) for c in business],
    ).with_columns(pl.when(row == 1).then(pl.lit("   ")).otherwise(pl.col("kel_usaha")).alias("kel_usaha"))
    path = tmp_path / "sidt.csv"
    frame.write_csv(path)
    plain = tmp_path / "plain.csv"
    generate_sidt(6, seed=4, within="32.73").write_csv(plain)
    _submission, valid_plain, _errors = _validate(plain, producer_jabar, 100)
    expected = valid_plain.filter(pl.col("__row") == 2).get_column("business_village_code").item()
    assert expected is not None

    for batch_size in (2, 100):
        _submission, valid, errors = _validate(path, producer_jabar, batch_size)
        failed = {(r, f, c) for r, f, c in errors.select("row", "field", "code").iter_rows()}
        assert failed == {(3, "business_province_name", "region.name_incomplete"),
                          (4, "business_village_code", "required")}, batch_size
        assert valid.get_column("__row").to_list() == [2, 5, 6, 7], batch_size
        # The padded names are placed where the same names without spaces are.
        assert valid.filter(pl.col("__row") == 2).get_column("business_village_code").item() == expected, batch_size
        value = errors.filter(pl.col("row") == 3).get_column("value").item()
        assert value == frame.get_column("prov_usaha")[1], batch_size


def test_three_name_levels_cannot_place(producer_bandung):
    from satudata.standards.loading import current_version
    from satudata.submissions.services import rule_context
    from satudata.validation.engine import INDEX, ROW, Validator
    from satudata.validation.specs import spec_from_version

    names = ["business_province_name", "business_regency_name", "business_district_name"]
    validator = Validator(spec_from_version(current_version()), rule_context(producer_bandung), names)
    batch = pl.DataFrame({ROW: [2, 3], **{name: ["JAWA BARAT", " "] for name in names}})
    frame = validator._resolve_names(batch.with_columns(pl.int_range(pl.len()).alias(INDEX)),
                                     validator.region_targets[0])

    assert frame.get_column("__rerr__business_village_code").to_list() == ["region.name_incomplete", None]
    assert frame.get_column("__rfield__business_village_code").to_list() == ["business_province_name", None]
    detail = json.loads(frame.get_column("__rdetail__business_village_code")[0])
    assert detail["missing"] == validator.labels["business_village_name"]
