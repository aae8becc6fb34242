"""Code lists (kode referensi) stored as versioned data.

Codes change when regions split or a classification is revised, so every list is kept as
editions, and a record always names the edition its code was checked against (Pasal 19
of Permen UMKM 8/2025: producers' data uses the agreed reference codes).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeList(models.Model):
    """One kind of reference code: regions, KBLI, legal forms, …"""

    REGION = "region"
    KBLI = "kbli"
    BPS_REGION = "bps_region"

    kind = models.SlugField(_("kind"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("code list")
        verbose_name_plural = _("code lists")

    def __str__(self) -> str:
        return self.kind

    def current_edition(self) -> "Edition | None":
        return self.editions.filter(is_current=True).first()


class Edition(models.Model):
    """A published version of a code list, such as the Kemendagri 2025 regions."""

    code_list = models.ForeignKey(CodeList, on_delete=models.PROTECT, related_name="editions")
    name = models.CharField(_("edition"), max_length=60)
    source = models.TextField(_("source"), blank=True, help_text=_("Decree or publication the codes come from."))
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    is_current = models.BooleanField(_("current edition"), default=False)
    # False when only the top level is known (the KBLI categories before the full list is imported).
    is_complete = models.BooleanField(_("complete list"), default=True)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["code_list", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "name"], name="edition_unique_name"),
            models.UniqueConstraint(
                fields=["code_list"], condition=models.Q(is_current=True), name="edition_one_current"
            ),
        ]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")

    def __str__(self) -> str:
        return f"{self.code_list.kind} {self.name}"


class Entry(models.Model):
    """One code of an edition, with its level in the hierarchy and its parent code."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(_("code"), max_length=32)
    level = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    parent_code = models.CharField(_("parent code"), max_length=32, blank=True)
    # Other spellings accepted in submitted files ("Laki-laki", "Pria" for L).
    aliases = models.JSONField(_("aliases"), default=list, blank=True)

    class Meta:
        ordering = ["edition", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="entry_unique_code")]
        indexes = [
            models.Index(fields=["edition", "parent_code"]),
            models.Index(fields=["edition", "level"]),
        ]
        verbose_name = _("code")
        verbose_name_plural = _("codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Crosswalk(models.Model):
    """A correspondence between two editions, possibly of different code lists (BPS ↔ Kemendagri).

    The source edition is the older one. An official table is imported as published. A table the
    system proposes from codes and names (``is_official=False``) waits for the walidata to confirm
    the pairs it could not decide.
    """

    source_edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="crosswalks_from")
    target_edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="crosswalks_to")
    source = models.TextField(_("source"), blank=True)
    is_official = models.BooleanField(_("official table"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves whenever a pair is confirmed or rejected, so cached lookups know to rebuild.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_edition", "target_edition"], name="crosswalk_unique_pair")
        ]
        verbose_name = _("crosswalk")
        verbose_name_plural = _("crosswalks")

    def __str__(self) -> str:
        return f"{self.source_edition} → {self.target_edition}"


class CrosswalkPair(models.Model):
    """One source code mapped to one target code; a split maps one source code to several pairs."""

    class Relation(models.TextChoices):
        SAME = "same", _("Same code and name")
        RENAMED = "renamed", _("Same code, new name")
        RENUMBERED = "renumbered", _("New code")
        SPLIT = "split", _("Split into several codes")
        MERGED = "merged", _("Merged with other codes")
        AMBIGUOUS = "ambiguous", _("Ambiguous: several candidates")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting review")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.CASCADE, related_name="pairs")
    source_code = models.CharField(_("source code"), max_length=32)
    target_code = models.CharField(_("target code"), max_length=32)
    # Level of the source code in its edition (1 = province or KBLI category); 0 when unknown.
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices, default=Relation.SAME)
    # Similarity of the two names, 0–100, for proposed pairs; empty for pairs of an official table.
    score = models.FloatField(_("score"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["crosswalk", "source_code", "target_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["crosswalk", "source_code", "target_code"], name="crosswalk_pair_unique"
            )
        ]
        indexes = [
            models.Index(fields=["crosswalk", "target_code"]),
            models.Index(fields=["crosswalk", "status", "level"]),
        ]
        verbose_name = _("crosswalk pair")
        verbose_name_plural = _("crosswalk pairs")

    def __str__(self) -> str:
        return f"{self.source_code} → {self.target_code} ({self.relation}, {self.status})"
