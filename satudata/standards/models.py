"""The data standard (Standar Data UMKM) and its variable metadata, stored as data.

Pasal 8 of Permen UMKM 8/2025 asks the standard to cover at least business identity and
owner identity, split into master data and transaction data. Validation, templates and the
Table Schema export are all driven by these rows, so a new variable needs no code change.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class DataStandard(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("data standard")
        verbose_name_plural = _("data standards")

    def __str__(self) -> str:
        return self.code


class StandardVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    standard = models.ForeignKey(DataStandard, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["standard", "-number"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="standard_version_unique")]
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")

    def __str__(self) -> str:
        return f"{self.standard.code} v{self.number}"

    @property
    def label(self) -> str:
        return f"{self.standard.code}-{self.number}"


class Variable(models.Model):
    """Variable metadata: name, definition, domain and time reference (Pasal 12 ayat 2)."""

    class Kind(models.TextChoices):
        MASTER = "master", _("Master data")
        TRANSACTION = "transaction", _("Transaction data")

    class Entity(models.TextChoices):
        BUSINESS = "business", _("Business")
        OWNER = "owner", _("Owner")
        TRANSACTION = "transaction", _("Transaction values")
        SOURCE = "source", _("Source record")

    class DataType(models.TextChoices):
        TEXT = "text", _("Text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        MONEY = "money", _("Rupiah amount")
        DATE = "date", _("Date")
        YEAR = "year", _("Year")
        MONTH = "month", _("Month")
        BOOLEAN = "boolean", _("Yes/no")
        CODE = "code", _("Code from a code list")
        REGION = "region", _("Region code")
        REGION_NAME = "region_name", _("Region name")
        NIK = "nik", _("NIK")
        NIB = "nib", _("NIB")
        PHONE = "phone", _("Phone number")
        EMAIL = "email", _("E-mail address")
        RT_RW = "rt_rw", _("RT/RW number")
        LATITUDE = "latitude", _("Latitude")
        LONGITUDE = "longitude", _("Longitude")

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="variables")
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    definition = models.TextField(_("definition"))
    definition_en = models.TextField(_("English definition"))
    datatype = models.CharField(_("type"), max_length=20, choices=DataType.choices)
    # Code list kind for CODE and REGION variables; region level for REGION and REGION_NAME.
    code_list = models.CharField(_("code list"), max_length=40, blank=True)
    domain = models.JSONField(_("domain"), default=dict, blank=True,
                              help_text=_("Value range: minimum, maximum, maximum length, code level."))
    required = models.BooleanField(_("required"), default=False)
    kind = models.CharField(_("data kind"), max_length=20, choices=Kind.choices)
    entity = models.CharField(_("describes"), max_length=20, choices=Entity.choices)
    time_reference = models.CharField(_("time reference"), max_length=200)
    time_reference_en = models.CharField(_("English time reference"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    is_personal = models.BooleanField(_("personal data"), default=False)
    # Header spellings seen in producers' own spreadsheets, used to propose a column mapping.
    aliases = models.JSONField(_("aliases"), default=list, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="variable_unique_code")]
        verbose_name = _("variable")
        verbose_name_plural = _("variables")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        """The variable's name in the active language."""
        return self.name_en if translation.get_language() == "en" else self.name

    @property
    def definition_text(self) -> str:
        return self.definition_en if translation.get_language() == "en" else self.definition


class Check(models.Model):
    """A rule over several variables, such as NIK against sex and date of birth."""

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="checks")
    rule = models.SlugField(_("rule"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("check")
        verbose_name_plural = _("checks")

    def __str__(self) -> str:
        return self.rule
