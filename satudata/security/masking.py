"""Masking of personal data for screens and logs of users who may not see it in clear."""


def mask_nik(nik: str | None) -> str:
    """Keep the region digits, which are not personal, and hide the date of birth and serial."""
    if not nik:
        return ""
    return nik[:6] + "*" * (len(nik) - 6)


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:5] + "*" * max(len(phone) - 8, 0) + phone[-3:]


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, _sep, domain = email.partition("@")
    return local[:1] + "***@" + domain
