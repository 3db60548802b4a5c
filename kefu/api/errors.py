"""Every API error is ``{"error": {"code", "message", "field"}}`` with a 4xx status, in the
request's language. Registered on the NinjaAPI by :func:`install`."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from kefu.lib import transient
from kefu.lib.errors import KefuError

# Where ninja says a value came from; not field names.
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}
# The name every operation gives its JSON body argument (see the routers).
BODY_ARG = "payload"

# pydantic error type → what we tell people (the field is named separately)
_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "decimal_parsing": gettext_lazy("Enter a number."),
    "decimal_type": gettext_lazy("Enter a number."),
    "decimal_max_digits": gettext_lazy("The number has too many digits."),
    "decimal_max_places": gettext_lazy("The number has too many decimal places."),
    "decimal_whole_digits": gettext_lazy("The number is too large."),
    "finite_number": gettext_lazy("Enter a finite number."),
    "greater_than": gettext_lazy("The number is too small."),
    "greater_than_equal": gettext_lazy("The number is too small."),
    "less_than": gettext_lazy("The number is too large."),
    "less_than_equal": gettext_lazy("The number is too large."),
    "string_type": gettext_lazy("Enter text."),
    "string_too_long": gettext_lazy("The text is too long."),
    "string_too_short": gettext_lazy("The text is too short."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "bool_type": gettext_lazy("Enter true or false."),
    "enum": gettext_lazy("Unknown value; choose one of the allowed values."),
    "literal_error": gettext_lazy("Unknown value; choose one of the allowed values."),
    "date_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "date_type": gettext_lazy("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": gettext_lazy("Enter a date and time (ISO 8601, with a time zone)."),
    "datetime_from_date_parsing": gettext_lazy("Enter a date and time (ISO 8601, with a time zone)."),
    "datetime_type": gettext_lazy("Enter a date and time (ISO 8601, with a time zone)."),
    "list_type": gettext_lazy("Enter a list."),
    "too_long": gettext_lazy("The list is too long."),
    "model_attributes_type": gettext_lazy("Send a JSON object."),
    "model_type": gettext_lazy("Send a JSON object."),
    "dict_type": gettext_lazy("Send a JSON object."),
    "extra_forbidden": gettext_lazy("Unknown field."),
    "nul_character": gettext_lazy("The text contains a NUL character."),
}


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    body.update(extra)
    return {"error": body}


def field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """The first element of a pydantic/ninja ``loc`` that names an input field."""
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        where = parts.pop(0)
        if where == "body" and parts and parts[0] == BODY_ARG:
            parts.pop(0)
    for part in parts:
        if isinstance(part, str):
            return part
    return None


def _describe(err: dict[str, Any]) -> tuple[str | None, str]:
    field = field_of(err.get("loc", ()))
    problem = str(_MESSAGES.get(err.get("type", ""), gettext_lazy("The value is not valid.")))
    if field:
        return field, _("%(field)s: %(problem)s") % {"field": field, "problem": problem}
    return None, problem


class MalformedBody(ValueError):
    pass


class KefuParser(Parser):
    """JSON bodies must be JSON objects."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody(str(exc)) from exc
        if not isinstance(data, dict):
            raise MalformedBody("not an object")
        return data


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn every expected failure into the error JSON."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(KefuError)
    def kefu_error(request: HttpRequest, exc: KefuError) -> HttpResponse:
        response = respond(request, exc.status, exc.as_dict())
        if exc.status == 503:  # nothing was stored: the client (an MTA, a gateway) tries again
            response["Retry-After"] = str(transient.RETRY_AFTER_SECONDS)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        described = [(*_describe(e), e) for e in exc.errors] or [(None, _("The request is not valid."), {})]
        field, message, _first = described[0]
        errors = [{"code": "invalid", "message": m, "field": f} for f, m, _e in described]
        return respond(request, 400, error_body("invalid", message, field, errors=errors))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = (
            exc.message
            if exc.message != "Unauthorized"
            else _("Authentication required: send “Authorization: Bearer <token>” or log in.")
        )
        response = respond(request, 401, error_body("unauthenticated", str(message)))
        response["WWW-Authenticate"] = 'Bearer realm="kefu"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, MalformedBody) or exc.message.startswith("Cannot parse request body"):
            return respond(
                request, 400, error_body("malformed_json", _("The request body is not a valid JSON object."))
            )
        if exc.status_code == 403 and "CSRF" in exc.message:
            return respond(
                request,
                403,
                error_body("csrf", _("CSRF check failed: send the X-CSRFToken header with the session.")),
            )
        if exc.status_code == 429:
            return respond(request, 429, error_body("throttled", _("Too many requests; try again later.")))
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        return respond(
            request,
            exc.status_code,
            error_body(codes.get(exc.status_code, "error"), _("The request could not be processed.")),
        )
