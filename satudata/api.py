"""The REST API (Django Ninja), documented with OpenAPI at /api/v1/docs.

Each app adds its router here; every route requires a signed-in session unless it says otherwise.
"""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import django_auth

from satudata.errors import DomainError

api = NinjaAPI(
    title="Satu Data UMKM API",
    version="1",
    description="Read and submit UMKM data: standards and metadata, code lists, submissions, the registry.",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError):
    """Domain errors become their HTTP status with a stable code and a translated message."""
    return api.create_response(request, {"code": exc.code, "message": exc.message, "field": exc.field},
                               status=exc.http_status)


def _register_routers() -> None:
    from satudata.standards.api import router as standards_router

    api.add_router("/standards", standards_router)


_register_routers()
