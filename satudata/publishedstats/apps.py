from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishedStatsConfig(AppConfig):
    name = "satudata.publishedstats"
    label = "publishedstats"
    verbose_name = _("Published statistics")
