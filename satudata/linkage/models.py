"""Linkage models, decisions, the clerical-review queue and merges of registry businesses."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LinkageModel(models.Model):
    """A trained Fellegi–Sunter model (Splink settings with m and u probabilities), identified by its hash."""

    version = models.CharField(_("model version"), max_length=20, unique=True)
    sha256 = models.CharField(max_length=64)
    settings = models.JSONField()
    summary = models.JSONField(default=dict, blank=True)
    link_threshold = models.FloatField(default=0.95)
    review_threshold = models.FloatField(default=0.5)
    trained_at = models.DateTimeField(_("trained at"))
    is_active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("linkage model")
        verbose_name_plural = _("linkage models")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="linkage_one_active"
            )
        ]

    def __str__(self) -> str:
        return self.version


class OwnerKey(models.Model):
    """Near hashes of an owner's NIK (each with one 4-digit block masked), for a mistyped digit.

    Computed from the decrypted NIK in memory the first time linkage needs the owner;
    ``nik_index`` records which NIK they belong to, so a changed NIK gets new hashes.
    """

    owner = models.OneToOneField(
        "registry.Owner", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    nik_index = models.CharField(max_length=64, null=True)
    nik_near_1 = models.BigIntegerField(null=True, db_index=True)
    nik_near_2 = models.BigIntegerField(null=True, db_index=True)
    nik_near_3 = models.BigIntegerField(null=True, db_index=True)
    nik_near_4 = models.BigIntegerField(null=True, db_index=True)


class LinkDecision(models.Model):
    """The outcome for one incoming row, with the rule or model that decided it and its probability."""

    class Outcome(models.TextChoices):
        LINK = "link", _("Linked to a registered business")
        NEW = "new", _("New business")
        REVIEW = "review", _("Clerical review")

    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, null=True, related_name="+"
    )
    row_number = models.PositiveIntegerField()
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    business = models.ForeignKey("registry.Business", on_delete=models.PROTECT, null=True, related_name="+")
    rule = models.CharField(_("rule"), max_length=20)
    match_probability = models.FloatField(_("match probability"))
    model_version = models.CharField(_("model version"), max_length=20, blank=True)
    decided_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["submission", "row_number"])]


class ReviewItem(models.Model):
    """An incoming record whose match with a registered business is uncertain, for a person to decide."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        LINKED = "linked", _("Linked: same business")
        SEPARATED = "separated", _("Separated: different businesses")
        DEFERRED = "deferred", _("Deferred")

    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, null=True, related_name="+"
    )
    row_number = models.PositiveIntegerField(null=True)
    # Keyed hash of the incoming record's identifying fields: the same record sent again meets the
    # decision already made for it.
    record_key = models.CharField(max_length=64, db_index=True)
    # The incoming record as the review page shows it; NIK and phone are sealed tokens.
    incoming = models.JSONField()
    candidate = models.ForeignKey("registry.Business", on_delete=models.PROTECT, related_name="+")
    match_probability = models.FloatField(_("match probability"))
    model_version = models.CharField(_("model version"), max_length=20, blank=True)
    # The submission's row waits outside the registry until the item is linked or separated;
    # that decision compiles it.
    row_held = models.BooleanField(_("row held for this decision"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-match_probability", "id"]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")


class Merge(models.Model):
    """Two registry businesses found to be one: ``merged`` now points to ``survivor``.

    ``before`` keeps the survivor's master data and the ids of the transaction records moved from
    the merged business, so the merge can be undone without losing anything.
    """

    survivor = models.ForeignKey("registry.Business", on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey("registry.Business", on_delete=models.PROTECT, related_name="+")
    before = models.JSONField()
    chosen = models.JSONField(_("values chosen"), default=dict)
    reason = models.TextField(_("reason"), blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    merged_at = models.DateTimeField()
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
