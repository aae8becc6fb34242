"""Creating and changing accounts; every change is written to the audit log."""

import hashlib
import secrets
import string
from datetime import date, timedelta
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Role, User
from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.errors import DomainError
from satudata.security.crypto import BlindIndex, FieldCipher


class AccountError(DomainError):
    code = "account.invalid"


def generate_password(length: int = 16) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def default_review_date() -> date:
    return timezone.localdate() + timedelta(days=settings.SATUDATA_ACCOUNT_VALID_DAYS)


def seal_nik(nik: str) -> tuple[str, str]:
    """Return the encrypted NIK and its blind index (the registry's owner-NIK index)."""
    return FieldCipher("user_nik").encrypt(nik), BlindIndex("nik").compute(nik)


def check_scope(
    *,
    role: str,
    producer: Any = None,
    region_scope: list[str] | None = None,
    kbli_scope: list[str] | None = None,
) -> tuple[list[str], list[str]]:
    """Validate a role with its regions and KBLI sectors; return them normalized.

    Regions must be codes of the current Kemendagri list; sectors KBLI categories (A–U) or
    two-digit divisions.
    """
    from satudata.reference.models import CodeList, Entry

    if role not in Role.values:
        raise AccountError(
            _("Unknown role {role}; use one of {roles}."), role=role, roles=", ".join(Role.values)
        )
    if role in (Role.PRODUCER, Role.ENUMERATOR) and producer is None:
        raise AccountError(_("A {role} account must belong to a producer. Choose the producer."),
                           role=Role(role).label)
    regions = sorted({code.strip() for code in region_scope or [] if code.strip()})
    known = set(
        Entry.objects.filter(
            edition__code_list__kind=CodeList.REGION, edition__is_current=True, code__in=regions
        ).values_list("code", flat=True)
    )
    for code in regions:
        if code not in known or code.count(".") > 3:
            raise AccountError(
                _("Region code {region} is not in the current region list. Use a dotted code such as 32.73."),
                region=code,
                field="regions",
                value=code,
            )
    producer_region = getattr(producer, "region_code", "") or ""
    if role == Role.ENUMERATOR and producer_region:
        # An enumerator account collects for its producer (annex Bab III A), so its own regions
        # may narrow the producer's region but not widen it.
        for code in regions:
            if code != producer_region and not code.startswith(producer_region + "."):
                raise AccountError(
                    _("Region {region} is outside the region {producer_region} of producer {producer}. "
                      "Choose a region within it or leave the regions empty."),
                    region=code,
                    producer_region=producer_region,
                    producer=producer.code,
                    field="regions",
                    value=code,
                )
    sectors = sorted({code.strip().upper() for code in kbli_scope or [] if code.strip()})
    for code in sectors:
        is_category = len(code) == 1 and "A" <= code <= "U"
        is_division = len(code) == 2 and code.isdigit()
        if not (is_category or is_division):
            raise AccountError(
                _(
                    "KBLI sector {sector} is invalid: use a category letter A–U or a two-digit "
                    "division such as 47."
                ),
                sector=code,
                field="kbli",
                value=code,
            )
    return regions, sectors


@transaction.atomic
def create_user(
    *,
    username: str,
    role: str,
    producer: Any = None,
    password: str | None = None,
    email: str = "",
    full_name: str = "",
    region_scope: list[str] | None = None,
    kbli_scope: list[str] | None = None,
    by_name_access: bool = False,
    position: str = "",
    organization: str = "",
    phone: str = "",
    nik: str | None = None,
    expires_on: date | None = None,
    actor: Any = None,
) -> tuple[User, str]:
    """Create an account and return it with its password (generated when none is given)."""
    regions, sectors = check_scope(
        role=role, producer=producer, region_scope=region_scope, kbli_scope=kbli_scope
    )
    if User.objects.filter(username=username).exists():
        raise AccountError(_("The user name {username} is taken. Choose another one."), username=username)
    password = password or generate_password()
    user = User(
        username=username,
        role=role,
        producer=producer,
        email=email,
        first_name=full_name[:150],
        region_scope=regions,
        kbli_scope=sectors,
        by_name_access=by_name_access,
        position=position,
        organization=organization,
        phone=phone,
        is_staff=role == Role.WALIDATA_ADMIN,
        expires_on=expires_on or default_review_date(),
    )
    if nik:
        user.nik_encrypted, user.nik_index = seal_nik(nik)
    user.set_password(password)
    user.save()

    record(
        Action.USER_CREATED,
        actor=actor,
        object_type="user",
        object_id=user.pk,
        data={
            "username": username,
            "role": role,
            "producer": producer.code if producer else None,
            "region_scope": user.region_scope,
            "kbli_scope": user.kbli_scope,
            "by_name_access": by_name_access,
            "expires_on": user.expires_on.isoformat(),
        },
    )
    return user, password


def _scope_data(user: User) -> dict[str, Any]:
    return {
        "role": user.role,
        "producer": user.producer.code if user.producer_id else None,
        "region_scope": user.region_scope,
        "kbli_scope": user.kbli_scope,
        "by_name_access": user.by_name_access,
    }


@transaction.atomic
def change_scope(
    user: User,
    *,
    role: str,
    producer: Any = None,
    region_scope: list[str] | None = None,
    kbli_scope: list[str] | None = None,
    by_name_access: bool = False,
    actor: Any = None,
    reason: str = "",
) -> User:
    """Change a user's role and scope, recording the old and the new scope."""
    from satudata.access.scope import forget_scope

    regions, sectors = check_scope(
        role=role, producer=producer, region_scope=region_scope, kbli_scope=kbli_scope
    )
    before = _scope_data(user)
    user.role, user.producer = role, producer
    user.region_scope, user.kbli_scope, user.by_name_access = regions, sectors, by_name_access
    user.is_staff = role == Role.WALIDATA_ADMIN
    user.save(update_fields=["role", "producer", "region_scope", "kbli_scope", "by_name_access", "is_staff"])
    forget_scope(user)

    record(
        Action.SCOPE_CHANGED,
        actor=actor,
        object_type="user",
        object_id=user.pk,
        reason=reason,
        data={"before": before, "after": _scope_data(user)},
    )
    return user


@transaction.atomic
def disable_user(user: User, *, actor: Any = None, reason: str = "") -> User:
    """Disable an account; its sessions end on their next request."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    record(
        Action.USER_DISABLED,
        actor=actor,
        object_type="user",
        object_id=user.pk,
        reason=reason,
        data={"username": user.username},
    )
    return user


@transaction.atomic
def renew_user(user: User, *, actor: Any = None, until: date | None = None, reason: str = "") -> User:
    """Move an account's review date forward (a year by default) and enable it again."""
    previous = user.expires_on
    user.expires_on = until or default_review_date()
    user.is_active = True
    user.save(update_fields=["expires_on", "is_active"])
    record(
        Action.USER_RENEWED,
        actor=actor,
        object_type="user",
        object_id=user.pk,
        reason=reason,
        data={"from": previous.isoformat() if previous else None, "to": user.expires_on.isoformat()},
    )
    return user


def unlock_user(user: User, *, actor: Any = None) -> int:
    """Lift a lockout after failed sign-ins; return the number of lockout records removed."""
    from axes.utils import reset

    removed = reset(username=user.get_username())
    record(
        Action.UNLOCKED,
        actor=actor,
        object_type="user",
        object_id=user.pk,
        data={"username": user.username, "records": removed},
    )
    return removed


def file_sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()
