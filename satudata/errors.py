"""The base of every domain error: a stable code, the field and value involved, and a message.

Views and the API turn a ``DomainError`` into a response in one place; users see the
translated message, never a stack trace.
"""

from typing import Any


class DomainError(Exception):
    """A failed domain action that the user can fix.

    ``message`` is a translatable template (``gettext_lazy``) with named ``{placeholders}``
    filled from ``params`` after translation, so each language renders its own sentence.
    """

    code: str = "error"
    http_status: int = 400

    def __init__(self, message: Any, *, code: str | None = None, field: str | None = None,
                 value: Any = None, **params: Any) -> None:
        self.template = message
        if code:
            self.code = code
        self.field = field
        self.value = value
        self.params = params
        super().__init__(self.code)

    @property
    def message(self) -> str:
        return str(self.template).format(field=self.field, value=self.value, **self.params)

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403
