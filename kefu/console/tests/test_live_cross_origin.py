"""The event stream on its own port (`kefu serve`, KEFU_LIVE_PORT): only a page of the same host name, or
KEFU_PUBLIC_URL, may read it with credentials; the page's CSP lets it connect there and nowhere else."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.test import RequestFactory

from kefu.console.views_live import cross_origin
from kefu.middleware import csp_policy, live_origin


def _answer(origin: str | None, host: str = "kefu.example.cn:8001") -> HttpResponse:
    headers = {"Host": host} | ({"Origin": origin} if origin else {})
    request = RequestFactory().get("/live/events/", headers=headers)
    return cross_origin(request, HttpResponse(status=200))  # type: ignore[return-value]


def test_the_page_of_the_same_host_reads_the_stream_and_no_other_site(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["kefu.example.cn"]
    settings.KEFU_PUBLIC_URL = "https://kefu.example.cn"
    page = _answer("http://kefu.example.cn:8000")
    assert page["Access-Control-Allow-Origin"] == "http://kefu.example.cn:8000"
    assert page["Access-Control-Allow-Credentials"] == "true" and "Origin" in page["Vary"]
    assert _answer("https://kefu.example.cn")["Access-Control-Allow-Origin"] == "https://kefu.example.cn"
    for other in (
        "http://evil.example",
        "http://kefu.example.cn.evil.example:8000",
        "file://kefu.example.cn",
    ):
        refused = _answer(other)
        assert "Access-Control-Allow-Origin" not in refused, other
        assert "Origin" in refused["Vary"]  # a cache must not hand one origin's answer to another
    assert "Access-Control-Allow-Origin" not in _answer(None)  # same origin: nothing to add


def test_the_csp_of_a_page_allows_the_streams_port_of_its_own_host(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["kefu.example.cn", "[::1]"]
    settings.KEFU_LIVE_PORT = 8001
    request = RequestFactory().get("/orders/", HTTP_HOST="kefu.example.cn:8000")
    assert live_origin(request) == "http://kefu.example.cn:8001"
    assert "connect-src 'self' http://kefu.example.cn:8001;" in csp_policy(
        "/orders/", "", live_origin(request)
    )
    assert live_origin(RequestFactory().get("/", HTTP_HOST="[::1]:8000")) == "http://[::1]:8001"
    settings.KEFU_LIVE_PORT = 0  # one port, or a proxy routing /live/: the page's own origin only
    assert live_origin(request) == ""
    assert "connect-src 'self';" in csp_policy("/orders/", "", live_origin(request))
