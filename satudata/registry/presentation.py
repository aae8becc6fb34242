"""Business records as screens show them, with personal data masked for users without by-name access."""

import json
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from satudata.access.scope import Scope
from satudata.registry.models import Business, BusinessVersion, TransactionRecord
from satudata.security.crypto import DecryptionError, FieldCipher
from satudata.security.masking import mask_email, mask_nik, mask_phone


@dataclass
class OwnerView:
    name: str
    nik: str
    sex: str
    birth_date: str
    phone: str
    email: str
    address: str
    village_code: str
    masked: bool


def _decrypt(column: str, token: str | None) -> str:
    if not token:
        return ""
    try:
        return FieldCipher(column).decrypt(token) or ""
    except DecryptionError:
        return "?"


def _mask_name(name: str) -> str:
    return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())


def owner_view(business: Business, scope: Scope) -> OwnerView:
    owner = business.owner
    if scope.by_name:
        address = json.loads(_decrypt("owner_address", owner.address_encrypted) or "{}")
        parts = [address.get("address") or ""]
        if address.get("rt") or address.get("rw"):
            parts.append(f"RT {address.get('rt') or '-'} / RW {address.get('rw') or '-'}")
        return OwnerView(
            name=owner.name, nik=_decrypt("owner_nik", owner.nik_encrypted), sex=owner.sex,
            birth_date=date_format(owner.birth_date) if owner.birth_date else "",
            phone=_decrypt("owner_phone", owner.phone_encrypted), email=_decrypt("owner_email", owner.email_encrypted),
            address=", ".join(p for p in parts if p), village_code=owner.village_code, masked=False,
        )
    return OwnerView(
        name=_mask_name(owner.name), nik=mask_nik(_decrypt("owner_nik", owner.nik_encrypted)), sex=owner.sex,
        birth_date=str(owner.birth_date.year) if owner.birth_date else "",
        phone=mask_phone(_decrypt("owner_phone", owner.phone_encrypted)),
        email=mask_email(_decrypt("owner_email", owner.email_encrypted)), address="", village_code=owner.village_code,
        masked=True,
    )


def transactions_of(business: Business) -> list[TransactionRecord]:
    return list(business.transactions.filter(superseded_at__isnull=True).order_by("-period")
                .select_related("submission__producer"))


def display_value(value: Any) -> str:
    """Format a stored value in the active language: grouped amounts, Yes/No, text as is."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float):
        return number_format(value, force_grouping=True)
    return str(value)


def labelled_values(values: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str]]:
    """Pair each filled value with its variable's label, in the order the record stores them."""
    return [
        (labels.get(code, code), display_value(value)) for code, value in values.items() if value is not None
    ]


def code_label(kind: str, code: str) -> str:
    """Return the label that the code list gives a coded value, or the code when it has none."""
    from satudata.reference.lookups import code_list_lookup

    lookup = code_list_lookup(kind)
    return (lookup.label(code) if lookup and code else None) or code


def history_of(business: Business) -> list[BusinessVersion]:
    return list(business.versions.order_by("-number").select_related("submission__producer"))
