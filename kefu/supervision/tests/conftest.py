from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from kefu.commitments import clocks
from kefu.testing.clock import FakeClock, freeze, sh

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _defaults(request: pytest.FixtureRequest) -> None:
    """The default calendars and time limits, for database tests (the pure rule tests need no database)."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    clocks.ensure_defaults()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A settable clock for every ``timezone.now()`` in the project."""
    return freeze(monkeypatch, sh(2026, 3, 2, 9, 0))  # a Monday


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c
