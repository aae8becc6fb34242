"""Sessions of signed-in users, and detection of one account used from two places at once.

Sharing an account is forbidden (Pasal 25 ayat 4 of Permen UMKM 8/2025). A session is recorded
per session key, address and browser. When a user's session appears from a new address or
browser while another of the user's sessions is still live, a ``ConcurrentUse`` row and an
audit entry name both. Two people behind one address with identical browsers are not told
apart.
"""

import hashlib
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from satudata.accounts.models import ConcurrentUse, SessionRecord
from satudata.audit.models import Action
from satudata.audit.services import client_agent, client_ip, record

logger = logging.getLogger(__name__)

# last_seen_at is written at most this often per session, to spare the database a write per request.
TOUCH_INTERVAL = timedelta(seconds=60)


def key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def _live_since() -> Any:
    return timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)


def start(request: Any, user: Any) -> SessionRecord | None:
    """Record a session at sign-in and look for other live sessions of the same user."""
    session_key = request.session.session_key if hasattr(request, "session") else None
    if not session_key:
        return None
    return _record_for(request, user, key_hash(session_key))


def touch(request: Any) -> None:
    """Note that the signed-in user's session is in use from this request's address and browser."""
    session_key = request.session.session_key
    if not session_key:
        return
    _record_for(request, request.user, key_hash(session_key))


def end(request: Any) -> None:
    session_key = request.session.session_key if hasattr(request, "session") else None
    if session_key:
        SessionRecord.objects.filter(key_hash=key_hash(session_key), ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


def _record_for(request: Any, user: Any, hashed_key: str) -> SessionRecord:
    ip, agent = client_ip(request), client_agent(request)
    now = timezone.now()
    for existing in SessionRecord.objects.filter(key_hash=hashed_key, ended_at__isnull=True):
        if existing.ip_address is None and not existing.user_agent:
            # A session started without a request address (a test client's sign-in) takes the first one seen.
            existing.ip_address, existing.user_agent, existing.last_seen_at = ip, agent, now
            existing.save(update_fields=["ip_address", "user_agent", "last_seen_at"])
            return existing
        if existing.ip_address == ip and existing.user_agent == agent:
            if now - existing.last_seen_at > TOUCH_INTERVAL:
                SessionRecord.objects.filter(pk=existing.pk).update(last_seen_at=now)
            return existing
    # A new session, or a known session key from another address or browser (a copied cookie).
    current = SessionRecord.objects.create(
        user=user, key_hash=hashed_key, ip_address=ip, user_agent=agent, started_at=now, last_seen_at=now
    )
    _detect_concurrent_use(user, current)
    return current


def _detect_concurrent_use(user: Any, current: SessionRecord) -> None:
    others = SessionRecord.objects.filter(
        user=user, ended_at__isnull=True, last_seen_at__gte=_live_since()
    ).exclude(pk=current.pk)
    for other in others:
        if other.ip_address is None and not other.user_agent:
            continue
        if other.ip_address == current.ip_address and other.user_agent == current.user_agent:
            continue
        with transaction.atomic():
            ConcurrentUse.objects.get_or_create(user=user, session=current, other_session=other)
            record(
                Action.CONCURRENT_SESSION,
                actor=user,
                object_type="user",
                object_id=user.pk,
                source_ip=current.ip_address,
                data={
                    "session": current.pk,
                    "other_session": other.pk,
                    "other_ip": other.ip_address,
                    "user_agent": current.user_agent[:120],
                    "other_user_agent": other.user_agent[:120],
                },
            )
        logger.warning("Concurrent sessions of user=%s sessions=%s,%s", user.pk, current.pk, other.pk)
