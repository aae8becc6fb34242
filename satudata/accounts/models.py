"""User accounts and their roles (Pasal 25 of Permen UMKM 8/2025: access by user name and
password, scoped by KBLI sector for central agencies and by region for regional ones)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WALIDATA_ADMIN = "walidata_admin", _("Walidata administrator")
    WALIDATA_ANALYST = "walidata_analyst", _("Walidata analyst")
    PRODUCER = "producer", _("Data producer")
    ENUMERATOR = "enumerator", _("Enumerator")
    DATA_USER = "data_user", _("Data user")
    PUBLIC_RELATIONS = "public_relations", _("Public-relations team")
    BUSINESS_OWNER = "business_owner", _("Business owner")
    AUDITOR = "auditor", _("Auditor")


WALIDATA_ROLES = {Role.WALIDATA_ADMIN, Role.WALIDATA_ANALYST}
PRODUCER_ROLES = {Role.PRODUCER, Role.ENUMERATOR}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.DATA_USER)
    producer = models.ForeignKey(
        "producers.Producer", on_delete=models.PROTECT, null=True, blank=True, related_name="users",
        verbose_name=_("producer"),
    )
    # Scope of users who are not tied to a producer: dotted region codes and KBLI categories or
    # divisions. Empty region scope with a walidata role means the whole nation.
    region_scope = models.JSONField(_("regions"), default=list, blank=True)
    kbli_scope = models.JSONField(_("KBLI sectors"), default=list, blank=True)
    # Access to records by name and address (Pasal 27 ayat 4–6) needs a confidentiality statement on record.
    by_name_access = models.BooleanField(_("by-name access"), default=False)
    position = models.CharField(_("position"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_walidata(self) -> bool:
        return self.role in WALIDATA_ROLES

    @property
    def is_producer_user(self) -> bool:
        return self.role in PRODUCER_ROLES and self.producer_id is not None
