"""API tokens that bind a producer's own system to that producer (Pasal 29 system integration)."""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.audit.services import record
from satudata.errors import DomainError
from satudata.producers.models import ApiToken, Producer

PREFIX = "sdu_"


class TokenError(DomainError):
    code = "api_token.invalid"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(producer: Producer, *, name: str = "", expires_in_days: int | None = None,
                 actor: Any = None, actor_label: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is not stored and cannot be shown again.

    Raises ``TokenError`` for an inactive producer or an expiry that is not a positive number of days.
    """
    if not producer.is_active:
        raise TokenError(_("Producer {code} is inactive; activate it before creating a token."), code=producer.code)
    if expires_in_days is not None and expires_in_days < 1:
        raise TokenError(_("The expiry must be at least 1 day, not {days}."), field="expires", days=expires_in_days)
    prefix = secrets.token_hex(4)
    secret = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(producer=producer, name=name or "api", prefix=prefix, token_hash=_hash(secret),
                                    expires_at=expires_at, created_by=actor if getattr(actor, "pk", None) else None)
    record("api_token.created", actor=actor, actor_label=actor_label, object_type="producer", object_id=producer.code,
           data={"token": token.pk, "prefix": prefix, "name": token.name,
                 "expires_at": expires_at.isoformat() if expires_at else None})
    return token, secret


def producer_for(secret: str) -> Producer | None:
    """The active producer a token belongs to, or None for an unknown, revoked or expired token."""
    if not secret.startswith(PREFIX):
        return None
    token = ApiToken.objects.select_related("producer").filter(token_hash=_hash(secret)).first()
    now = timezone.now()
    if token is None or not token.is_usable(now) or not token.producer.is_active:
        return None
    # Writing the last use at most once a minute keeps a busy integration from writing on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.producer


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: Any = None, actor_label: str = "") -> ApiToken:
    """Revoke a token so that its next request gets 401. Raises ``TokenError`` when it is revoked already."""
    locked = ApiToken.objects.select_for_update().select_related("producer").get(pk=token.pk)
    if locked.revoked_at is not None:
        raise TokenError(_("Token {id} was already revoked on {date}."), id=locked.pk,
                         date=timezone.localtime(locked.revoked_at).strftime("%Y-%m-%d %H:%M"))
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    record("api_token.revoked", actor=actor, actor_label=actor_label, object_type="producer", object_id=locked.producer.code,
           data={"token": locked.pk, "prefix": locked.prefix})
    return locked
