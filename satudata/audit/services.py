"""Appending to the audit log. Every privileged action calls ``record`` inside its transaction."""

import base64
import hashlib
import json
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from satudata.audit.models import Action, AuditEntry, ChainHead, Checkpoint
from satudata.audit.signing import checkpoint_message, load_signing_key

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Maximum length of user-agent text kept in an entry. Browsers send roughly 100 to 200 characters.
USER_AGENT_MAX = 300


def canonical_json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_digest(previous_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    return hashlib.sha256((previous_hash + canonical_json(fields)).encode()).hexdigest()


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


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().first()
    if head is None:
        ChainHead.objects.create(last_hash=GENESIS_HASH)
        head = ChainHead.objects.select_for_update().first()
    return head


@transaction.atomic
def record(action: str, *, actor: Any = None, actor_label: str = "", object_type: str = "",
           object_id: Any = "", records: list | None = None, reason: str = "", source_ip: str | None = None,
           data: dict | None = None) -> AuditEntry:
    """Append one entry, and a signed checkpoint when one is due.

    Callers pass ids and counts in ``data`` and ``records``, never personal data.
    """
    head = _locked_head()
    label = actor_label or (actor.get_username() if actor is not None else "system")
    entry = AuditEntry(
        created_at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=label[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        records=records or [],
        reason=reason,
        # The field's own normalization (IPv6 compression), so the hash covers the stored text.
        source_ip=AuditEntry._meta.get_field("source_ip").get_prep_value(source_ip or None),
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
    every = settings.SATUDATA_AUDIT_CHECKPOINT_EVERY
    if every and entry.id - head.last_checkpoint_id >= every:
        _sign(head)
    head.save(update_fields=["last_hash", "last_id", "last_checkpoint_id"])
    return entry


def _sign(head: ChainHead) -> Checkpoint:
    key = load_signing_key()
    signed_at = timezone.now()
    message = checkpoint_message(head.last_id, head.last_hash, signed_at.isoformat())
    checkpoint = Checkpoint(entry_id=head.last_id, entry_hash=head.last_hash, created_at=signed_at,
                            key_id=key.key_id, signature=base64.b64encode(key.sign(message)).decode())
    checkpoint.save()
    head.last_checkpoint_id = head.last_id
    logger.info("Signed audit checkpoint entry=%s key=%s", head.last_id, key.key_id)
    return checkpoint


@transaction.atomic
def sign_checkpoint(*, actor: Any = None) -> Checkpoint | None:
    """Sign the current chain head now; return None when the log is empty.

    The checkpoint covers the entry that records the signing itself.
    """
    head = _locked_head()
    if head.last_id == 0:
        return None
    record(Action.AUDIT_CHECKPOINT, actor=actor)
    head.refresh_from_db()
    if head.last_checkpoint_id == head.last_id:
        return Checkpoint.objects.filter(entry_id=head.last_id).order_by("-id").first()
    checkpoint = _sign(head)
    head.save(update_fields=["last_checkpoint_id"])
    return checkpoint


def client_ip(request: Any) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def client_agent(request: Any) -> str:
    if request is None:
        return ""
    return str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX]
