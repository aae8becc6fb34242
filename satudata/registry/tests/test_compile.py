"""Compiling validated rows into the registry: new businesses, updates, history and rollback."""

import pytest
from django.db import connection

from satudata.registry import compile as compiling
from satudata.registry.codes import is_valid_code
from satudata.registry.models import Business, BusinessVersion, Owner, TransactionRecord, UmkmCodeCounter
from satudata.submissions import services
from satudata.submissions.models import Submission
from satudata.submissions.tests.factories import VALID_ROW, rows_with, submit, write_csv
from satudata.validation.specs import spec_from_version

pytestmark = pytest.mark.django_db

NIK = VALID_ROW["NIK pemilik"]
EMAIL = "siti.aminah@example.com"


def registry_counts() -> dict[str, int]:
    models = (Owner, Business, BusinessVersion, TransactionRecord)
    return {model.__name__: model.objects.count() for model in models}


def counter_value() -> int:
    counter = UmkmCodeCounter.objects.filter(pk=1).first()
    return counter.last_value if counter else 0


def registry_indexes() -> set[str]:
    tables = [model._meta.db_table for model in (Owner, Business, BusinessVersion, TransactionRecord)]
    with connection.cursor() as cursor:
        return {
            name for table in tables for name in connection.introspection.get_constraints(cursor, table)
        }


def validated(tmp_path, rows, producer, name="file.csv"):
    """A submission the walidata accepted, not yet compiled."""
    from satudata.accounts.models import User
    from satudata.submissions.workflow import move

    submission = submit(write_csv(tmp_path / name, rows), producer, compile_rows=False)
    return move(submission, Submission.State.ACCEPTED, actor=User.objects.get(username="walidata"))


def test_new_rows_create_businesses(tmp_path, producer_bandung):
    rows = rows_with({}, {"NIB": "", "NIK pemilik": "3273011203900001", "Jenis kelamin pemilik": "L"}, {})
    submission = submit(write_csv(tmp_path / "new.csv", rows), producer_bandung)

    assert submission.state == Submission.State.COMPILED
    assert submission.businesses_created == 3
    businesses = list(Business.objects.order_by("id"))
    assert len(businesses) == 3
    assert all(is_valid_code(b.umkm_code) for b in businesses)
    assert len({b.umkm_code for b in businesses}) == 3
    assert counter_value() == 3
    assert businesses[1].nib is None
    assert businesses[0].village_code == "32.73.01.1001"
    assert businesses[0].district_code == "32.73.01"
    assert businesses[0].province_code == "32"
    # Rows 1 and 3 have the same NIK, so they share one owner.
    assert Owner.objects.count() == 2
    assert businesses[0].owner_id == businesses[2].owner_id


def test_new_rows_record_provenance(tmp_path, producer_bandung):
    submission = submit(write_csv(tmp_path / "new.csv", rows_with({}, {})), producer_bandung)

    versions = list(BusinessVersion.objects.order_by("row_number"))
    assert [(v.number, v.submission_id, v.row_number) for v in versions] == [
        (1, submission.pk, 2), (1, submission.pk, 3)
    ]
    assert all(v.superseded_at is None for v in versions)
    assert versions[0].valid_from.isoformat() == "2025-01-01"
    assert versions[0].data["values"]["business_name"] == "Warung Siti 0"
    records = list(TransactionRecord.objects.order_by("row_number"))
    assert [(r.period, r.submission_id, r.row_number) for r in records] == [
        (2025, submission.pk, 2), (2025, submission.pk, 3)
    ]
    assert records[0].values["capital"] == 15_000_000
    assert records[0].recorded_at == versions[0].recorded_at


@pytest.mark.parametrize("in_child_process", [False, True])
def test_owner_personal_data_decrypts(tmp_path, producer_bandung, monkeypatch, in_child_process):
    from satudata.security import sealing
    from satudata.security.crypto import BlindIndex, FieldCipher

    if in_child_process:
        monkeypatch.setattr(compiling, "SEALING_PROCESS_MIN_ROWS", 1)
    children = []
    init = sealing.Sealer.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        children.append(self._pool is not None)

    monkeypatch.setattr(sealing.Sealer, "__init__", spy)
    submit(write_csv(tmp_path / "new.csv", rows_with({"E-mail pemilik": EMAIL})), producer_bandung)

    owner = Owner.objects.get()
    assert FieldCipher("owner_nik").decrypt(owner.nik_encrypted) == NIK
    assert owner.nik_index == BlindIndex("nik").compute(NIK)
    assert FieldCipher("owner_email").decrypt(owner.email_encrypted) == EMAIL
    assert owner.email_index == BlindIndex("email").compute(EMAIL)
    assert owner.phone_encrypted.startswith("k")
    assert owner.address_encrypted is None
    assert children == [in_child_process]


def test_same_nib_updates_business(tmp_path, producer_bandung):
    first = submit(write_csv(tmp_path / "one.csv", rows_with({})), producer_bandung)
    renamed = rows_with({"Nama usaha": "Warung Siti Baru"})
    second = submit(write_csv(tmp_path / "two.csv", renamed), producer_bandung)

    assert second.businesses_created == 0
    assert second.businesses_updated == 1
    business = Business.objects.get()
    assert business.name == "Warung Siti Baru"
    assert business.first_submission_id == first.pk
    assert business.last_submission_id == second.pk
    old, new = BusinessVersion.objects.filter(business=business).order_by("number")
    assert old.data["values"]["business_name"] == "Warung Siti 0"
    assert old.superseded_at is not None
    assert old.submission_id == first.pk
    assert new.number == 2
    assert new.superseded_at is None
    assert new.submission_id == second.pk
    assert new.data["values"]["business_name"] == "Warung Siti Baru"
    assert counter_value() == 1


def test_same_file_twice_is_unchanged(tmp_path, producer_bandung):
    path = write_csv(tmp_path / "same.csv", rows_with({}, {}))
    submit(path, producer_bandung)
    before = {b.pk: (b.umkm_code, b.name, b.updated_at) for b in Business.objects.all()}

    again = submit(path, producer_bandung)

    assert again.businesses_created == 0
    assert again.businesses_updated == 0
    assert again.summary["unchanged"] == 2
    assert {b.pk: (b.umkm_code, b.name, b.updated_at) for b in Business.objects.all()} == before
    assert BusinessVersion.objects.count() == 2
    assert not BusinessVersion.objects.filter(superseded_at__isnull=False).exists()
    assert set(Business.objects.values_list("last_submission_id", flat=True)) == {again.pk}


def test_transactions_of_same_year_are_superseded(tmp_path, producer_bandung):
    submit(write_csv(tmp_path / "one.csv", rows_with({})), producer_bandung)
    more_capital = rows_with({"Modal usaha": "20.000.000"})
    second = submit(write_csv(tmp_path / "two.csv", more_capital), producer_bandung)

    records = list(TransactionRecord.objects.order_by("id"))
    assert len(records) == 2
    assert records[0].superseded_at is not None
    assert records[0].values["capital"] == 15_000_000
    assert records[1].superseded_at is None
    assert records[1].values["capital"] == 20_000_000
    assert records[1].submission_id == second.pk


def test_transactions_of_other_year_stay_current(tmp_path, producer_bandung):
    submit(write_csv(tmp_path / "one.csv", rows_with({})), producer_bandung)
    submit(write_csv(tmp_path / "two.csv", rows_with({"Tahun referensi": "2024"})), producer_bandung)

    current = TransactionRecord.objects.filter(superseded_at__isnull=True)
    assert sorted(current.values_list("period", flat=True)) == [2024, 2025]


def test_rows_match_earlier_batch(tmp_path, producer_bandung):
    # Row 3 has row 1's NIK and a name with the same name key, and no NIB.
    rows = rows_with({}, {}, {"NIB": "", "Nama usaha": "Toko Warung Siti 0"})
    submission = validated(tmp_path, rows, producer_bandung)
    frame = services.valid_rows(submission).collect()

    standard = spec_from_version(submission.standard_version)
    result = compiling.compile_rows(submission, standard, iter([frame[:2], frame[2:]]))

    assert (result.created, result.updated) == (2, 1)
    assert Business.objects.count() == 2
    first = Business.objects.order_by("id").first()
    assert first.name == "Toko Warung Siti 0"
    assert first.versions.count() == 2
    assert first.transactions.count() == 2
    assert first.transactions.filter(superseded_at__isnull=True).count() == 1


def test_failed_first_load_changes_nothing(tmp_path, producer_bandung, monkeypatch):
    submission = validated(tmp_path, rows_with({}, {}, {}), producer_bandung)
    indexes = registry_indexes()

    def fail(self, new, old):
        raise RuntimeError("compile interrupted")

    monkeypatch.setattr(compiling.Compiler, "_insert_transactions", fail)
    with pytest.raises(RuntimeError, match="compile interrupted"):
        services.compile_submission(submission)

    assert registry_counts() == {"Owner": 0, "Business": 0, "BusinessVersion": 0, "TransactionRecord": 0}
    assert counter_value() == 0
    assert registry_indexes() == indexes
    submission.refresh_from_db()
    assert submission.state == Submission.State.ACCEPTED


def test_failed_preparation_changes_nothing(tmp_path, producer_bandung, monkeypatch):
    # The second batch fails while it is prepared in the second thread, after the first was written.
    submission = validated(tmp_path, rows_with({}, {}, {}), producer_bandung)
    frame = services.valid_rows(submission).collect()
    standard = spec_from_version(submission.standard_version)
    prepare = compiling.Compiler.prepare
    prepared: list[int] = []

    def fail_second(self, batch):
        prepared.append(batch.height)
        if len(prepared) == 2:
            raise RuntimeError("sealing failed")
        return prepare(self, batch)

    monkeypatch.setattr(compiling.Compiler, "prepare", fail_second)
    with pytest.raises(RuntimeError, match="sealing failed"):
        compiling.compile_rows(submission, standard, iter([frame[:2], frame[2:]]))

    assert prepared == [2, 1]
    assert registry_counts() == {"Owner": 0, "Business": 0, "BusinessVersion": 0, "TransactionRecord": 0}
    assert counter_value() == 0


def test_failed_update_changes_nothing(tmp_path, producer_bandung, monkeypatch):
    submit(write_csv(tmp_path / "one.csv", rows_with({})), producer_bandung)
    counts, counter = registry_counts(), counter_value()
    business = Business.objects.values().get()
    rows = rows_with({"Nama usaha": "Warung Baru"}, {})
    submission = validated(tmp_path, rows, producer_bandung, "two.csv")

    def fail(self, new, old):
        raise RuntimeError("compile interrupted")

    monkeypatch.setattr(compiling.Compiler, "_insert_transactions", fail)
    with pytest.raises(RuntimeError, match="compile interrupted"):
        services.compile_submission(submission)

    assert registry_counts() == counts
    assert counter_value() == counter
    assert Business.objects.values().get() == business
    assert not BusinessVersion.objects.filter(superseded_at__isnull=False).exists()


def test_first_load_restores_indexes(tmp_path, producer_bandung):
    indexes = registry_indexes()
    submit(write_csv(tmp_path / "new.csv", rows_with({}, {})), producer_bandung)
    assert registry_indexes() == indexes


def test_no_personal_data_in_clear(tmp_path, producer_bandung):
    rows = rows_with({"E-mail pemilik": EMAIL, "Alamat pemilik": "Jl. Rahasia No. 7"})
    submit(write_csv(tmp_path / "new.csv", rows), producer_bandung)
    assert Owner.objects.get().email_encrypted is not None

    secrets = [NIK, EMAIL, "Jl. Rahasia"]
    if connection.vendor == "sqlite":
        # The bytes SQLite would write to the database file, uncommitted rows of this test included.
        content = connection.connection.serialize()
        assert b"Warung Siti 0" in content
        for secret in secrets:
            assert secret.encode() not in content
    else:
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                quoted = connection.ops.quote_name(table)
                for secret in secrets:
                    cursor.execute(f"SELECT count(*) FROM {quoted} t WHERE t::text LIKE %s",  # noqa: S608
                                   [f"%{secret}%"])
                    assert cursor.fetchone()[0] == 0, f"{secret!r} found in clear in table {table}"


def test_written_columns_keep_types(tmp_path, producer_bandung):
    submit(write_csv(tmp_path / "new.csv", rows_with({})), producer_bandung)

    business = Business.objects.get()
    assert business.scale_is_derived is False
    assert business.attributes == {"source_record_id": None}
    owner = Owner.objects.get()
    assert owner.birth_date.isoformat() == "1990-03-12"
    assert owner.sex == "P"
    assert owner.created_at == business.created_at
    assert business.latitude is None
    assert business.year_started is None


def _keys_scenario(tmp_path, producer):
    """Seven rows in four batches whose matches depend on what the earlier batches wrote.

    A and E share a NIB, and B and D a NIK and name. E gives A's owner a new NIK, which F then
    matches. G has the owner's earlier NIK, so it matches no registered owner.
    """
    import polars as pl

    submission = validated(tmp_path, rows_with(*[{}] * 7), producer)
    frame = services.valid_rows(submission).collect().sort("__row")
    nik = ["3273015203900001", "3273015203900002", "3273015203900001", "3273015203900002",
           "3273015203900005", "3273015203900005", "3273015203900001"]
    nib = ["1111111111111", None, "3333333333333", None, "1111111111111", None, None]
    names = ["Warung A", "Toko B", "Kedai C", "Toko B", "Warung A Baru", "Warung A Baru", "Kedai C"]
    frame = frame.with_columns(pl.Series("owner_nik", nik), pl.Series("nib", nib, dtype=pl.String),
                               pl.Series("business_name", names))
    batches = [frame[0:2], frame[2:3], frame[3:5], frame[5:7]]
    return submission, batches


def _registry_outcome() -> dict:
    businesses = Business.objects.order_by("umkm_code")
    owners = {o.pk: o.nik_index for o in Owner.objects.all()}
    return {
        "businesses": [(b.umkm_code, b.name, b.nib, owners[b.owner_id]) for b in businesses],
        "owners": sorted(owners.values()),
        "versions": sorted(BusinessVersion.objects.values_list("business__umkm_code", "number", "row_number")),
    }


def test_first_load_in_memory_matching(tmp_path, producer_bandung, monkeypatch):
    from django.db import transaction

    outcomes, results = [], []
    for in_memory in (True, False):
        if not in_memory:
            init = compiling.Compiler.__init__
            monkeypatch.setattr(compiling.Compiler, "__init__",
                                lambda self, *a, **k: init(self, *a, **{**k, "first_load": False}))
        folder = tmp_path / str(in_memory)
        folder.mkdir()
        with transaction.atomic():
            submission, batches = _keys_scenario(folder, producer_bandung)
            result = compiling.compile_rows(submission, spec_from_version(submission.standard_version),
                                            iter(batches))
            outcomes.append(_registry_outcome())
            results.append((result.created, result.updated + result.unchanged))
            transaction.set_rollback(True)

    assert outcomes[0] == outcomes[1]
    assert results[0] == results[1] == (4, 3)
    names = [name for _code, name, _nib, _owner in outcomes[0]["businesses"]]
    assert names == ["Warung A Baru", "Toko B", "Kedai C", "Kedai C"]
    # Three owners: A's (whose NIK became ...05, shared with C), B's, and G's new one.
    assert len(outcomes[0]["owners"]) == 3


def test_loaded_registry_matches_in_database(tmp_path, producer_bandung, monkeypatch):
    submit(write_csv(tmp_path / "one.csv", rows_with({})), producer_bandung)
    built: list[bool] = []
    init = compiling.Compiler.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        built.append(self.loaded is not None)

    monkeypatch.setattr(compiling.Compiler, "__init__", spy)
    submission = submit(write_csv(tmp_path / "two.csv", rows_with({"Nama usaha": "Warung Baru"})), producer_bandung)

    assert built == [False]
    assert submission.businesses_updated == 1
    assert Business.objects.get().name == "Warung Baru"


def test_business_indexes_are_the_ones_queries_read():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Business._meta.db_table)
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]}
    assert {("nib",), ("umkm_code",), ("owner_id", "name_key"), ("merged_into_id",)} <= indexed
    assert ("province_code", "regency_code", "district_code", "village_code") in indexed
    for column in ("first_submission_id", "last_submission_id", "province_code", "regency_code", "district_code",
                   "village_code"):
        assert (column,) not in indexed


def test_region_filters_use_the_region_index():
    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by table statistics")
    from satudata.access.scope import Scope
    from satudata.registry.queries import search

    for code in ("32", "32.73", "32.73.01", "32.73.01.1001"):
        for queryset in (Business.objects.filter(Scope(everything=False, regions=(code,)).region_q()),
                         search(Business.objects.all(), region=code)):
            sql, params = queryset.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "registry_business_region" in plan, plan


def test_deferred_indexes_are_rebuilt_alike():
    # Runs on SQLite and, with DATABASE_URL, on PostgreSQL, whose catalogs are read differently.
    from django.db import transaction

    from satudata.registry import bulk

    table = Business._meta.db_table
    deferrable = {("scale",), ("kbli_category",)}

    def plain_indexes() -> dict[str, tuple[str, ...]]:
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(cursor, table)
        return {name: tuple(c["columns"]) for name, c in found.items()
                if c["index"] and not c["unique"] and not c["primary_key"]}

    before = plain_indexes()
    with transaction.atomic():
        with bulk.indexes_deferred({table: deferrable}) as deferred:
            during = plain_indexes()
        after = plain_indexes()

    assert sorted(deferred) == sorted(name for name, columns in before.items() if columns in deferrable)
    assert len(deferred) == 2
    assert not set(deferred) & set(during)
    assert after == before
