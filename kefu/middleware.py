"""Request middleware: show times in the user's (branch's) time zone; answer a temporary database or
storage failure with 503 (and read again once)."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable

from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu import transient

log = logging.getLogger("kefu.db")

IDEMPOTENT = ("GET", "HEAD")


class TemporaryFailureMiddleware:
    """A view that fails because the database or the attachment directory is unavailable for a while
    (``kefu.transient``: a lost or terminated connection, a locked SQLite database, a full disk) answers
    503 with ``Retry-After`` — the error JSON under ``/api/``, a short page elsewhere — instead of 500.

    A read (GET, HEAD) that failed on a database connection error is run once more first, on a fresh
    connection: right after PostgreSQL restarted, a pooled connection is dead although its health check
    passed a moment ago. Only when no connection is inside a transaction (``ATOMIC_REQUESTS`` is off;
    a test's transaction stays untouched) and before any response was produced (the view raised)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        failure = getattr(request, "_kefu_temporary_failure", None)
        if (
            failure is not None
            and request.method in IDEMPOTENT
            and transient.is_connection_error(failure)
            and _reset_connections()
        ):
            log.warning("retrying %s %s after a database error: %s", request.method, request.path, failure)
            request._kefu_temporary_failure = None  # type: ignore[attr-defined]
            response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not transient.is_temporary(exception):
            return None
        if getattr(request, "_kefu_temporary_failure", None) is None:
            request._kefu_temporary_failure = exception  # type: ignore[attr-defined]
        log.warning("%s %s: temporary failure: %s", request.method, request.path, exception)
        return unavailable_response(request)


def _reset_connections() -> bool:
    """Close the connections that saw an error, so the retry opens new ones; False (no retry) when one
    of them is inside a transaction."""
    used = connections.all(initialized_only=True)
    if any(c.in_atomic_block for c in used):
        return False
    for c in used:
        if c.errors_occurred or c.connection is None:
            c.close()
        else:
            c.close_if_unusable_or_obsolete()
    return True


def unavailable_response(request: HttpRequest) -> HttpResponse:
    message = _("The service is unavailable for a moment; nothing was saved. Please try again shortly.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": {"code": "temporarily_unavailable", "message": message, "field": None}}, status=503
        )
    else:
        response = HttpResponse(
            render_to_string("503.html", {"message": message}), status=503, content_type="text/html"
        )
    response["Retry-After"] = str(transient.RETRY_AFTER_SECONDS)
    return response


class UserTimezoneMiddleware:
    """Activate the staff member's branch time zone (stored in UTC, shown locally)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tzname = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            tzname = request.session.get("kefu_tz")
            if tzname is None:
                staff = getattr(user, "staff", None)
                customer = getattr(user, "customer", None)
                branch = (
                    staff.branch if staff is not None else (customer.branch if customer is not None else None)
                )
                tzname = branch.time_zone if branch is not None else ""
                request.session["kefu_tz"] = tzname
        if tzname:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tzname))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
