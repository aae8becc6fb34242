"""API tokens that bind a producer's own system to that producer (Pasal 29 system integration)."""

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from satudata.audit.services import record
from satudata.producers.models import ApiToken, Producer

PREFIX = "sdu_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(producer: Producer, *, name: str = "", actor: Any = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is not stored and cannot be shown again."""
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(producer=producer, name=name or "api", prefix=prefix, token_hash=_hash(secret),
                                    created_by=actor if getattr(actor, "pk", None) else None)
    record("api_token.created", actor=actor, object_type="producer", object_id=producer.code,
           data={"token": prefix, "name": token.name})
    return token, secret


def producer_for(secret: str) -> Producer | None:
    """The active producer a token belongs to, or None for an unknown or revoked token."""
    if not secret.startswith(PREFIX):
        return None
    token = ApiToken.objects.select_related("producer").filter(token_hash=_hash(secret), revoked_at__isnull=True).first()
    if token is None or not token.producer.is_active:
        return None
    now = timezone.now()
    # Writing the last use at most once a minute keeps a busy integration from writing on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.producer


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: Any = None) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record("api_token.revoked", actor=actor, object_type="producer", object_id=token.producer.code,
           data={"token": token.prefix})
