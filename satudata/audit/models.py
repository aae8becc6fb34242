"""The audit log: append-only entries, each carrying the hash of the one before it.

Pasal 33 of Permen UMKM 8/2025 asks for non-repudiation of actions in SIDT-UMKM; the chain
makes an edited, deleted or reordered entry detectable.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    SIGN_IN = "auth.sign_in", _("Signed in")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "auth.sign_out", _("Signed out")
    SUBMISSION_CREATED = "submission.created", _("Submission created")
    SUBMISSION_VALIDATED = "submission.validated", _("Submission validated")
    SUBMISSION_COMPILED = "submission.compiled", _("Submission compiled into the registry")
    SUBMISSION_FAILED = "submission.failed", _("Submission failed")
    MAPPING_SAVED = "mapping.saved", _("Column mapping saved")
    REGISTRY_VIEWED = "registry.viewed", _("Registry record viewed")
    REGISTRY_EXPORTED = "registry.exported", _("Registry exported")
    CODELIST_IMPORTED = "codelist.imported", _("Code list imported")
    STANDARD_LOADED = "standard.loaded", _("Data standard loaded")
    USER_CREATED = "user.created", _("User created")
    PRODUCER_CREATED = "producer.created", _("Producer created")
    STATISTICS_LOADED = "statistics.loaded", _("Published statistics loaded")


class AuditEntry(models.Model):
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
    """A single row locked while an entry is appended, so concurrent writers extend the chain in turn."""

    last_hash = models.CharField(max_length=64)
    last_id = models.BigIntegerField(default=0)
