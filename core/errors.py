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


def describe(exc: DomainError) -> str:
    """A domain error as one line (pages, CLI, Open311): the message, then field details."""
    if not isinstance(exc.errors, dict):
        return exc.message
    details = "; ".join(
        f"{k}: {', '.join(map(str, v))}"
        for k, v in exc.errors.items()
        if v and str(v[0]) not in exc.message
    )
    return f"{exc.message}" + (f" ({details})" if details else "")


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


class Refused(DomainError):
    """A request refused before any view ran (too long, hostile body …): its own status and
    problem kind."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
