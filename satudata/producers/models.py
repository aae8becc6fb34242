"""Data producers (Produsen Data UMKM) and the column mappings they saved.

Central producers are scoped by KBLI sector and regional producers by region (Pasal 6 ayat 3
of Permen UMKM 8/2025).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Producer(models.Model):
    class Kind(models.TextChoices):
        CENTRAL = "central", _("Central agency")
        REGIONAL = "regional", _("Regional office")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Dotted Kemendagri code of the region a regional producer covers ("32", "32.73").
    region_code = models.CharField(_("region code"), max_length=16, blank=True)
    # KBLI categories (letters) or divisions (two digits) a central producer covers; empty means all.
    kbli_sectors = models.JSONField(_("KBLI sectors"), default=list, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("producer")
        verbose_name_plural = _("producers")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ColumnMapping(models.Model):
    """A producer's confirmed mapping from its own column headers to the standard's variables.

    ``mapping`` maps a normalized header to a variable code, or to "" for a column the producer
    chose to leave out. It is reused for the next file with headers the mapping knows.
    """

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="mappings")
    standard_version = models.ForeignKey("standards.StandardVersion", on_delete=models.CASCADE)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["producer", "standard_version"], name="mapping_one_per_version")
        ]


class ApiToken(models.Model):
    """A secret that lets a producer's own system push records through the API (Pasal 29).

    Only a SHA-256 hash of the token is stored; the token is shown once, when it is created.
    """

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # A token without an expiry works until it is revoked.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["producer", "-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.producer.code}:{self.prefix}"

    def is_usable(self, now) -> bool:
        """True when the token is neither revoked nor past its expiry at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """The stored answer to an API request sent with an Idempotency-Key, replayed when the request is retried."""

    producer = models.ForeignKey(Producer, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["producer", "key"], name="idempotency_unique_key")]
