"""`kefu serve` as `scripts/run` starts it, in Chromium: the console page, served by the pages' listener,
opens its event stream on the streams' listener (the next port) with its session cookie — the stream's CORS
answer and the page's CSP allow exactly that origin — and a call pushed to the agent reaches the open page
within 2 s, without polling."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import desktop_page, login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_console_gets_its_events_from_the_streams_port_of_kefu_serve(browser, kefu_serve) -> None:  # type: ignore[no-untyped-def]
    base, port = kefu_serve.base, kefu_serve.port
    password = kefu_serve.admin_password()
    token = kefu_serve.token("admin", "cti")
    page = desktop_page(browser, base)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    login(page, "admin", password)
    page.goto("/")
    assert page.locator("body").get_attribute("data-live-port") == str(port + 1)
    started = time.monotonic()
    while page.locator("body").get_attribute("data-live-state") != "push" and time.monotonic() - started < 15:
        page.wait_for_timeout(100)
    assert page.locator("body").get_attribute("data-live-state") == "push"
    page.evaluate(
        "window.kefuCalls = [];"
        "document.body.addEventListener('live-call', function (e) { window.kefuCalls.push(e.detail); });"
    )
    sent = time.monotonic()
    resp = kefu_serve.ring(token, "two-ports-1")
    assert resp.status_code == 201, resp.text
    # polled from here: a string predicate of wait_for_function is eval'd in the page, which its CSP forbids
    while page.evaluate("window.kefuCalls.length") == 0 and time.monotonic() - sent < 2.0:
        page.wait_for_timeout(50)
    assert time.monotonic() - sent < 2.0
    assert page.evaluate("window.kefuCalls[0].state") == "ringing"
    assert page.locator("body").get_attribute("data-live-state") == "push"  # never fell back to polling
    # no CORS or CSP refusal on the way (a 404 of a favicon is not ours to judge here)
    assert not [p for p in problems if "CORS" in p or "Content Security Policy" in p], problems
    page.context.close()
