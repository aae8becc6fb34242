"""The registry (BDT-UMKM): one row per real business, its owner, and their history.

Master data (identity) lives in ``Business`` and ``Owner`` with every earlier state kept in
``BusinessVersion``; transaction data (yearly values) lives in ``TransactionRecord`` keyed by
business and reference year. Every version and record names the submission and row it came
from, so each value traces back to the producer's file.

Personal data of owners (NIK, phone, e-mail, home address) is stored encrypted; the
``*_index`` columns are keyed hashes for exact matching.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UmkmCodeCounter(models.Model):
    """The last sequence number issued for UMKM reference codes. Numbers only grow, so a code
    is never issued twice, even after the business it named is merged or closed."""

    last_value = models.BigIntegerField(default=0)


class Owner(models.Model):
    nik_index = models.CharField(max_length=64, null=True, db_index=True)
    nik_encrypted = models.TextField(null=True)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200)
    sex = models.CharField(_("sex"), max_length=1, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True)
    education = models.CharField(_("education"), max_length=10, blank=True)
    has_disability = models.BooleanField(_("has a disability"), null=True)
    phone_encrypted = models.TextField(null=True)
    phone_index = models.CharField(max_length=64, null=True, db_index=True)
    email_encrypted = models.TextField(null=True)
    # Nothing looks owners up by e-mail, so unlike the NIK and phone indexes this one has no database index.
    email_index = models.CharField(max_length=64, null=True)
    address_encrypted = models.TextField(null=True)
    village_code = models.CharField(_("village code"), max_length=16, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")


class Business(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MERGED = "merged", _("Merged into another business")
        CLOSED = "closed", _("Closed")

    umkm_code = models.CharField(_("UMKM code"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Few businesses are ever merged, so the index covers only those (see Meta.indexes).
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    db_index=False)
    # The index on (owner, name_key) below serves lookups by owner, so the foreign key needs none of its own.
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="businesses", db_index=False)

    nib = models.CharField(_("NIB"), max_length=13, null=True, db_index=True)
    name = models.CharField(_("business name"), max_length=200)
    name_key = models.CharField(max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=30, blank=True)
    kbli = models.CharField(_("KBLI"), max_length=5)
    kbli_edition = models.CharField(_("KBLI edition"), max_length=40)
    kbli_category = models.CharField(max_length=1, db_index=True)
    kbli_division = models.CharField(max_length=2, db_index=True)
    main_activity = models.CharField(_("main activity"), max_length=500, blank=True)
    products = models.CharField(_("products"), max_length=500, blank=True)
    address = models.CharField(_("address"), max_length=500)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    # Region columns at every level, so scope filters are equality tests on one index over all four
    # (see Meta.indexes): a filter on a region names its parents too (``access.scope.region_path_q``).
    village_code = models.CharField(_("village code"), max_length=13)
    district_code = models.CharField(max_length=8)
    regency_code = models.CharField(max_length=5)
    province_code = models.CharField(max_length=2)
    region_edition = models.CharField(max_length=40)
    # The village code as the producer wrote it, when it belongs to an older region edition that a
    # crosswalk maps to ``village_code``. Both fields are empty for a code of ``region_edition``.
    submitted_village_code = models.CharField(_("village code as submitted"), max_length=13, blank=True)
    submitted_region_edition = models.CharField(_("region edition as submitted"), max_length=40, blank=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    year_started = models.PositiveSmallIntegerField(null=True)
    month_started = models.PositiveSmallIntegerField(null=True)
    scale = models.CharField(_("business scale"), max_length=10, blank=True, db_index=True)
    scale_is_derived = models.BooleanField(default=False)
    # Master variables added to later standard versions, keyed by variable code.
    attributes = models.JSONField(default=dict, blank=True)

    # Nothing filters businesses by these two, and submissions are kept for good, so the foreign keys
    # have no index: each would cost a second or more at every load of a million businesses.
    first_submission = models.ForeignKey("submissions.Submission", on_delete=models.PROTECT, related_name="+",
                                         db_index=False)
    last_submission = models.ForeignKey("submissions.Submission", on_delete=models.PROTECT, related_name="+",
                                        db_index=False)
    created_at = models.DateTimeField(_("registered at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        indexes = [
            models.Index(fields=["owner", "name_key"]),
            models.Index(fields=["province_code", "regency_code", "district_code", "village_code"],
                         name="registry_business_region"),
            models.Index(fields=["merged_into"], name="registry_business_merged_into",
                         condition=models.Q(merged_into__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.umkm_code} {self.name}"

    @property
    def kbli_edition_label(self) -> str:
        from satudata.reference.loaders import kbli_edition_label

        return kbli_edition_label(self.kbli_edition)


class BusinessVersion(models.Model):
    """One state of a business's master data, bitemporal.

    ``valid_from`` is when the values held for the business (the start of the submission's
    reference year); ``recorded_at`` and ``superseded_at`` are when the registry learned them and
    when a later submission replaced them.
    """

    # The unique (business, number) index serves lookups by business.
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="versions", db_index=False)
    number = models.PositiveIntegerField()
    data = models.JSONField()
    valid_from = models.DateField()
    recorded_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True)
    # Versions are read by business, never by submission, and submissions are never deleted.
    submission = models.ForeignKey("submissions.Submission", on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    row_number = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["business", "number"], name="business_version_unique")]


class TransactionRecord(models.Model):
    """Transaction values of one business for one reference year, from one submission row.

    ``values`` maps variable codes of the standard version to values, so a variable added to a
    later version needs no migration. A newer record for the same year supersedes the older one,
    which stays for history.
    """

    # The (business, period) index serves lookups by business.
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="transactions", db_index=False)
    period = models.PositiveSmallIntegerField(_("reference year"))
    values = models.JSONField()
    standard_version = models.CharField(max_length=40)
    recorded_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True)
    submission = models.ForeignKey("submissions.Submission", on_delete=models.PROTECT, related_name="+")
    row_number = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["business", "period"])]
