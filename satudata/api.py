"""The project's HTTP API (Django Ninja), mounted under /api/v1/; each app adds its router here.

Every route requires a signed-in session for now. Domain errors become JSON with their stable
code and translated message.
"""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from satudata.errors import DomainError
from satudata.reference.api import router as reference_router

api = NinjaAPI(
    title="Satu Data UMKM API",
    version="1",
    description="Read access to the reference code lists of Satu Data UMKM (Permen UMKM 8/2025). "
    "Sign in first: requests are authenticated by the session cookie.",
    auth=django_auth,
    urls_namespace="api",
)
api.add_router("/reference/", reference_router, tags=["reference"])


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "message": exc.message}, status=exc.http_status)
