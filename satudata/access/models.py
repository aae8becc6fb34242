"""Confidentiality statements (pernyataan kerahasiaan) that by-name access depends on.

Pasal 27 ayat 4–6 of Permen UMKM 8/2025: data by name and address goes only to a user who has
accepted the obligations of a personal-data controller. A statement on record names the user,
when it was accepted, the signed document and the text version accepted. Statements are never
edited; a withdrawn statement gets ``withdrawn_at`` and a newer one may follow.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The version of the statement text below; a new wording gets a new version.
STATEMENT_VERSION = "2025.1"
STATEMENT_TEXT = _(
    "I accept the obligations of a personal-data controller for data of micro, small and medium "
    "enterprises that I receive by name and address: I use it only for the purpose stated in my "
    "request, I do not pass it to anyone else, I protect it against unauthorised access, I report a "
    "breach to the walidata within 3 x 24 hours, and I report how the data was used."
)


class ConfidentialityStatement(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="statements", verbose_name=_("user")
    )
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    text_version = models.CharField(_("text version"), max_length=20)
    accepted_text = models.TextField(_("accepted text"))
    document = models.FileField(_("signed document"), upload_to="statements/%Y/", blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = _("confidentiality statement")
        verbose_name_plural = _("confidentiality statements")

    def __str__(self) -> str:
        return f"statement {self.text_version} of user {self.user_id}"


def has_statement_on_record(user) -> bool:
    """True when the user has a confidentiality statement that is not withdrawn."""
    if user is None or not getattr(user, "pk", None):
        return False
    return ConfidentialityStatement.objects.filter(user=user, withdrawn_at__isnull=True).exists()
