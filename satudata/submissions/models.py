"""Submissions: a producer's file (or batch) on its way from upload to the registry.

The raw file is kept as it arrived, with its SHA-256, next to the validated rows and the error
report derived from it (Pasal 20 and 22 of Permen UMKM 8/2025: producers deliver, the walidata
checks and compiles).
"""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Submission(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        VALIDATED = "validated", _("Validated")
        COMPILED = "compiled", _("Compiled into the registry")
        REJECTED = "rejected", _("File could not be read")

    class Channel(models.TextChoices):
        WEB = "web", _("Upload in the browser")
        CLI = "cli", _("Command line")
        API = "api", _("System integration (API)")

    producer = models.ForeignKey("producers.Producer", on_delete=models.PROTECT, related_name="submissions",
                                 verbose_name=_("producer"))
    standard_version = models.ForeignKey("standards.StandardVersion", on_delete=models.PROTECT,
                                         verbose_name=_("standard version"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="submissions", verbose_name=_("submitted by"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.RECEIVED,
                             db_index=True)

    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(_("size (bytes)"))
    file_format = models.CharField(_("format"), max_length=10, blank=True)
    # How the file was read: encoding, delimiter, sheet, header row (1-based as the spreadsheet shows it).
    layout = models.JSONField(default=dict, blank=True)
    # Header as written in the file → variable code, or "" for a column left out on purpose.
    mapping = models.JSONField(default=dict, blank=True)
    reference_year = models.PositiveSmallIntegerField(
        _("reference year"), null=True, blank=True,
        help_text=_("Used for rows whose file has no reference-year column."),
    )

    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_accepted = models.PositiveIntegerField(_("rows accepted"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    businesses_created = models.PositiveIntegerField(_("new businesses"), default=0)
    businesses_updated = models.PositiveIntegerField(_("updated businesses"), default=0)
    # Error counts by field and code, notes about the code lists used, timings.
    summary = models.JSONField(default=dict, blank=True)
    failure_code = models.CharField(max_length=60, blank=True)
    failure_detail = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    compiled_at = models.DateTimeField(_("compiled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def folder(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "submissions" / str(self.pk)

    @property
    def raw_path(self) -> Path:
        return self.folder / self.stored_name

    @property
    def valid_folder(self) -> Path:
        """Validated rows in Arrow IPC parts, one per batch; rows listed in the errors are excluded on reading."""
        return self.folder / "valid"

    @property
    def errors_path(self) -> Path:
        return self.folder / "errors.parquet"
