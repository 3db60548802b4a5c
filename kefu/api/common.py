"""Shared pieces of the routers: ids, text, pagination, versions (If-Match / ETag)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Schema
from pydantic import AfterValidator, BeforeValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from kefu.lib import search
from kefu.lib.errors import KefuError, NotFound, ValidationFailed

MAX_ID = 2**63 - 1  # the largest id either database can hold
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_OFFSET = 10_000_000


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text columns; refuse it here with a 400 instead of a 500 there.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "NUL character")
    return value


# Query and path values arrive as text: ``Id`` parses "12". Body values are JSON: ``BodyId``, ``Version`` and
# ``json_int`` take a JSON integer (12, or 12.0 as JSON Schema counts it), ``Bool`` true or false — "12", 12.5
# or 1 for a boolean are refused, as the schema says.
def _json_int(value: Any) -> Any:
    # a JSON integer: 12 or 12.0 (JSON Schema's integer), never "12" or true
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("int_from_float", "integer")
        return int(value)
    return value


JsonInt = BeforeValidator(_json_int)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# (the bounds before the validator: so they stay minimum/maximum in the JSON schema)
BodyId = Annotated[int, Field(ge=1, le=MAX_ID), JsonInt]
Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="The version you read (optimistic concurrency)."), JsonInt
]
Bool = Annotated[bool, Strict()]

# Years 1900-2199: far enough for any record of a customer service, and no date arithmetic overflows.
DATE_PATTERN = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DATETIME_PATTERN = (
    r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_DATE = re.compile(DATE_PATTERN)
_DATETIME = re.compile(DATETIME_PATTERN)


def _iso_date(value: Any) -> Any:
    # pydantic would also take 0 or "1700000000" (a Unix time) for a date: the contract says YYYY-MM-DD
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime) and 1900 <= value.year < 2200:
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_parsing", "date as YYYY-MM-DD")


def _rfc3339(value: Any) -> Any:
    # RFC 3339 date-time, the offset included (no Unix times, no naive local times)
    if isinstance(value, dt.datetime) and value.tzinfo is not None and 1900 <= value.year < 2200:
        return value
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        return value
    raise PydanticCustomError("datetime_parsing", "RFC 3339 date-time with an offset")


def _query_bool(value: Any) -> Any:
    # a query flag is true or false (pydantic alone would also take 1, yes, on, …)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise PydanticCustomError("bool_parsing", "true or false")


Date = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}, mode="validation"),
]
DateTime = Annotated[
    dt.datetime,
    BeforeValidator(_rfc3339),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": DATETIME_PATTERN,
            "description": "RFC 3339 with an offset, e.g. 2026-03-02T09:30:00+08:00.",
        },
        mode="validation",
    ),
]
QueryBool = Annotated[
    bool, BeforeValidator(_query_bool), WithJsonSchema({"type": "boolean"}, mode="validation")
]
# A wall-clock time of day (no date, no offset: RFC 3339 ``partial-time``), e.g. "08:30:00"
WallTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "format": "partial-time",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$",
            "examples": ["08:30:00"],
        }
    ),
]


# Declares what the use cases refuse with 400 ``required``: text that is only blanks (the schema says so with a
# pattern; the message and code stay those of the rule).
NonBlank = Field(json_schema_extra={"pattern": r"\S"})


def json_int(ge: int, le: int) -> Any:
    """A JSON integer from ``ge`` to ``le``."""
    return Annotated[int, Field(ge=ge, le=le), JsonInt]


def _decimal_input(pattern: str, *, numbers: bool) -> Any:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        # pydantic alone would also take "1e3", " 5", "NaN" or true
        if isinstance(value, str) and compiled.fullmatch(value):
            return value
        if numbers and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return value
        raise PydanticCustomError("decimal_parsing", "decimal")

    return BeforeValidator(check)


def decimal(
    whole: int,
    places: int,
    *,
    gt: float | None = None,
    ge: float | None = 0,
    le: float | None = None,
    numbers: bool = True,
    description: str | None = None,
) -> Any:
    """A decimal with at most ``whole`` digits before the point and ``places`` after it: a JSON number (when
    ``numbers``; bodies) or a decimal string such as "12.50" (bodies and query strings). Answers give the
    string."""
    at_most = int(le) if le is not None and str(int(le)).rstrip("0") == "1" else None
    pattern = decimal_pattern(whole, places, positive=gt == 0, at_most=at_most)
    text = {"type": "string", "pattern": pattern}
    number: dict[str, Any] = {"type": "number", "multipleOf": 10**-places if places else 1}
    if gt is not None:
        number["exclusiveMinimum"] = gt
    if ge is not None:
        number["minimum"] = ge
    number["maximum"] = le if le is not None else float(10**whole) - 10**-places
    described = {"description": description} if description else {}
    return Annotated[
        Decimal,
        _decimal_input(pattern, numbers=numbers),
        Field(max_digits=whole + places, decimal_places=places, gt=gt, ge=ge, le=le),
        WithJsonSchema(
            {"anyOf": [number, text], **described} if numbers else {**text, **described}, mode="validation"
        ),
        WithJsonSchema(
            {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", **described},
            mode="serialization",
        ),
    ]


def money(whole: int, places: int) -> Any:
    """A non-negative amount (yuan)."""
    return decimal(whole, places)


def decimal_pattern(
    whole: int, places: int, *, signed: bool = False, positive: bool = False, at_most: int | None = None
) -> str:
    """The text of a decimal with at most ``whole`` digits before and ``places`` after the point (no leading
    zeros); ``positive``: not zero; ``at_most``: a power of ten that is the largest value (e.g. 1000)."""
    frac = rf"(\.[0-9]{{1,{places}}})?" if places else ""
    if at_most is not None:
        whole = len(str(at_most)) - 1  # below it: one digit fewer, and the maximum itself
    nonzero_whole = rf"[1-9][0-9]{{0,{whole - 1}}}{frac}"
    alternatives = [nonzero_whole]
    if positive:
        if places:
            alternatives.append(
                rf"0\.([1-9][0-9]{{0,{places - 1}}}|0{{1,{places - 1}}}[1-9][0-9]{{0,{places - 2}}})"
                if places > 1
                else r"0\.[1-9]"
            )
    else:
        alternatives.append(rf"0{frac}")
    if at_most is not None:
        alternatives.append(rf"{at_most}(\.0{{1,{places}}})?" if places else str(at_most))
    sign = "-?" if signed else ""
    return rf"^{sign}({'|'.join(alternatives)})$"


NoNul = AfterValidator(_no_nul)
# Strings without NUL characters, at most N characters (the database column sizes).
Str40 = Annotated[str, Field(max_length=40), NoNul]
Str60 = Annotated[str, Field(max_length=60), NoNul]
Str100 = Annotated[str, Field(max_length=100), NoNul]
Str200 = Annotated[str, Field(max_length=200), NoNul]
Str254 = Annotated[str, Field(max_length=254), NoNul]
Str300 = Annotated[str, Field(max_length=300), NoNul]
Str2000 = Annotated[str, Field(max_length=2000), NoNul]
Str20k = Annotated[str, Field(max_length=20000), NoNul]
Str100k = Annotated[str, Field(max_length=100000), NoNul]


class ErrorItem(Schema):
    code: str
    message: str
    field: str | None


class ErrorBody(Schema):
    code: str = Field(
        description="Machine-readable error code. `invalid` (and `malformed_json`): the request does not match "
        "this schema; any other code on a 400: the request matched the schema and a business rule refused it "
        "(e.g. `duplicate`, `forbidden_phrase`, `invalid_transition`). Others: `unauthenticated`, `forbidden`, "
        "`not_found`, `stale`, `precondition_required`, `too_large`, `uri_too_long`, …"
    )
    message: str = Field(description="Human-readable message in the request's language.")
    field: str | None = Field(description="The input field the error concerns, if any.")
    errors: list[ErrorItem] | None = Field(
        None,
        description="Every problem found, when the request had several (code `invalid` and a few rules).",
    )

    model_config = {"extra": "allow", "json_schema_extra": {"additionalProperties": True}}


class ErrorOut(Schema):
    """Every 4xx and 5xx answer of the API."""

    error: ErrorBody


# Every operation: 400 (schema or rule), 401 (no or bad token), 403 (role), 404, 414 (query string too long:
# kefu.middleware.ApiLimitsMiddleware) and 503 (the database is unavailable for a moment).
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    414: ErrorOut,
    503: ErrorOut,
}
# Operations with a JSON body add 409 (stale version, conflicting state), 413 (body over the upload
# limit) and 428 (a version is required but none was sent).
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut, 413: ErrorOut, 428: ErrorOut}
# gateway endpoints: 503 when the message cannot be taken now (nothing stored; the gateway retries)
GATEWAY_ERRORS: dict[int, Any] = dict(WRITE_ERRORS)

T = TypeVar("T")


# A search counts at most this many matches: a common word can match a fifth of a million orders, and
# counting them all took 1.4-2.4 s on PostgreSQL where the page itself takes 5 ms (bench/RESULTS.md).
SEARCH_COUNT_CAP = 1000


class Page(Schema, Generic[T]):
    count: int = Field(
        description="Number of rows matching the filters; with `count_capped` a lower bound (searches count "
        f"at most {SEARCH_COUNT_CAP:,} matches)."
    )
    count_capped: bool = Field(False, description="True when more rows match than `count` says.")
    limit: int
    offset: int
    items: list[T]


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Rows per page (max {MAX_LIMIT}).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def ordering_names(names: Any) -> list[str]:
    """The values an ``ordering`` parameter takes: each name, ascending or (``-``) descending."""
    return [v for n in sorted(names) for v in (n, f"-{n}")]


def paginate(
    qs: QuerySet[Any],
    params: PageParams,
    render: Any,
    *,
    count_cap: int | None = None,
    search_query: str = "",
) -> dict[str, Any]:
    """A page of ``qs`` rendered row by row; two queries (count + page) whatever the page size. With
    ``count_cap`` the count stops there (``SELECT count(*) FROM (… LIMIT cap + 1)``) and says so."""
    if count_cap is None:
        total, capped = qs.count(), False
    else:
        total = search.capped_count(qs, search_query, count_cap)
        capped = total > count_cap
        total = min(total, count_cap)
    fetch = capped or params.offset < total
    rows = list(qs[params.offset : params.offset + params.limit]) if fetch else []
    return {
        "count": total,
        "count_capped": capped,
        "limit": params.limit,
        "offset": params.offset,
        "items": [render(r) for r in rows],
    }


def order_by(qs: QuerySet[Any], ordering: str | None, allowed: dict[str, Any], default: str) -> QuerySet[Any]:
    """Apply a whitelisted ordering (``name`` or ``-name``); unknown names are a 400."""
    value = (ordering or default).strip()
    desc = value.startswith("-")
    key = value.lstrip("-")
    if key not in allowed:
        raise ValidationFailed(
            "invalid_choice",
            _("Unknown ordering; use one of: %(list)s") % {"list": ", ".join(sorted(allowed))},
            "ordering",
        )
    return allowed[key](qs, desc)


def check_key(key: str, what: str = "workorder") -> str:
    """An id or a number from the URL; absurd ids are simply not found (never a database error)."""
    key = (key or "").strip()
    if not key or len(key) > 40 or "\x00" in key or (key.isdecimal() and int(key) > MAX_ID):
        raise NotFound("not_found", _("Not found."), what)
    return key


def check_id(value: int, what: str) -> int:
    if value < 1 or value > MAX_ID:
        raise NotFound("not_found", _("Not found."), what)
    return value


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')
IF_MATCH = Header(
    None,
    alias="If-Match",
    pattern=r'^\s*((W/)?"?[0-9]{1,10}"?\s*)?$',
    description='The version you read, e.g. "3" (the ETag of the GET). Empty: not sent.',
)


def expected_version(if_match: str | None, body_version: int | None, *, required: bool) -> int | None:
    """The version the client read: ``If-Match: "7"`` or ``"version": 7`` in the body (they must agree)."""
    header_version: int | None = None
    if if_match is not None and if_match.strip() != "":
        m = _ETAG.match(if_match)
        if m is None:
            raise ValidationFailed(
                "invalid", _('If-Match must be the version from the ETag, e.g. "3".'), "If-Match"
            )
        header_version = int(m.group(1))
    if header_version is not None and body_version is not None and header_version != body_version:
        raise ValidationFailed("version_mismatch", _("If-Match and version disagree."), "version")
    version = header_version if header_version is not None else body_version
    if version is None and required:
        raise KefuPreconditionRequired(
            "precondition_required",
            _("Send the version you read (If-Match header or “version”), so no one's change is lost."),
            "version",
        )
    return version


class KefuPreconditionRequired(KefuError):
    status = 428


def etag(response: HttpResponse, obj: Model) -> None:
    response["ETag"] = f'"{obj.version}"'  # type: ignore[attr-defined]


class ApiRequest(HttpRequest):
    """A request that passed the API's authentication: ``auth`` is the user."""

    auth: Any
