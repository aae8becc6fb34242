"""Aggregate figures that agencies have published, kept to compare the registry's counts with.

Open-data portals publish counts per regency under BPS statistical area codes, which differ
from Kemendagri codes for many regions. Both codes are stored: the BPS code as published, and
the Kemendagri code it maps to through a loaded crosswalk (empty when no mapping is known).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishedDataset(models.Model):
    slug = models.SlugField(_("identifier"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    measure = models.CharField(_("measure column"), max_length=100)
    dimension = models.CharField(_("breakdown column"), max_length=100, blank=True)
    is_projection = models.BooleanField(_("projection"), default=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    unmapped_codes = models.JSONField(default=list, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("published dataset")
        verbose_name_plural = _("published datasets")

    def __str__(self) -> str:
        return self.title


class PublishedFigure(models.Model):
    dataset = models.ForeignKey(PublishedDataset, on_delete=models.CASCADE, related_name="figures")
    bps_code = models.CharField(_("BPS code"), max_length=10, db_index=True)
    region_code = models.CharField(_("Kemendagri code"), max_length=13, blank=True, db_index=True)
    region_name = models.CharField(_("region name as published"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dataset", "region_code", "year"])]
