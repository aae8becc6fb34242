"""User accounts, their roles, account requests and the sessions they run.

Pasal 25 of Permen UMKM 8/2025: access by user name and password, scoped by KBLI sector for
central agencies and by region for regional ones, and an account may not be shared. Pasal 23
and the annex (Bab III E): an office requests an account with a cover letter, a signed
confidentiality statement and the details of the administrator who will hold it.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WALIDATA_ADMIN = "walidata_admin", _("Walidata administrator")
    WALIDATA_ANALYST = "walidata_analyst", _("Walidata analyst")
    PRODUCER = "producer", _("Data producer")
    ENUMERATOR = "enumerator", _("Enumerator")
    DATA_USER = "data_user", _("Data user")
    PUBLIC_RELATIONS = "public_relations", _("Public-relations team")
    BUSINESS_OWNER = "business_owner", _("Business owner")
    AUDITOR = "auditor", _("Auditor")


WALIDATA_ROLES = {Role.WALIDATA_ADMIN, Role.WALIDATA_ANALYST}
PRODUCER_ROLES = {Role.PRODUCER, Role.ENUMERATOR}
# Roles that must confirm every sign-in with a one-time code; by-name access requires it too.
SECOND_FACTOR_ROLES = WALIDATA_ROLES | PRODUCER_ROLES | {Role.AUDITOR}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.DATA_USER)
    producer = models.ForeignKey(
        "producers.Producer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("producer"),
    )
    # Scope of users who are not tied to a producer: dotted region codes and KBLI categories or
    # divisions. Empty region scope with a walidata role means the whole nation.
    region_scope = models.JSONField(_("regions"), default=list, blank=True)
    kbli_scope = models.JSONField(_("KBLI sectors"), default=list, blank=True)
    # Access to records by name and address (Pasal 27 ayat 4–6); it takes effect only while a
    # confidentiality statement of the user is on record (access.models.ConfidentialityStatement).
    by_name_access = models.BooleanField(_("by-name access"), default=False)
    position = models.CharField(_("position"), max_length=200, blank=True)
    organization = models.CharField(_("office"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The administrator's NIK, encrypted (column "user_nik"), with the same blind index the
    # registry uses for owners' NIKs, so a business owner's account finds the owner's businesses.
    nik_encrypted = models.TextField(null=True, blank=True)
    nik_index = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    # Accounts are reviewed periodically; after this date the account cannot sign in until renewed.
    expires_on = models.DateField(_("review date"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_walidata(self) -> bool:
        return self.role in WALIDATA_ROLES

    @property
    def is_producer_user(self) -> bool:
        return self.role in PRODUCER_ROLES and self.producer_id is not None

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def requires_second_factor(self) -> bool:
        return self.is_superuser or self.role in SECOND_FACTOR_ROLES or self.by_name_access


class AccountRequest(models.Model):
    """An office's request for an account (annex Bab III E), reviewed by the walidata."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Level(models.TextChoices):
        AGGREGATE = "aggregate", _("Aggregate data only")
        BY_NAME = "by_name", _("By name and address")

    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    organization = models.CharField(_("requesting office"), max_length=200)
    purpose = models.TextField(_("purpose"))
    requested_role = models.CharField(
        _("requested role"), max_length=30, choices=Role.choices, default=Role.DATA_USER
    )
    requested_level = models.CharField(
        _("requested data level"), max_length=10, choices=Level.choices, default=Level.AGGREGATE
    )
    requested_regions = models.JSONField(_("requested regions"), default=list, blank=True)
    requested_kbli = models.JSONField(_("requested KBLI sectors"), default=list, blank=True)

    # The administrator who will hold the account.
    full_name = models.CharField(_("name"), max_length=150)
    nik_encrypted = models.TextField()
    nik_index = models.CharField(max_length=64, db_index=True)
    phone = models.CharField(_("phone"), max_length=20)
    position = models.CharField(_("position"), max_length=200)
    email = models.EmailField(_("e-mail"))
    username = models.CharField(_("requested user name"), max_length=150)

    cover_letter = models.FileField(_("cover letter"), upload_to="account-requests/%Y/")
    cover_letter_sha256 = models.CharField(max_length=64)
    statement = models.FileField(_("signed confidentiality statement"), upload_to="account-requests/%Y/")
    statement_sha256 = models.CharField(max_length=64)
    statement_version = models.CharField(max_length=20)

    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_from = models.GenericIPAddressField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_request",
        verbose_name=_("account"),
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("account request")
        verbose_name_plural = _("account requests")

    def __str__(self) -> str:
        return f"#{self.pk} {self.organization}"


class SessionRecord(models.Model):
    """One signed-in session of a user from one address and browser, and when it was last used.

    A session key seen from a second address or browser gets a second row. The session key
    itself is not stored, only its SHA-256, so this table cannot be used to take over a session.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_records"
    )
    key_hash = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(_("signed out at"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"session of {self.user_id} from {self.ip_address}"


class ConcurrentUse(models.Model):
    """Two sessions of one account active at once from different addresses or browsers.

    Sharing an account is forbidden (Pasal 25 ayat 4); the walidata reviews these on the
    sessions page and each is also in the audit log.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(SessionRecord, on_delete=models.CASCADE, related_name="+")
    other_session = models.ForeignKey(SessionRecord, on_delete=models.CASCADE, related_name="+")
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "other_session"], name="concurrent_use_once")
        ]
        verbose_name = _("concurrent use")
        verbose_name_plural = _("concurrent uses")

    def __str__(self) -> str:
        return f"concurrent use of {self.user_id}"
