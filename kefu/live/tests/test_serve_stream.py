"""`kefu serve` on loopback, as `scripts/run` starts it: the pages on the WSGI server at ``--bind``, the event
streams on the ASGI server at the next port; static files, a logged-in console page that points its stream at
that port (and allows it in its CSP), the stream answering that page's origin with credentials (and no
other site), and a CTI webhook whose call event reaches the stream within a second."""

from __future__ import annotations

import json
import re
import threading
import time

import httpx
import pytest
from httpx_sse import connect_sse

pytestmark = pytest.mark.slow


def test_kefu_serve_pushes_a_call_event_to_the_agents_open_stream(kefu_serve) -> None:  # type: ignore[no-untyped-def]
    base, live, port = kefu_serve.base, kefu_serve.live, kefu_serve.port
    # whitenoise serves the static files
    js = httpx.get(f"{base}/static/kefu/live.js", timeout=10)
    assert js.status_code == 200 and "new EventSource" in js.text
    password = kefu_serve.admin_password()
    token = kefu_serve.token("admin", "cti")

    with httpx.Client(base_url=base, timeout=10, follow_redirects=True) as web:
        page = web.get("/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        web.post("/login/", data={"username": "admin", "password": password, "csrfmiddlewaretoken": csrf})
        home = web.get("/")
        assert home.status_code == 200 and 'data-live-url="/live/events/"' in home.text
        assert f'data-live-port="{port + 1}"' in home.text
        assert f"connect-src 'self' http://127.0.0.1:{port + 1};" in home.headers["Content-Security-Policy"]
        since = re.search(r'data-live-since="(\d+)"', home.text).group(1)  # type: ignore[union-attr]
        # the pages' server holds no stream (204: the page would poll)
        assert web.get("/live/events/").status_code == 204
        # another site may not read a member's stream: no CORS headers for its origin
        with (
            httpx.Client(base_url=live, cookies=web.cookies, timeout=httpx.Timeout(10, read=15)) as c,
            c.stream("GET", "/live/events/", headers={"Origin": "http://evil.example"}) as other,
        ):
            assert other.status_code == 200 and "access-control-allow-origin" not in other.headers

        received: list[tuple[str, dict, float]] = []
        opened = threading.Event()

        def listen() -> None:
            timeout = httpx.Timeout(10, read=15)
            with (
                httpx.Client(base_url=live, cookies=web.cookies, timeout=timeout) as c,
                connect_sse(c, "GET", f"/live/events/?since={since}", headers={"Origin": base}) as source,
            ):
                headers = source.response.headers
                assert headers["content-type"].startswith("text/event-stream")
                # the page's origin (the pages' port) reads it with its session cookie
                assert headers["access-control-allow-origin"] == base
                assert headers["access-control-allow-credentials"] == "true"
                opened.set()
                for sse in source.iter_sse():
                    if not sse.id:
                        continue  # the opening comment with the retry hint
                    received.append((sse.event, json.loads(sse.data), time.monotonic()))
                    return

        t = threading.Thread(target=listen, daemon=True)
        t.start()
        assert opened.wait(15)
        time.sleep(0.3)
        sent = time.monotonic()
        resp = kefu_serve.ring(token, "srv-1")
        assert resp.status_code == 201, resp.text
        t.join(10)
    assert [(e, d["state"]) for e, d, _ in received] == [("call", "ringing")]
    assert received[0][2] - sent < 1.0
