"""Creating and changing accounts; every change is written to the audit log."""

import secrets
import string
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from satudata.accounts.models import Role, User
from satudata.audit.models import Action
from satudata.audit.services import record
from satudata.errors import DomainError


class AccountError(DomainError):
    code = "account.invalid"


def generate_password(length: int = 16) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


@transaction.atomic
def create_user(*, username: str, role: str, producer: Any = None, password: str | None = None,
                email: str = "", full_name: str = "", region_scope: list[str] | None = None,
                kbli_scope: list[str] | None = None, by_name_access: bool = False,
                actor: Any = None) -> tuple[User, str]:
    """Create an account and return it with its password (generated when none is given)."""
    if role not in Role.values:
        raise AccountError(_("Unknown role {role}; use one of {roles}."), role=role, roles=", ".join(Role.values))
    if role in (Role.PRODUCER, Role.ENUMERATOR) and producer is None:
        raise AccountError(_("A {role} account must belong to a producer. Choose the producer."),
                           role=Role(role).label)
    if User.objects.filter(username=username).exists():
        raise AccountError(_("The user name {username} is taken. Choose another one."), username=username)
    password = password or generate_password()
    user = User(username=username, role=role, producer=producer, email=email,
                first_name=full_name[:150], region_scope=region_scope or [], kbli_scope=kbli_scope or [],
                by_name_access=by_name_access, is_staff=role == Role.WALIDATA_ADMIN)
    user.set_password(password)
    user.save()
    record(Action.USER_CREATED, actor=actor, object_type="user", object_id=user.pk,
           data={"username": username, "role": role, "producer": producer.code if producer else None,
                 "region_scope": user.region_scope, "kbli_scope": user.kbli_scope})
    return user, password
