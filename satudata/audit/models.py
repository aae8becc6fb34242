"""The audit log: append-only entries, each carrying the hash of the one before it.

Pasal 33 of Permen UMKM 8/2025 requires non-repudiation of actions in SIDT-UMKM; the chain
makes an edited, deleted or reordered entry detectable, and signed checkpoints make a chain
rewritten from some entry onwards detectable too. Entries refuse updates and deletes in the
ORM, and database triggers (migration 0002) refuse them in SQL.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    SIGN_IN = "auth.sign_in", _("Signed in")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "auth.sign_out", _("Signed out")
    LOCKED_OUT = "auth.locked_out", _("Account locked after failed sign-ins")
    UNLOCKED = "auth.unlocked", _("Account unlocked")
    OTP_VERIFIED = "auth.otp_verified", _("Second factor verified")
    OTP_FAILED = "auth.otp_failed", _("Second factor rejected")
    OTP_ENROLLED = "auth.otp_enrolled", _("Authenticator app enrolled")
    OTP_RESET = "auth.otp_reset", _("Authenticator app removed")
    RECOVERY_CODES_CREATED = "auth.recovery_codes", _("Recovery codes created")
    PASSWORD_SET = "auth.password_set", _("Password set")
    CONCURRENT_SESSION = "auth.concurrent_session", _("Account used from two places at once")
    SIGN_IN_EXPIRED = "auth.sign_in_expired", _("Sign-in refused: account expired")
    SUBMISSION_CREATED = "submission.created", _("Submission created")
    SUBMISSION_VALIDATED = "submission.validated", _("Submission validated")
    SUBMISSION_COMPILED = "submission.compiled", _("Submission compiled into the registry")
    SUBMISSION_FAILED = "submission.failed", _("Submission failed")
    SUBMISSION_RETURNED = "submission.returned", _("Submission returned to the producer")
    DRAFT_RECORDS_CHANGED = "submission.records_changed", _("Records of a draft added, changed or deleted")
    MAPPING_SAVED = "mapping.saved", _("Column mapping saved")
    REGISTRY_VIEWED = "registry.viewed", _("Registry record viewed")
    REGISTRY_EXPORTED = "registry.exported", _("Registry exported")
    REGISTRY_CHANGED = "registry.changed", _("Registry record changed")
    EXPORT_REFUSED = "registry.export_refused", _("Export of by-name data refused")
    RELEASE_PUBLISHED = "release.published", _("Release published")
    CODELIST_IMPORTED = "codelist.imported", _("Code list imported")
    STANDARD_LOADED = "standard.loaded", _("Data standard loaded")
    USER_CREATED = "user.created", _("User created")
    USER_DISABLED = "user.disabled", _("User disabled")
    USER_RENEWED = "user.renewed", _("User account renewed")
    SCOPE_CHANGED = "user.scope_changed", _("User scope changed")
    STATEMENT_RECORDED = "user.statement_recorded", _("Confidentiality statement recorded")
    ACCOUNT_REQUESTED = "account_request.submitted", _("Account requested")
    ACCOUNT_REQUEST_APPROVED = "account_request.approved", _("Account request approved")
    ACCOUNT_REQUEST_REJECTED = "account_request.rejected", _("Account request rejected")
    PRODUCER_CREATED = "producer.created", _("Producer created")
    STATISTICS_LOADED = "statistics.loaded", _("Published statistics loaded")
    AUDIT_EXPORTED = "audit.exported", _("Audit log exported")
    AUDIT_CHECKPOINT = "audit.checkpoint", _("Audit checkpoint signed")
    AUDIT_VERIFIED = "audit.verified", _("Audit log verified")


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit entry or checkpoint."""


class AppendOnlyQuerySet(models.QuerySet):
    """Querysets that insert and read but refuse bulk updates and deletes."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only; update() is not allowed")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only; delete() is not allowed")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only; bulk_update() is not allowed")

    # update_or_create could change an existing row, so only plain inserts remain.
    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(
            f"{self.model.__name__} rows are append-only; update_or_create() is not allowed"
        )


class AppendOnlyModel(models.Model):
    """A model whose rows, once saved, are never saved again nor deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} {self.pk} is append-only and cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} {self.pk} is append-only and cannot be deleted")


class AuditEntry(AppendOnlyModel):
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    # The account name at the time of the action, kept even if the account is later renamed.
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=60, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    records = models.JSONField(_("records"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    source_ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.id} {self.action} {self.actor_label}"


class ChainHead(models.Model):
    """The hash and id of the newest entry, in one row that ``record`` locks while it appends.

    The lock makes concurrent writers extend the chain one after another.

    ``last_checkpoint_id`` is the entry id of the newest signed checkpoint, so ``record`` can tell
    when the next one is due without a query.
    """

    last_hash = models.CharField(max_length=64)
    last_id = models.BigIntegerField(default=0)
    last_checkpoint_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"chain head at entry {self.last_id}"


class Checkpoint(AppendOnlyModel):
    """An Ed25519 signature over the chain head at one entry.

    The signing key lives in a file under SATUDATA_HOME/keys, outside the database, so someone
    who can write to the database but not read that file cannot rewrite the chain and re-sign it.
    """

    entry_id = models.BigIntegerField(_("last entry"), db_index=True)
    entry_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("signed at"))
    key_id = models.CharField(_("key"), max_length=16)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["entry_id", "id"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"checkpoint at entry {self.entry_id}"
