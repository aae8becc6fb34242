"""Helpers for tests that act as a signed-in user."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def sign_in_verified(client, user) -> None:
    """Sign ``client`` in as ``user`` with the second factor already given.

    ``Client.force_login`` skips the password and the TOTP step; this also marks the session
    as verified by the user's TOTP device (created when missing), as ``accounts:verify`` does.
    """
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
