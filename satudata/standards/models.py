"""The data standard (Standar Data UMKM) and its variable metadata, stored as data.

Pasal 8 of Permen UMKM 8/2025 asks the standard to cover at least business identity and
owner identity, split into master data and transaction data. Validation, templates and the
Table Schema export are all driven by these rows, so a new variable needs no code change.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DataStandard(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("data standard")
        verbose_name_plural = _("data standards")

    def __str__(self) -> str:
        return self.code


class VersionLocked(Exception):
    """A published or retired standard version, or its metadata, was about to change."""


class StandardVersion(models.Model):
    """One version of a standard, from draft to publication.

    A version is drafted, proposed, agreed in the Forum Satu Data (date and decision recorded)
    and published with an effective date. Published versions never change: a change is a new
    version based on the old one.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed to the forum")
        AGREED = "agreed", _("Agreed in the forum")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    standard = models.ForeignKey(DataStandard, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("based on"))
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    agreed_on = models.DateField(_("agreed in the forum on"), null=True, blank=True)
    forum_decision = models.CharField(_("forum decision reference"), max_length=200, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    @property
    def is_locked(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.RETIRED)

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


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal to government")
    CONFIDENTIAL = "confidential", _("Confidential")
    PERSONAL = "personal", _("Personal data")


class LockedByVersion(models.Model):
    """Metadata that belongs to a standard version and freezes with it."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        locked = (StandardVersion.Status.PUBLISHED, StandardVersion.Status.RETIRED)
        if self.version_id and StandardVersion.objects.filter(pk=self.version_id, status__in=locked).exists():
            raise VersionLocked(f"version {self.version_id} is published; create a new version to change it")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.version.is_locked:
            raise VersionLocked(f"version {self.version_id} is published; create a new version to change it")
        return super().delete(*args, **kwargs)


class Variable(LockedByVersion):
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
    position = models.PositiveIntegerField(_("order"))
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
    # Characteristics of Satu Data Indonesia's variable metadata (MS-Var) beyond Pasal 12 ayat 2.
    concept = models.TextField(_("concept"), blank=True)
    reference = models.TextField(_("reference for the choice"), blank=True)
    question = models.TextField(_("question wording"), blank=True)
    measure = models.CharField(_("measure"), max_length=100, blank=True)
    validation_rules = models.TextField(_("validation rules"), blank=True)
    is_public = models.BooleanField(_("publicly accessible"), default=True)
    confidentiality = models.CharField(_("confidentiality"), max_length=20, choices=Confidentiality.choices,
                                       default=Confidentiality.PUBLIC)
    # Further characteristics the walidata declares (Pasal 12 ayat 4), checked against AttributeDefinition.
    extra = models.JSONField(_("further characteristics"), default=dict, blank=True)

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


class Check(LockedByVersion):
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


class Indicator(LockedByVersion):
    """Indicator metadata (Pasal 12 ayat 3): name, concept, definition and interpretation, with a
    formula over the standard's variables that the system computes."""

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=60)
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    concept = models.TextField(_("concept"))
    concept_en = models.TextField(_("English concept"), blank=True)
    definition = models.TextField(_("definition"))
    definition_en = models.TextField(_("English definition"), blank=True)
    interpretation = models.TextField(_("interpretation"))
    interpretation_en = models.TextField(_("English interpretation"), blank=True)
    formula = models.TextField(_("formula"), help_text=_("For example: share(business_scale == 'MIKRO')"))
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    # Breakdowns the indicator is presented by: province, regency, scale, sex, kbli.
    disaggregations = models.JSONField(_("disaggregations"), default=list, blank=True)
    # Variable codes the formula uses, derived from it when the indicator is saved.
    variables = models.JSONField(_("variables used"), default=list, blank=True)
    is_composite = models.BooleanField(_("composite indicator"), default=False)
    estimation_level = models.CharField(_("estimation level"), max_length=100, blank=True)
    is_public = models.BooleanField(_("publicly accessible"), default=True)
    extra = models.JSONField(_("further characteristics"), default=dict, blank=True)

    class Meta:
        ordering = ["version", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="indicator_unique_code")]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return self.name_en if translation.get_language() == "en" and self.name_en else self.name

    def text(self, field: str) -> str:
        english = getattr(self, f"{field}_en", "")
        return english if translation.get_language() == "en" and english else getattr(self, field)


class Activity(LockedByVersion):
    """Activity metadata (Pasal 12 ayat 1): the data collection a standard version serves."""

    class Method(models.TextChoices):
        CENSUS = "census", _("Complete enumeration")
        SURVEY = "survey", _("Survey")
        ADMINISTRATIVE = "administrative", _("Compilation of administrative records")
        OTHER = "other", _("Other method")

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        SEMESTER = "semester", _("Every six months")
        YEARLY = "yearly", _("Yearly")
        MULTI_YEAR = "multi_year", _("Less often than yearly")
        ONCE = "once", _("Once")

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("title"), max_length=300)
    sector = models.CharField(_("sector"), max_length=200)
    organiser = models.CharField(_("organising agency"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    method = models.CharField(_("collection method"), max_length=20, choices=Method.choices, default=Method.ADMINISTRATIVE)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices, default=Frequency.YEARLY)
    coverage = models.CharField(_("coverage"), max_length=300, blank=True)
    period = models.CharField(_("period"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    extra = models.JSONField(_("further characteristics"), default=dict, blank=True)

    class Meta:
        ordering = ["version", "title"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title


class AttributeDefinition(models.Model):
    """A further characteristic of activity, variable or indicator metadata that the walidata
    declares (Pasal 12 ayat 4). Values live in the ``extra`` field of each item, typed by this."""

    class Target(models.TextChoices):
        ACTIVITY = "activity", _("Activity metadata")
        VARIABLE = "variable", _("Variable metadata")
        INDICATOR = "indicator", _("Indicator metadata")

    class DataType(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", pgettext_lazy("data type", "Number")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes/no")
        CHOICE = "choice", _("Choice from a list")

    target = models.CharField(_("applies to"), max_length=20, choices=Target.choices)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    datatype = models.CharField(_("type"), max_length=20, choices=DataType.choices, default=DataType.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["target", "code"]
        constraints = [models.UniqueConstraint(fields=["target", "code"], name="attribute_unique_code")]
        verbose_name = _("further characteristic")
        verbose_name_plural = _("further characteristics")

    def __str__(self) -> str:
        return f"{self.target}:{self.code}"

    @property
    def label(self) -> str:
        return self.name_en if translation.get_language() == "en" and self.name_en else self.name
