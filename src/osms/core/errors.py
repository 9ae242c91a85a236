"""Errors a user can act on: a machine code and a sentence, never a traceback."""

from __future__ import annotations


class OsmsError(Exception):
    """Base of every expected error. ``code`` is stable and machine-readable."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotFound(OsmsError):
    status = 404
    code = "not_found"


class Forbidden(OsmsError):
    status = 403
    code = "forbidden"


class Unauthorized(OsmsError):
    status = 401
    code = "unauthorized"


class InvalidInput(OsmsError):
    status = 422
    code = "invalid_input"


class Overloaded(OsmsError):
    """A bounded wait ran out (no free connection, a lock held too long): busy now, try again.
    Answered 503 with ``Retry-After``."""

    status = 503
    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
