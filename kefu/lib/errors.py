"""Errors raised by actions; views show them next to the field, the API answers 4xx JSON."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class KefuError(Exception):
    """Base class: ``code`` is machine-readable, ``message`` is translated, ``field`` names the input."""

    status = 400

    def __init__(self, code: str, message: str | Promise, field: str | None = None, **extra: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message), "field": self.field}
        body.update(self.extra)
        return {"error": body}


class ValidationFailed(KefuError):
    status = 400


class PermissionDenied(KefuError):
    status = 403


class NotFound(KefuError):
    status = 404


class Conflict(KefuError):
    """Optimistic concurrency: the row changed since the client read it."""

    status = 409


class TooManyRequests(KefuError):
    status = 429


class Unavailable(KefuError):
    """Cannot be taken right now, nothing was stored; the caller should try again later (a gateway retries)."""

    status = 503


class Errors(ValidationFailed):
    """Several field errors at once; the first one is the headline."""

    def __init__(self, errors: list[KefuError]) -> None:
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["error"]["errors"] = [e.as_dict()["error"] for e in self.errors]
        return body


def raise_if(errors: list[KefuError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise Errors(errors)
