"""What counts as a temporary failure (kefu.lib.transient) and what the middleware answers for one."""

from __future__ import annotations

import errno
import json
import sqlite3

import pytest
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import translation

from kefu.lib import transient
from kefu.middleware import TemporaryFailureMiddleware


def _wrapped(exc: BaseException) -> BaseException:
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as inner:
            raise exc from inner
    except BaseException as outer:
        return outer


@pytest.mark.parametrize(
    ("exc", "temporary"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("database or disk is full"), True),
        (OperationalError("disk I/O error"), True),
        (InterfaceError("connection already closed"), True),
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), True),
        (PermissionError(errno.EACCES, "Permission denied"), True),
        (_wrapped(RuntimeError("while saving")), True),  # a driver error as the cause
        (IntegrityError("UNIQUE constraint failed"), False),
        (DatabaseError("value too long"), False),
        (ValueError("bad header"), False),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), False),
    ],
)
def test_is_temporary(exc: BaseException, temporary: bool) -> None:
    assert transient.is_temporary(exc) is temporary


@pytest.mark.django_db
def test_middleware_reads_once_more_then_answers_503() -> None:
    calls: list[str] = []

    def failing(request: HttpRequest) -> HttpResponse:
        calls.append(request.method or "")
        # the view raised: Django's handler asks the middleware's process_exception for the response
        return mw.process_exception(request, OperationalError("database is locked")) or HttpResponse()

    mw = TemporaryFailureMiddleware(failing)
    # inside the test's transaction no retry is attempted (a transaction is open on the connection)
    with translation.override("en"):
        html = mw(RequestFactory().get("/portal/", HTTP_ACCEPT_LANGUAGE="en"))
    assert calls == ["GET"] and html.status_code == 503 and html["Retry-After"] == "30"
    assert "unavailable for a moment; nothing was saved" in html.content.decode()
    calls.clear()
    api = mw(RequestFactory().post("/api/v1/orders", data="{}", content_type="application/json"))
    assert calls == ["POST"] and api.status_code == 503
    assert json.loads(api.content)["error"]["code"] == "temporarily_unavailable"


@pytest.mark.django_db(transaction=True)
def test_middleware_retries_a_read_outside_a_transaction() -> None:
    calls: list[str] = []

    def flaky(request: HttpRequest) -> HttpResponse:
        calls.append(request.method or "")
        if len(calls) == 1:
            return (
                mw.process_exception(request, OperationalError("server closed the connection"))
                or HttpResponse()
            )
        return HttpResponse("ok")

    mw = TemporaryFailureMiddleware(flaky)
    resp = mw(RequestFactory().get("/api/v1/orders"))
    assert calls == ["GET", "GET"] and resp.status_code == 200 and resp.content == b"ok"
    calls.clear()
    post = mw(RequestFactory().post("/api/v1/orders"))
    assert calls == ["POST"] and post.status_code == 503  # a write is never run twice
