"""Submissions: a producer's file (or batch) on its way from upload to the registry.

The raw file is kept as it arrived, with its SHA-256, next to the validated rows and the error
report derived from it (Pasal 20 and 22 of Permen UMKM 8/2025: producers deliver, the walidata
checks and compiles).
"""

from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy


class Submission(models.Model):
    """One delivery of a producer, through the procedure of the annex (Bab III B).

    draft → submitted → validating → checked → (returned → resubmitted → validating → checked)
    → accepted → compiled. A file that cannot be read at all ends as rejected.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        VALIDATING = "validating", _("Validating")
        CHECKED = "checked", _("Checked, awaiting the walidata")
        RETURNED = "returned", _("Returned to the producer")
        RESUBMITTED = "resubmitted", _("Corrected and resubmitted")
        ACCEPTED = "accepted", pgettext_lazy("submission state", "Accepted")
        COMPILED = "compiled", _("Compiled into the registry")
        REJECTED = "rejected", _("File could not be read")

    class Channel(models.TextChoices):
        WEB = "web", _("Upload in the browser")
        CLI = "cli", _("Command line")
        API = "api", _("System integration (API)")
        FORM = "form", _("Enumerator entry")

    producer = models.ForeignKey("producers.Producer", on_delete=models.PROTECT, related_name="submissions",
                                 verbose_name=_("producer"))
    standard_version = models.ForeignKey("standards.StandardVersion", on_delete=models.PROTECT,
                                         verbose_name=_("standard version"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="submissions", verbose_name=_("submitted by"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT,
                             db_index=True)
    # Correction rounds: 1 for the first delivery, one more for each resubmission.
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    # When the current step of the procedure started and the working day it is due.
    step_started_at = models.DateTimeField(_("step started"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    # When the step whose lateness was last e-mailed started, so each late step is announced once
    # (two steps in a row can share a due date, so the due date alone cannot tell them apart).
    overdue_notice_step = models.DateTimeField(null=True, blank=True)
    # The walidata's conformity checklist (Pasal 22 ayat 4), pre-filled from validation.
    checklist = models.JSONField(default=list, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    # Progress of background work: stage, rows done, rows in all.
    progress = models.JSONField(default=dict, blank=True)

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
    # The KBLI edition the producer declared the file's codes to be written in; empty means the
    # current edition. Codes are checked and stored in this edition, and counted in any other
    # edition through the crosswalks.
    kbli_edition = models.CharField(_("KBLI edition"), max_length=40, blank=True)

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
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    compiled_at = models.DateTimeField(_("compiled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def kbli_edition_label(self) -> str:
        from satudata.reference.loaders import kbli_edition_label

        return kbli_edition_label(self.kbli_edition)

    @property
    def from_records(self) -> bool:
        """True when the rows are records pushed through the API or entered in the form.

        Such a submission has no file of the producer's: its raw file is written from the records,
        so screens and messages name a row by its record number, not by a row of a spreadsheet.
        """
        return self.channel in (self.Channel.API, self.Channel.FORM)

    def record_number(self, row: int) -> int:
        """Return the position among the submission's records (1 for the first) of a row of its raw file."""
        return row - self._header_row

    def row_of_record(self, record: int) -> int:
        """Return the row of the raw file that contains the record at position ``record``."""
        return record + self._header_row

    @property
    def _header_row(self) -> int:
        return int((self.layout or {}).get("header_row") or 1)

    @cached_property
    def record_count(self) -> int:
        """The number of records pushed or entered, counted once per object."""
        return self.records.count()

    @property
    def display_name(self) -> str:
        """The name screens and notices show: the file's name, or where the records came from."""
        if not self.from_records:
            return self.original_name
        count = self.record_count
        if self.channel == self.Channel.API:
            template = ngettext("Data from the API, {count} record", "Data from the API, {count} records",
                                count)
        else:
            template = ngettext("Enumerator entry, {count} record", "Enumerator entry, {count} records",
                                count)
        return template.format(count=count)

    @property
    def folder(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "submissions" / str(self.pk)

    @property
    def raw_path(self) -> Path:
        return self.folder / self.stored_name

    @property
    def valid_folder(self) -> Path:
        """Validated rows in Parquet parts, one per batch; rows listed in the errors are excluded on reading."""
        return self.folder / "valid"

    @property
    def errors_path(self) -> Path:
        return self.folder / "errors.parquet"


# The actor label of a move no signed-in user made: the worker, a producer's own system pushing
# through the API, or the command line run by the installation's operator.
SYSTEM_ACTOR = "system"


class SubmissionEvent(models.Model):
    """One transition of a submission: who moved it, when, from which state to which, and why."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["submission", "id"]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.from_state} → {self.to_state}"

    @property
    def to_state_label(self) -> str:
        return Submission.State(self.to_state).label

    @property
    def actor_display(self) -> str:
        """Return the user name of the actor, or the word for the system in the active language."""
        if self.actor_id is None and self.actor_label == SYSTEM_ACTOR:
            return pgettext("actor of a step", "system")
        return self.actor_label


class SubmissionRecord(models.Model):
    """One record of a submission that arrived as data rather than a file: an API push or a form entry.

    ``values`` maps variable codes to the text as sent; the records are written to a table file
    when the submission is submitted, and validated like any upload.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="records")
    sequence = models.PositiveIntegerField()
    values = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["submission", "sequence"]
        constraints = [models.UniqueConstraint(fields=["submission", "sequence"], name="record_unique_sequence")]

    def __str__(self) -> str:
        return f"{self.submission_id}#{self.sequence}"


class RowCorrection(models.Model):
    """A producer's corrected values for one row that the walidata returned.

    ``values`` maps variable codes to the corrected text; the raw file stays as it arrived, and
    a resubmission is validated with these rows in place of the originals.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="corrections")
    row_number = models.PositiveIntegerField()
    values = models.JSONField()
    round = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submission", "row_number"]
        constraints = [models.UniqueConstraint(fields=["submission", "row_number"], name="correction_unique_row")]

    def __str__(self) -> str:
        return f"{self.submission_id} row {self.row_number}"
