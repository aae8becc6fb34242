"""TOTP authenticator apps and recovery codes, built on django-otp's TOTP and static devices.

A TOTP device is created unconfirmed when enrollment starts and is confirmed by the first code
the app shows. Recovery codes are a static device of ten single-use codes, shown once.
"""

import base64
import secrets
from typing import Any

import segno
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from satudata.audit.models import Action
from satudata.audit.services import client_ip, record

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
RECOVERY_CODES = 10


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user: Any) -> TOTPDevice:
    """Return the user's unconfirmed TOTP device, creating one with a new secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """Return the secret as authenticator apps take it when typed in: base32 without padding."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """Draw the otpauth URI as an inline SVG QR code with segno, without any network call."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


@transaction.atomic
def confirm_totp(request: Any, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm an enrollment with the first code; return new recovery codes, or None if the code is wrong."""
    if not device.verify_token(token):
        record(
            Action.OTP_FAILED, actor=device.user, source_ip=client_ip(request), data={"step": "enrollment"}
        )
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = replace_recovery_codes(device.user, request=request)
    otp_login(request, device)
    record(Action.OTP_ENROLLED, actor=device.user, source_ip=client_ip(request), data={"device": device.pk})
    return codes


@transaction.atomic
def replace_recovery_codes(user: Any, *, request: Any = None) -> list[str]:
    """Create ten new single-use recovery codes, invalidating the earlier ones."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    record(
        Action.RECOVERY_CODES_CREATED, actor=user, source_ip=client_ip(request), data={"count": len(codes)}
    )
    return codes


def _recovery_code() -> str:
    # Ten characters of an alphabet without look-alikes (no 0/O, 1/l/I): about 50 bits.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def verify(request: Any, token: str) -> bool:
    """Check a TOTP or recovery code for the signed-in user and mark the session verified."""
    user = request.user
    device = match_token(user, token)
    if device is None:
        record(Action.OTP_FAILED, actor=user, source_ip=client_ip(request), data={"step": "sign_in"})
        return False
    otp_login(request, device)
    record(
        Action.OTP_VERIFIED,
        actor=user,
        source_ip=client_ip(request),
        data={"method": "recovery_code" if isinstance(device, StaticDevice) else "totp"},
    )
    return True


def remaining_recovery_codes(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()


def has_confirmed_device(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


@transaction.atomic
def reset_second_factor(user: Any, *, actor: Any = None, reason: str = "") -> None:
    """Remove a user's authenticator and recovery codes, so the next sign-in enrolls anew."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record(Action.OTP_RESET, actor=actor, object_type="user", object_id=user.pk, reason=reason)


@transaction.atomic
def enroll_confirmed_totp(user: Any) -> TOTPDevice:
    """Create a confirmed TOTP device without a browser, for demo accounts; return it."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)
    record(
        Action.OTP_ENROLLED, object_type="user", object_id=user.pk, data={"device": device.pk, "demo": True}
    )
    return device
