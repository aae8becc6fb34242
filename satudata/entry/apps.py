from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntryConfig(AppConfig):
    name = "satudata.entry"
    label = "entry"
    verbose_name = _("Enumerator entry")
