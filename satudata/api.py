"""The REST API (Django Ninja), mounted under /api/v1/ and documented with OpenAPI at /api/v1/docs.

Each app adds its router here. Every route requires a signed-in session unless it says
otherwise; domain errors become JSON with their stable code and translated message.
"""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from satudata.access.api_auth import verified_session
from satudata.errors import DomainError
from satudata.reference.api import router as reference_router
from satudata.standards.api import router as standards_router
from satudata.submissions.api import router as submissions_router

api = NinjaAPI(
    title="Satu Data UMKM API",
    version="1",
    description="Standards and metadata, reference code lists, submissions and the registry of Satu Data UMKM "
    "(Permen UMKM 8/2025).",
    auth=verified_session,
    urls_namespace="api",
)
api.add_router("/reference/", reference_router, tags=["reference"])
api.add_router("/standards/", standards_router, tags=["standards"])
api.add_router("/submissions/", submissions_router, tags=["submissions"])


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "message": exc.message, "field": exc.field},
                               status=exc.http_status)
