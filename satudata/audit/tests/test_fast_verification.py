"""'satudata audit verify' hashes raw rows itself; its hashes must be those that ``record`` wrote."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from satudata.accounts.models import Role, User
from satudata.audit import verification
from satudata.audit.models import Action, AuditEntry
from satudata.audit.services import record
from satudata.audit.tests.test_chain import append, triggers_disabled
from satudata.audit.verification import verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def exact_digests(monkeypatch) -> list[int]:
    """Record the ids of entries that the fast hash did not match and that were hashed again."""
    checked: list[int] = []
    original = verification._exact_digest

    def counted(entry_id: int) -> str | None:
        checked.append(entry_id)
        return original(entry_id)

    monkeypatch.setattr(verification, "_exact_digest", counted)
    return checked


def record_varied_entries() -> None:
    actor = User.objects.create(username="pemeriksa-ä", role=Role.AUDITOR)
    record(Action.REGISTRY_VIEWED, actor=actor, object_type="business", object_id="UM12345678901",
           records=["UM12345678901", "UM10987654321"], reason="Permintaan data \"khusus\"\n2025/17 — ✓",
           source_ip="2001:0db8:0000:0000:0000:0000:0000:0001",
           data={"z": {"b": [1, 2.5, None, True], "a": "Ñandú"}, "by_name": False, "count": 10**20})
    record(Action.SIGN_IN, actor_label="system")
    record(Action.REGISTRY_EXPORTED, records=[], data={"filters": {}, "rows": 0}, source_ip="10.0.0.1",
           reason="\u2028tab\there")


def test_fast_hash_matches_recorded_entries(exact_digests):
    record_varied_entries()
    report = verify_chain()
    assert report.ok
    assert exact_digests == []


def test_fast_hash_matches_timestamp_without_microseconds(exact_digests, monkeypatch):
    # A whole second: str() and isoformat() then both leave out the fraction.
    whole_second = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)
    monkeypatch.setattr("satudata.audit.services.timezone.now", lambda: whole_second)
    append(2)
    report = verify_chain()
    assert report.ok
    assert exact_digests == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL normalizes jsonb and timestamps")
def test_other_stored_form_hashed_again(exact_digests):
    entry = append(1)[0]
    stored = AuditEntry.objects.get(pk=entry.pk)
    with triggers_disabled(), connection.cursor() as cursor:
        # The same instant with its UTC offset written out, which Django reads but the fast hash does not.
        created = stored.created_at.astimezone(UTC).isoformat(sep=" ")
        cursor.execute("UPDATE audit_auditentry SET created_at = %s, data = %s WHERE id = %s",
                       [created, '{ "n" :0 }', entry.pk])
    report = verify_chain()
    assert report.ok
    assert exact_digests == [entry.pk]


def test_deleted_entry_found_across_fetch_chunks():
    before = AuditEntry.objects.count()
    entries = append(7)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[4].pk])
    report = verify_chain(chunk_size=2)
    assert report.entries == before + 6
    assert [p.kind for p in report.problems] == ["broken_link"]
    assert report.first_bad_entry == entries[5].pk
