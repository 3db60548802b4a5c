"""Shared pieces of the routers: ids, text, pagination, versions (If-Match / ETag)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator
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


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="The version you read (optimistic concurrency).")
]


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


class ErrorBody(Schema):
    code: str = Field(description="Machine-readable error code, e.g. invalid, not_found, stale.")
    message: str = Field(description="Human-readable message in the request's language.")
    field: str | None = Field(None, description="The input field the error concerns, if any.")


class ErrorOut(Schema):
    error: ErrorBody


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut, 428: ErrorOut}
# gateway endpoints: 503 when the message cannot be taken now (nothing stored; the gateway retries)
GATEWAY_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 503: ErrorOut}

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
    if not key or len(key) > 40 or "\x00" in key or (key.isdigit() and int(key) > MAX_ID):
        raise NotFound("not_found", _("Not found."), what)
    return key


def check_id(value: int, what: str) -> int:
    if value < 1 or value > MAX_ID:
        raise NotFound("not_found", _("Not found."), what)
    return value


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


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
        raise ValidationFailed("invalid", _("If-Match and version disagree."), "version")
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
