"""Links that leave Kefu are absolute, with or without KEFU_PUBLIC_URL."""

from __future__ import annotations

from typing import Any

from kefu.lib import links
from kefu.notifications.texts import order_link
from kefu.surveys.actions import survey_url


def test_public_url_is_the_base(settings: Any) -> None:
    settings.KEFU_PUBLIC_URL = "https://kefu.example.com"
    assert links.absolute("/portal/") == "https://kefu.example.com/portal/"
    assert survey_url("tok123") == "https://kefu.example.com/portal/surveys/tok123/"
    assert order_link("GD-20261207-000001") == "https://kefu.example.com/orders/GD-20261207-000001/"


def test_without_public_url_the_bind_address_keeps_links_absolute(settings: Any) -> None:
    settings.KEFU_PUBLIC_URL = ""
    settings.KEFU_BIND = "127.0.0.1:8000"
    assert survey_url("tok123") == "http://127.0.0.1:8000/portal/surveys/tok123/"
    settings.KEFU_BIND = "0.0.0.0:9000"
    assert order_link("GD-20261207-000001") == "http://0.0.0.0:9000/orders/GD-20261207-000001/"
