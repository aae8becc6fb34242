"""The audit log refuses changes, and 'satudata audit verify' finds the ones made behind its back."""

import io
import json
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from satudata.audit.models import Action, AppendOnlyError, AuditEntry, ChainHead, Checkpoint
from satudata.audit.services import record, sign_checkpoint
from satudata.audit.verification import verify_chain

pytestmark = pytest.mark.django_db

CONTENT_COLUMNS = ("created_at", "actor_id", "actor_label", "action", "object_type", "object_id", "records",
                   "reason", "source_ip", "data", "previous_hash", "entry_hash")


@contextmanager
def triggers_disabled(table: str = "audit_auditentry"):
    """Remove the append-only triggers for the rest of the test, as a database owner could.

    The test's transaction is rolled back afterwards, which restores them.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {table}_no_update")
            cursor.execute(f"DROP TRIGGER {table}_no_delete")
        else:
            # Deferred foreign-key checks of this transaction must run before the table can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    yield


def run_verify() -> tuple[int, dict]:
    """Run 'satudata audit verify --json' and return its exit status and report."""
    out = io.StringIO()
    try:
        call_command("audit", "verify", "--json", "--language", "en", stdout=out)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, json.loads(out.getvalue())


def append(count: int) -> list[AuditEntry]:
    return [record(Action.REGISTRY_VIEWED, actor_label="tester", object_type="business", object_id=f"U{n}",
                   records=[f"U{n}"], reason="test", source_ip="127.0.0.1", data={"n": n})
            for n in range(count)]


def test_verify_passes_on_untouched_log():
    append(5)
    status, report = run_verify()
    assert status == 0
    assert report["ok"] is True
    assert report["first_bad_entry"] is None


def test_saving_an_existing_entry_is_refused():
    entry = append(1)[0]
    entry.reason = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_deleting_an_entry_is_refused():
    entry = append(1)[0]
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_queryset_update_and_delete_are_refused():
    append(1)
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(reason="changed")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_raw_sql_update_is_rejected_by_trigger():
    entry = append(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'changed' WHERE id = %s", [entry.pk])


def test_raw_sql_delete_is_rejected_by_trigger():
    entry = append(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])


def test_checkpoint_rows_are_append_only_in_sql():
    append(1)
    checkpoint = sign_checkpoint()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_checkpoint SET entry_hash = 'x' WHERE id = %s", [checkpoint.pk])


def test_verify_names_entry_edited_in_sql():
    entries = append(5)
    target = entries[2]
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'nothing happened' WHERE id = %s", [target.pk])
    status, report = run_verify()
    assert status == 1
    assert report["first_bad_entry"] == target.pk
    assert report["problems"][0]["kind"] == "edited"


def test_verify_names_entry_after_deleted_one():
    entries = append(5)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])
    status, report = run_verify()
    assert status == 1
    assert report["first_bad_entry"] == entries[3].pk
    assert [p["kind"] for p in report["problems"]] == ["broken_link"]


def test_verify_names_first_of_reordered_entries():
    entries = append(5)
    first, second = entries[1].pk, entries[3].pk
    columns = ", ".join(CONTENT_COLUMNS)
    with triggers_disabled(), connection.cursor() as cursor:
        # The column names are the constants above, never input.
        select = f"SELECT {columns} FROM audit_auditentry WHERE id = %s"  # noqa: S608
        cursor.execute(select, [first])
        first_row = cursor.fetchone()
        cursor.execute(select, [second])
        second_row = cursor.fetchone()
        assignments = ", ".join(f"{c} = %s" for c in CONTENT_COLUMNS)
        update = f"UPDATE audit_auditentry SET {assignments} WHERE id = %s"  # noqa: S608
        # entry_hash is unique, so the first row steps aside before the second takes its place.
        cursor.execute("UPDATE audit_auditentry SET entry_hash = 'moving' WHERE id = %s", [first])
        cursor.execute(update, [*first_row, second])
        cursor.execute(update, [*second_row, first])
    status, report = run_verify()
    assert status == 1
    assert report["first_bad_entry"] == first
    assert report["problems"][0]["kind"] == "broken_link"


def test_verify_names_first_of_entries_deleted_at_end():
    entries = append(4)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id >= %s", [entries[2].pk])
    status, report = run_verify()
    assert status == 1
    assert report["first_bad_entry"] == entries[2].pk
    assert [p["kind"] for p in report["problems"]] == ["head_mismatch"]


def test_verify_accepts_entries_appended_while_reading(monkeypatch):
    from satudata.audit import verification

    append(3)
    fast_digest_for = verification._fast_digest_for

    def appending_digest_for(vendor):
        digest = fast_digest_for(vendor)
        appended = []

        def digest_and_append(row):
            # Another request records an entry after the first rows were read.
            if not appended:
                appended.extend(append(1))
            return digest(row)

        return digest_and_append

    monkeypatch.setattr(verification, "_fast_digest_for", appending_digest_for)
    status, report = run_verify()
    assert report["problems"] == []
    assert status == 0


def test_verify_catches_rehashed_chain_through_checkpoint():
    from satudata.audit.services import entry_digest, hashed_fields

    entries = append(3)
    checkpoint = sign_checkpoint()
    assert checkpoint is not None
    # Rewrite every entry from the second on, recomputing hashes so each link matches again.
    rewritten = list(AuditEntry.objects.filter(pk__gte=entries[1].pk).order_by("id"))
    previous = AuditEntry.objects.get(pk=entries[0].pk).entry_hash
    with triggers_disabled(), connection.cursor() as cursor:
        for entry in rewritten:
            entry.reason = "rewritten"
            entry.previous_hash = previous
            entry.entry_hash = entry_digest(previous, hashed_fields(entry))
            cursor.execute("UPDATE audit_auditentry SET reason = %s, previous_hash = %s, entry_hash = %s "
                           "WHERE id = %s", [entry.reason, entry.previous_hash, entry.entry_hash, entry.pk])
            previous = entry.entry_hash
    ChainHead.objects.update(last_hash=previous)
    status, report = run_verify()
    assert status == 1
    kinds = {p["kind"] for p in report["problems"]}
    assert kinds == {"checkpoint_mismatch"}
    assert report["first_bad_entry"] == checkpoint.entry_id


def test_verify_rejects_forged_checkpoint_signature():
    append(2)
    checkpoint = sign_checkpoint()
    with triggers_disabled("audit_checkpoint"), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_checkpoint SET signature = %s WHERE id = %s", ["A" * 88, checkpoint.pk])
    status, report = run_verify()
    assert status == 1
    assert report["problems"][0]["kind"] == "checkpoint_signature"


def test_checkpoint_signed_automatically_every_n_entries(settings):
    settings.SATUDATA_AUDIT_CHECKPOINT_EVERY = 3
    before = Checkpoint.objects.count()
    append(7)
    assert Checkpoint.objects.count() - before >= 2
    assert verify_chain().ok


def test_text_report_names_first_bad_entry():
    entries = append(3)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_label = 'someone else' WHERE id = %s",
                       [entries[1].pk])
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("audit", "verify", "--language", "en", stdout=out)
    assert f"the first bad entry is {entries[1].pk}" in out.getvalue()


def test_append_only_triggers_exist():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    if connection.vendor == "sqlite":
        expected = {"audit_auditentry_no_update", "audit_auditentry_no_delete", "audit_checkpoint_no_update",
                    "audit_checkpoint_no_delete"}
    else:
        expected = {"audit_auditentry_append_only", "audit_auditentry_no_truncate",
                    "audit_checkpoint_append_only"}
    assert expected <= names
