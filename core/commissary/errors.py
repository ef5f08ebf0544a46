"""Domain errors raised by services; the web layer maps each to one HTTP status.

Services never import FastAPI: a service says *what* went wrong, the route decides how
to show it (a JSON problem for the API, a flash message or error page for pages).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotAuthenticated(DomainError):
    status_code = 401
    code = "not_authenticated"


class Invalid(DomainError):
    """The request is well-formed but breaks a business rule (422)."""

    status_code = 422
    code = "invalid"


class Conflict(DomainError):
    """The request is valid but the current state does not allow it (409)."""

    status_code = 409
    code = "conflict"


class InsufficientStock(Conflict):
    code = "insufficient_stock"


class InsufficientFunds(Conflict):
    code = "insufficient_funds"


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"
