from django.urls import include, path, re_path
from django.views.i18n import set_language

from satudata.api import api, unknown_endpoint

# Every URL name below needs an access policy in satudata/access/policy.py; AccessMiddleware
# refuses URLs without one.
urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    # Whatever the API's routes leave under /api/v1/ gets a JSON 404 rather than an HTML page.
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_endpoint, name="api_unknown_endpoint"),
    path("", include("satudata.portal.urls")),
    path("accounts/", include("satudata.accounts.urls")),
    path("access/", include("satudata.access.urls")),
    path("audit/", include("satudata.audit.urls")),
    path("submissions/", include("satudata.submissions.urls")),
    path("entry/", include("satudata.entry.urls")),
    path("registry/", include("satudata.registry.urls")),
    path("linkage/", include("satudata.linkage.urls")),
    path("standards/", include("satudata.standards.urls")),
    path("statistics/", include("satudata.publishedstats.urls")),
    path("catalog/", include("satudata.standards.catalog_urls")),
    path("codelists/", include("satudata.reference.urls")),
]
