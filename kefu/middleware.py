"""Request middleware: show times in the user's (branch's) time zone; answer a temporary database or
storage failure with 503 (and read again once); the Content-Security-Policy."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.lib import transient

log = logging.getLogger("kefu.db")

IDEMPOTENT = ("GET", "HEAD")


class TemporaryFailureMiddleware:
    """A view that fails because the database or the attachment directory is unavailable for a while
    (``kefu.lib.transient``: a lost or terminated connection, a locked SQLite database, a full disk) answers
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


# ---------------------------------------------------------------------------------------------------
# Content-Security-Policy

#: The policy of every page: scripts and style sheets only from Kefu's own static files (no inline
#: ``<script>``, no event-handler attributes, no ``javascript:`` URLs, no ``eval``), nothing embedded
#: with ``<object>``, no ``<base>`` pointing elsewhere, no framing by other sites. ``style=`` attributes
#: stay allowed (``style-src 'unsafe-inline'``: charts and bars size themselves with them; a style
#: attribute cannot run code), but ``<style>`` elements only from files (``style-src-elem 'self'``),
#: which keeps injected CSS selectors from reading the page. Browsers that do not know
#: ``style-src-elem`` fall back to ``style-src``.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "style-src-elem": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: Django's admin gets the same policy with one relaxation: its change list adds a ``<style>`` element
#: for a model without actions. Scripts stay ``'self'`` there too (the admin has no inline script).
#: The API docs (/api/v1/docs) need none: ninja serves Swagger UI from its static files, its settings
#: in a ``<script type="application/json">`` block, which is data, not script.
CSP_RELAXED_STYLE_PREFIXES = ("/admin/",)


def csp_policy(path: str, report_uri: str = "", connect: str = "") -> str:
    """The policy of a page at ``path``; ``connect``: one more origin the page may connect to (the event
    stream on its own port, ``KEFU_LIVE_PORT``)."""
    directives = dict(CSP_DIRECTIVES)
    if connect:
        directives["connect-src"] += " " + connect
    if path.startswith(CSP_RELAXED_STYLE_PREFIXES):
        del directives["style-src-elem"]
    if report_uri:
        directives["report-uri"] = report_uri
        directives["report-to"] = "kefu-csp"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def live_origin(request: HttpRequest) -> str:
    """The origin of the event stream when `kefu serve` runs it on another port of this host
    (``KEFU_LIVE_PORT``; kefu/static/kefu/live.js builds the same from the page's address), else ""."""
    port = getattr(settings, "KEFU_LIVE_PORT", 0)
    if not port:
        return ""
    host, _port = split_domain_port(request.get_host())
    return f"{request.scheme}://{host}:{port}"  # an IPv6 host keeps its brackets


class ContentSecurityPolicyMiddleware:
    """Send the policy on every response (``KEFU_CSP``: ``enforce`` sends ``Content-Security-Policy``,
    ``report-only`` sends ``Content-Security-Policy-Report-Only`` so that operators can watch for
    violations without breaking anything, ``off`` sends nothing). A response that already carries a
    policy of its own (e.g. downloads, ``default-src 'none'; sandbox``) keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        mode = getattr(settings, "KEFU_CSP", "enforce")
        if mode == "off":
            return response
        header = "Content-Security-Policy-Report-Only" if mode == "report-only" else "Content-Security-Policy"
        if "Content-Security-Policy" in response or "Content-Security-Policy-Report-Only" in response:
            return response
        report_uri = getattr(settings, "KEFU_CSP_REPORT_URI", "")
        response[header] = csp_policy(request.path, report_uri, live_origin(request))
        if report_uri:
            response["Reporting-Endpoints"] = f'kefu-csp="{report_uri}"'
        return response


class ApiLimitsMiddleware:
    """The API's size limits, answered with its error JSON before any view runs (docs/api.md):

    - **414** ``uri_too_long`` when the query string is longer than ``KEFU_API_MAX_QUERY_BYTES`` (4096 bytes,
      percent-encoded as sent): every filter of the API fits far within it, and the answer is the same
      whichever server runs the app (uvicorn takes any length, a proxy in front may stop at 8 KiB).
    - **413** ``too_large`` when a body is declared larger than Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``
      (5 MiB) — instead of Django's HTML 400 page. The inbound-mail endpoint has its own, larger limit
      (``KEFU_MAIL_MAX_BYTES``) and answers 413 itself."""

    EXEMPT_BODY = ("/api/v1/mail/inbound/",)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            refused = self.refuse(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def refuse(self, request: HttpRequest) -> HttpResponse | None:
        limit = int(getattr(settings, "KEFU_API_MAX_QUERY_BYTES", 4096))
        if len(request.META.get("QUERY_STRING", "")) > limit:
            return _api_error(
                414,
                "uri_too_long",
                _("The query string is longer than %(limit)d bytes; send fewer or shorter filters.")
                % {"limit": limit},
            )
        max_body = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if max_body is not None and not request.path.startswith(self.EXEMPT_BODY):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > max_body:
                return _api_error(
                    413,
                    "too_large",
                    _("The request body is larger than %(mb)d MB.") % {"mb": max_body // (1024 * 1024)},
                )
        return None


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "field": None}}, status=status)
