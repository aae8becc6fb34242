from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.i18n import set_language

from satudata.api import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("", include("satudata.portal.urls")),
    path("accounts/", include("satudata.accounts.urls")),
    path("submissions/", include("satudata.submissions.urls")),
    path("registry/", include("satudata.registry.urls")),
    path("linkage/", include("satudata.linkage.urls")),
    path("standards/", include("satudata.standards.urls")),
    path("statistics/", include("satudata.publishedstats.urls")),
    path("catalog/", include("satudata.standards.catalog_urls")),
]
