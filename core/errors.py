"""Domain errors raised by services and mapped to HTTP statuses by the web layers."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base for errors a user can act on; ``status`` is the HTTP mapping."""

    status = 400
    kind = "invalid"

    def __init__(self, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.message = message
        #: field-level details, e.g. {"uscc": ["校验码错误"]} or a list of row errors
        self.errors = errors


class Invalid(DomainError):
    status = 422
    kind = "invalid"


class NotFound(DomainError):
    status = 404
    kind = "not-found"


class Forbidden(DomainError):
    status = 403
    kind = "forbidden"


class Conflict(DomainError):
    status = 409
    kind = "conflict"


class Unauthorized(DomainError):
    status = 401
    kind = "unauthorized"
