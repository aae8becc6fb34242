"""Checking the audit chain and its signed checkpoints.

Each entry is checked twice: its hash must match its own content (else the entry was edited),
and its ``previous_hash`` must equal the hash of the entry before it in id order (else an entry
was deleted, inserted or moved). Checkpoints must carry a valid Ed25519 signature of a known key
and name an entry whose hash they repeat, so a chain rewritten and rehashed from some entry
onwards fails at the first checkpoint after that entry. The chain head row must name the last
entry, which catches entries deleted from the end.
"""

import base64
import binascii
import contextlib
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from satudata.audit.models import AuditEntry, ChainHead, Checkpoint
from satudata.audit.services import GENESIS_HASH, entry_digest, hashed_fields
from satudata.audit.signing import checkpoint_message, public_keys, signature_is_valid

# Problems listed in full; the count still covers every problem found.
MAX_LISTED_PROBLEMS = 100
FETCH_CHUNK = 50_000
COLUMNS = ("id", "created_at", "actor_id", "actor_label", "action", "object_type", "object_id", "records",
           "reason", "source_ip", "data", "previous_hash", "entry_hash")


MESSAGES = {
    "edited": _("Entry {entry}: its content does not match its hash, so it was edited."),
    "broken_link": _(
        "Entry {entry}: it does not follow {previous}. An entry between them was deleted or inserted, "
        "or entries were reordered."
    ),
    "checkpoint_mismatch": _(
        "Entry {entry}: signed checkpoint {checkpoint} names another hash, so the chain was rewritten at or "
        "before this entry."
    ),
    "checkpoint_orphaned": _(
        "Entry {entry}: signed checkpoint {checkpoint} names this entry, which is missing."
    ),
    "checkpoint_unknown_key": _(
        "Checkpoint {checkpoint}: signed with key {key}, which is not among the public keys in the "
        "keys folder."
    ),
    "checkpoint_signature": _("Checkpoint {checkpoint}: the signature is invalid."),
    "head_missing": _("The chain head row is missing."),
    "head_mismatch": _(
        "The chain head names entry {head}, but the last entry is {last}. Entries at the end were deleted "
        "or the head was changed."
    ),
}


@dataclass
class Problem:
    kind: str
    entry_id: int | None
    params: dict[str, Any]

    @property
    def message(self) -> str:
        return str(MESSAGES[self.kind]).format(**self.params)


@dataclass
class VerifyReport:
    entries: int = 0
    checkpoints: int = 0
    checkpoints_verified: int = 0
    last_entry_id: int | None = None
    seconds: float = 0.0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def first_bad_entry(self) -> int | None:
        ids = [p.entry_id for p in self.problems if p.entry_id is not None]
        return min(ids) if ids else None

    def add(self, kind: str, entry_id: int | None, **params: Any) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(Problem(kind=kind, entry_id=entry_id, params={"entry": entry_id, **params}))

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "entries": self.entries, "checkpoints": self.checkpoints,
            "checkpoints_verified": self.checkpoints_verified, "last_entry_id": self.last_entry_id,
            "first_bad_entry": self.first_bad_entry, "problem_count": self.problem_count,
            "problems": [
                {"kind": p.kind, "entry_id": p.entry_id, "message": p.message} for p in self.problems
            ],
            "seconds": round(self.seconds, 3),
        }


def verify_chain(*, chunk_size: int = FETCH_CHUNK) -> VerifyReport:
    """Recompute every entry's hash and link, and check every checkpoint signature.

    Rows are read with one raw cursor in id order and hashed from their stored text (see
    ``_fast_digest_for``), which is several times faster than going through the ORM. An entry whose
    fast hash does not match is hashed once more from its ORM instance, exactly as ``record``
    hashed it, before it is reported as edited.
    """
    started = time.perf_counter()
    report = VerifyReport()
    checkpoints = _checkpoints_by_entry(report)
    digest = _fast_digest_for(connection.vendor)

    expected_previous = GENESIS_HASH
    previous_id: int | None = None
    entries = 0
    # The head is read before the entries, so entries that are appended while the log is read
    # come after the head's entry rather than making the head look behind.
    head = ChainHead.objects.first()
    head_id = head.last_id if head is not None else 0
    head_entry_hash: str | None = None
    last_up_to_head: int | None = None
    with _read_snapshot(), connection.chunked_cursor() as cursor:
        cursor.execute(_select_entries_sql())
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                entry_id, previous_hash, entry_hash = row[0], row[11], row[12]
                if digest(row) != entry_hash and _exact_digest(entry_id) != entry_hash:
                    report.add("edited", entry_id)
                if previous_hash != expected_previous:
                    previous = _("entry {entry}").format(entry=previous_id) if previous_id is not None else _(
                        "the start of the log")
                    report.add("broken_link", entry_id, previous=previous)
                if entry_id in checkpoints:
                    for checkpoint in checkpoints.pop(entry_id):
                        if checkpoint.entry_hash != entry_hash:
                            report.add("checkpoint_mismatch", entry_id, checkpoint=checkpoint.pk)
                expected_previous = entry_hash
                previous_id = entry_id
                if entry_id <= head_id:
                    last_up_to_head = entry_id
                    if entry_id == head_id:
                        head_entry_hash = entry_hash
            entries += len(rows)

    report.entries = entries
    report.last_entry_id = previous_id
    for entry_id, missing in sorted(checkpoints.items()):
        for checkpoint in missing:
            report.add("checkpoint_orphaned", entry_id, checkpoint=checkpoint.pk)
    _check_head(report, head, head_entry_hash, last_up_to_head, previous_id)
    report.seconds = time.perf_counter() - started
    return report


def _read_snapshot():
    """Return the context that the entries are read in.

    On PostgreSQL, a transaction: outside one, Django's server-side cursor is declared WITH HOLD,
    and the server then copies the whole result before the first row is sent. On SQLite a
    transaction would begin with the write lock (``BEGIN IMMEDIATE``) and stop every writer while
    the log is checked, and the one SELECT already reads one snapshot.
    """
    if connection.vendor == "postgresql":
        return transaction.atomic()
    return contextlib.nullcontext()


def _select_entries_sql() -> str:
    meta = AuditEntry._meta
    quote = connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) if name != "id" else quote(meta.pk.column)
               for name in COLUMNS]
    created_at = columns[1]
    if connection.vendor == "sqlite":
        # Without the cast, sqlite3 parses the text into a datetime because of the column's declared
        # type. That costs more than the rest of the row, and the hash needs only the text.
        columns[1] = f"CAST({created_at} AS TEXT)"
    elif connection.vendor == "postgresql":
        # The isoformat() of the UTC time, written by the server: Django's timestamptz loader is
        # Python code and cost more than the hash. isoformat() leaves out a zero fraction.
        utc = f"({created_at} AT TIME ZONE 'UTC')"
        columns[1] = (
            f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', {utc}) = {utc} "
            f"THEN '' ELSE to_char({utc}, '.US') END || '+00:00'"
        )
    return f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}"  # noqa: S608


# json.dumps builds a new encoder on every call, which costs more than the encoding itself. These
# are the same C encoder and scanner, with the options of ``canonical_json``, built once.
_encode_string = json.encoder.encode_basestring
_encode_parts = json.encoder.c_make_encoder(None, str, _encode_string, None, ":", ",", True, False, True)
_decoder = json.JSONDecoder()


def _canonical_stored_json(value: Any) -> str:
    """Return stored JSON as ``canonical_json`` writes it: sorted keys, no spaces, non-ASCII unescaped.

    SQLite and PostgreSQL (through Django's jsonb loader) return the JSON as text.
    """
    if isinstance(value, str):
        text = value
        try:
            value, end = _decoder.scan_once(text, 0)
        except StopIteration:
            end = -1
        if end != len(text):
            # The scanner alone stops at whitespace around the value. ``decode`` skips it, and for
            # invalid JSON it raises the error that json.loads raises.
            value = _decoder.decode(text)
    return "".join(_encode_parts(value, 0))


def _fast_digest_for(vendor: str):
    """Return a function that hashes a raw row of ``_select_entries_sql`` as ``entry_digest`` does.

    It writes the canonical JSON of ``hashed_fields`` directly, keys in sorted order, so it must
    change with that function. On SQLite, Django stores an aware datetime as its UTC time in
    ``str(datetime)`` form, so ``YYYY-MM-DD HH:MM:SS[.ffffff]`` becomes the ``isoformat()`` of the
    aware value by a 'T' and '+00:00'. On PostgreSQL the query writes that form itself. A row
    stored in any other form gets a different hash here and is checked again by ``_exact_digest``.
    """
    sha256 = hashlib.sha256
    string = _encode_string
    canonical = _canonical_stored_json

    if vendor == "sqlite":
        def created(value: str) -> str:
            return string(f"{value[:10]}T{value[11:]}+00:00")
    elif vendor == "postgresql":
        created = string
    else:
        def created(value: Any) -> str:
            return string(value.isoformat())

    def optional(value: Any) -> str:
        if value is None:
            return "null"
        return string(value) if isinstance(value, str) else "".join(_encode_parts(value, 0))

    def digest(row: tuple) -> str:
        (_, created_at, actor_id, actor_label, action, object_type, object_id, records, reason, source_ip,
         data, previous_hash, _) = row
        text = (
            f'{previous_hash}{{"action":{string(action)},"actor_id":{optional(actor_id)},'
            f'"actor_label":{string(actor_label)},"created_at":{created(created_at)},"data":{canonical(data)},'
            f'"object_id":{string(object_id)},"object_type":{string(object_type)},"reason":{string(reason)},'
            f'"records":{canonical(records)},"source_ip":{optional(source_ip)}}}'
        )
        return sha256(text.encode()).hexdigest()

    return digest


def _exact_digest(entry_id: int) -> str | None:
    entry = AuditEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        return None
    return entry_digest(entry.previous_hash, hashed_fields(entry))


def _checkpoints_by_entry(report: VerifyReport) -> dict[int, list[Checkpoint]]:
    keys = public_keys()
    by_entry: dict[int, list[Checkpoint]] = {}
    for checkpoint in Checkpoint.objects.order_by("entry_id", "id"):
        report.checkpoints += 1
        by_entry.setdefault(checkpoint.entry_id, []).append(checkpoint)
        public_key = keys.get(checkpoint.key_id)
        if public_key is None:
            report.add("checkpoint_unknown_key", checkpoint.entry_id, checkpoint=checkpoint.pk,
                       key=checkpoint.key_id)
            continue
        try:
            signature = base64.b64decode(checkpoint.signature, validate=True)
        except (binascii.Error, ValueError):
            signature = b""
        message = checkpoint_message(checkpoint.entry_id, checkpoint.entry_hash,
                                     checkpoint.created_at.isoformat())
        if not signature_is_valid(public_key, signature, message):
            report.add("checkpoint_signature", checkpoint.entry_id, checkpoint=checkpoint.pk)
            continue
        report.checkpoints_verified += 1
    return by_entry


def _check_head(report: VerifyReport, head: ChainHead | None, head_entry_hash: str | None,
                last_up_to_head: int | None, last_id: int | None) -> None:
    """Check that the entry the head names was read, with the hash the head holds.

    ``last_up_to_head`` is the last entry read up to the head's, ``last_id`` the last entry read.
    """
    if head is None:
        if last_id is not None:
            report.add("head_missing", None)
        return
    if head.last_id == 0:
        # An empty log when the head was read. Entries read since must have moved the head on.
        current = ChainHead.objects.first()
        if last_id is not None and current is not None and current.last_id == 0:
            report.add("head_mismatch", 1, head=0, last=last_id)
        return
    if head_entry_hash != head.last_hash:
        report.add("head_mismatch", (last_up_to_head or 0) + 1, head=head.last_id, last=last_up_to_head)
