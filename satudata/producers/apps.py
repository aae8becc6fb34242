from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProducersConfig(AppConfig):
    name = "satudata.producers"
    label = "producers"
    verbose_name = _("Data producers")
