"""The REST API (Django Ninja), mounted under /api/v1/ and documented with OpenAPI at /api/v1/docs.

Each app adds its router here. Every route requires a signed-in session unless it says
otherwise. Every error is JSON of one shape, ``{"code", "message", "field"}``, with a stable code
and a message in the request's language (Indonesian unless the client asks for English): domain
errors, and the errors Django Ninja raises itself (authentication, unreadable or invalid request,
not found), whose own messages are English.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

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


def _error(request: HttpRequest, status: int, code: str, message: Any, field: str | None = None,
           **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": str(message), "field": field, **extra},
                               status=status)


# The errors Django Ninja raises by status: authentication failed (401), a request body that is
# not JSON (400), a browser session's POST without its CSRF token (403).
NINJA_ERRORS = {
    400: ("request.unreadable", _("The request body is not valid JSON. Send a JSON object with the header "
                                  "Content-Type: application/json.")),
    401: ("auth.required", _("Authentication failed: the API token is missing, unknown, revoked or expired. "
                             "Send a valid token in the header Authorization: Bearer TOKEN, or sign in.")),
    403: ("auth.forbidden", _("This request is not allowed. A request from a signed-in browser must carry its "
                              "CSRF token. A producer system sends its API token instead.")),
}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code, message = NINJA_ERRORS.get(exc.status_code, (f"http.{exc.status_code}", exc.message))
    return _error(request, exc.status_code, code, message)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found: nothing with this number exists, or it is outside "
                                               "what this account or token may see."))


def unknown_endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Return a 404 in the API's JSON shape for a path under /api/v1/ that no route matches.

    Django's own 404 page is HTML, which a producer system's client cannot read. The response is
    the same whether the client signed in or not. It names no route, so it reveals nothing that
    the published OpenAPI document does not.
    """
    message = _("There is no API endpoint at {path}. The endpoints are listed at /api/v1/docs.")
    return _error(request, 404, "not_found.endpoint", str(message).format(path=request.path))


# Messages for the most common kinds of invalid input, by pydantic error type.
INVALID_INPUT = {
    "missing": _("{field} is missing."),
    "int_parsing": _("{field} must be a whole number."),
    "int_type": _("{field} must be a whole number."),
    "int_from_float": _("{field} must be a whole number."),
    "float_parsing": _("{field} must be a number."),
    "float_type": _("{field} must be a number."),
    "bool_parsing": _("{field} must be true or false."),
    "bool_type": _("{field} must be true or false."),
    "string_type": _("{field} must be text."),
    "list_type": _("{field} must be a list."),
    "dict_type": _("{field} must be a JSON object."),
    "model_type": _("{field} must be a JSON object."),
    "model_attributes_type": _("{field} must be a JSON object."),
}


def _input_field(location: list) -> str:
    """Name the invalid input as the client wrote it: ``records.0`` for the first record of the body."""
    parts = [str(part) for part in location[1:]]
    if location and location[0] == "body" and parts:
        parts = parts[1:]  # the name of the view's body parameter, which the client never writes
    return ".".join(parts)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        field = _input_field(list(error.get("loc", ())))
        template = INVALID_INPUT.get(error.get("type"), _("{field} has an invalid value."))
        field_label = field or str(_("The request body"))
        errors.append({"field": field, "code": error.get("type", ""), "message": str(template).format(field=field_label)})
    message = " ".join(e["message"] for e in errors)
    return _error(request, 422, "request.invalid", message, errors[0]["field"] if errors else None, errors=errors)
