"""Time 'satudata audit verify' on an audit log of 1,000,000 entries.

Builds a fresh installation in a temporary SATUDATA_HOME (SQLite, or the database named by
DATABASE_URL, whose audit tables must be empty), bulk-inserts correctly chained entries with a
checkpoint every 1,000 entries, and runs the verification the command runs. Prints the time and
the entries per second.

In the same run it times a baseline: the hash and link check of every entry read through the ORM
(``values_list`` in chunks, one ``entry_digest`` per row), as verification worked before it read
raw rows. Wall and CPU times of both and their ratios are printed. ``--no-baseline`` leaves the
baseline out.

    .venv/bin/python bench/audit_verify.py [--entries 1000000] [--no-baseline]
"""

import argparse
import base64
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 10_000
CHECKPOINT_EVERY = 1_000
ACTIONS = ("auth.sign_in", "registry.viewed", "submission.created", "registry.exported")


def build(entries: int) -> None:
    from django.utils import timezone

    from satudata.audit.models import AuditEntry, ChainHead, Checkpoint
    from satudata.audit.services import GENESIS_HASH, entry_digest, hashed_fields
    from satudata.audit.signing import checkpoint_message, load_signing_key

    if AuditEntry.objects.exists():
        raise SystemExit("the audit log of this database is not empty; use a fresh database")
    key = load_signing_key()
    start = timezone.now() - timedelta(days=365)
    previous = GENESIS_HASH
    head = ChainHead.objects.create(last_hash=GENESIS_HASH)
    batch: list[AuditEntry] = []
    checkpoints: list[Checkpoint] = []
    for number in range(1, entries + 1):
        entry = AuditEntry(
            id=number, created_at=start + timedelta(seconds=number * 7, microseconds=number % 997),
            actor_id=None, actor_label=f"user-{number % 500}", action=ACTIONS[number % len(ACTIONS)],
            object_type="business", object_id=f"U{number:012d}", records=[f"U{number:012d}"],
            reason="" if number % 3 else "data request 2025/17",
            source_ip=f"127.0.{number % 250}.{number % 200}",
            data={"by_name": number % 2 == 0, "rows": number % 1000}, previous_hash=previous,
        )
        entry.entry_hash = entry_digest(previous, hashed_fields(entry))
        previous = entry.entry_hash
        batch.append(entry)
        if number % CHECKPOINT_EVERY == 0:
            signed_at = timezone.now()
            signature = key.sign(checkpoint_message(number, previous, signed_at.isoformat()))
            checkpoints.append(Checkpoint(entry_id=number, entry_hash=previous, created_at=signed_at,
                                          key_id=key.key_id, signature=base64.b64encode(signature).decode()))
        if len(batch) == BATCH:
            AuditEntry.objects.bulk_create(batch)
            Checkpoint.objects.bulk_create(checkpoints)
            batch, checkpoints = [], []
    AuditEntry.objects.bulk_create(batch)
    Checkpoint.objects.bulk_create(checkpoints)
    ChainHead.objects.filter(pk=head.pk).update(last_hash=previous, last_id=entries,
                                                last_checkpoint_id=entries - entries % CHECKPOINT_EVERY)
    _reset_sequences()


def _reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from satudata.audit.models import AuditEntry

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [AuditEntry]):
            cursor.execute(statement)


def orm_baseline_seconds() -> tuple[float, float]:
    """Check every entry's hash and link through the ORM; return the wall and CPU seconds it took."""
    from satudata.audit.models import AuditEntry
    from satudata.audit.services import GENESIS_HASH, entry_digest
    from satudata.audit.verification import COLUMNS

    started, started_cpu = time.perf_counter(), time.process_time()
    expected_previous = GENESIS_HASH
    rows = AuditEntry.objects.order_by("id").values_list(*COLUMNS).iterator(chunk_size=20_000)
    for (entry_id, created_at, actor_id, actor_label, action, object_type, object_id, records, reason,
         source_ip, data, previous_hash, entry_hash) in rows:
        fields = {
            "created_at": created_at.isoformat(), "actor_id": actor_id, "actor_label": actor_label,
            "action": action, "object_type": object_type, "object_id": object_id, "records": records,
            "reason": reason, "source_ip": source_ip, "data": data,
        }
        if entry_digest(previous_hash, fields) != entry_hash or previous_hash != expected_previous:
            raise SystemExit(f"baseline: entry {entry_id} does not verify")
        expected_previous = entry_hash
    return time.perf_counter() - started, time.process_time() - started_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000, help="Entries to insert (default 1000000).")
    parser.add_argument("--no-baseline", action="store_true", help="Do not time the ORM baseline.")
    options = parser.parse_args()

    home = tempfile.mkdtemp(prefix="satudata-bench-audit-")
    os.environ["SATUDATA_HOME"] = home
    os.environ["SATUDATA_AUDIT_CHECKPOINT_EVERY"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from satudata.audit.verification import verify_chain

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    build(options.entries)
    built = time.perf_counter() - started
    print(f"database: {connection.vendor}; home: {home}")
    print(f"inserted {options.entries:,} chained entries in {built:.1f} s")
    print(f"load average before verifying: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")

    # CPU time varies less than wall time on a machine shared with other work.
    started_cpu = time.process_time()
    report = verify_chain()
    cpu = time.process_time() - started_cpu
    print(f"audit verify: {report.entries:,} entries, {report.checkpoints_verified:,} of "
          f"{report.checkpoints:,} checkpoints valid, ok={report.ok}")
    print(f"audit verify took {report.seconds:.1f} s ({report.entries / report.seconds:,.0f} entries/s), "
          f"{cpu:.1f} CPU s")
    if not options.no_baseline:
        baseline, baseline_cpu = orm_baseline_seconds()
        print(f"baseline (ORM rows, hashes and links only) took {baseline:.1f} s "
              f"({options.entries / baseline:,.0f} entries/s), {baseline_cpu:.1f} CPU s")
        print(f"audit verify is {baseline / report.seconds:.1f}x faster than the baseline in wall time, "
              f"{baseline_cpu / cpu:.1f}x in CPU time")
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
