"""Appending to the audit log. Every privileged action calls ``record`` inside its transaction."""

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from satudata.audit.models import AuditEntry, ChainHead

GENESIS_HASH = "0" * 64


def entry_digest(previous_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "records": entry.records,
        "reason": entry.reason,
        "source_ip": entry.source_ip,
        "data": entry.data,
    }


@transaction.atomic
def record(action: str, *, actor: Any = None, actor_label: str = "", object_type: str = "",
           object_id: Any = "", records: list | None = None, reason: str = "", source_ip: str | None = None,
           data: dict | None = None) -> AuditEntry:
    """Append one entry. Callers pass ids and counts in ``data``, never personal data."""
    head = ChainHead.objects.select_for_update().first()
    if head is None:
        head = ChainHead.objects.create(last_hash=GENESIS_HASH)
        head = ChainHead.objects.select_for_update().get(pk=head.pk)
    label = actor_label or (actor.get_username() if actor is not None else "system")
    entry = AuditEntry(
        created_at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        records=records or [],
        reason=reason,
        source_ip=source_ip,
        data=data or {},
        previous_hash=head.last_hash,
    )
    # JSON round trip so the hash covers exactly what the database will return.
    entry.records = json.loads(json.dumps(entry.records, default=str))
    entry.data = json.loads(json.dumps(entry.data, default=str))
    entry.entry_hash = entry_digest(head.last_hash, hashed_fields(entry))
    entry.save()
    head.last_hash = entry.entry_hash
    head.last_id = entry.id
    head.save(update_fields=["last_hash", "last_id"])
    return entry


def client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None
