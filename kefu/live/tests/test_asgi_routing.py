"""``kefu.asgi.application`` (what ``kefu serve`` runs) under a real uvicorn on loopback: an ordinary page goes
to Django's WSGI handler on the fixed thread pool (a2wsgi), the event stream to Django's ASGI handler; and
the fan-out of the hub: only to the streams of a topic, a burst coalesced, one batch shared."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from django.core.signals import request_started
from django.urls import reverse
from httpx_sse import connect_sse

from kefu import asgi, live
from kefu.live.hub import HUB, SUMMARY_ORDERS, Event, Hub, coalesced, frame_of
from kefu.live.topics import QUEUE_ALL
from kefu.testing.shell import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server() -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        asgi.application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    HUB.close_db()
    asgi.close_page_connections()


def test_pages_run_on_the_wsgi_thread_pool_and_the_stream_on_asgi(world: Any, server: str) -> None:
    assert reverse("console:live_events") in asgi.STREAM_PATHS
    seen: list[tuple[str, str]] = []

    def started(sender: Any, environ: Any = None, scope: Any = None, **kw: Any) -> None:
        seen.append(("wsgi" if environ is not None else "asgi", threading.current_thread().name))

    request_started.connect(started)
    try:
        with httpx.Client(base_url=server, timeout=10) as web:
            page = web.get("/login/")
            assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.text
            web.cookies.set("sessionid", _session(world.agent.user))
            home = web.get("/orders/")
            assert home.status_code == 200
            assert 'data-live-url="/live/events/"' in home.text
            got: list[dict[str, Any]] = []

            def listen() -> None:
                with connect_sse(web, "GET", "/live/events/", timeout=httpx.Timeout(10, read=10)) as src:
                    assert src.response.headers["content-type"].startswith("text/event-stream")
                    for ev in src.iter_sse():
                        if ev.data:  # the first frame is the retry hint
                            got.append({"event": ev.event, "data": json.loads(ev.data)})
                            return

            t = threading.Thread(target=listen)
            t.start()
            deadline = time.monotonic() + 10
            while HUB.connections == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            live.notify_staff(world.agent.pk, {"unread": 7})
            t.join(10)
    finally:
        request_started.disconnect(started)
    assert got == [{"event": "notification", "data": {"unread": 7}}]
    kinds = [k for k, _thread in seen]
    assert kinds == ["wsgi", "wsgi", "asgi"]  # /login/, /, /live/events/
    assert all(name.startswith("WSGI") for k, name in seen if k == "wsgi")  # a2wsgi's pool


def _session(user: Any) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # the configured engine

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return str(s.session_key)


def _ev(i: int, topic: str, event: str, data: dict[str, Any]) -> Event:
    return Event(i, topic, event, data, frame_of(i, event, data))


def test_a_burst_is_coalesced_to_the_newest_event_per_order_and_bell() -> None:
    evs = [
        _ev(1, "queue:5", "queue", {"order": 9, "version": 1}),
        _ev(2, "queue:5", "queue", {"order": 8, "version": 4}),
        _ev(3, "staff:2", "notification", {"unread": 1}),
        _ev(4, "queue:5", "queue", {"order": 9, "version": 2}),
        _ev(5, "staff:2", "call", {"call": 1, "state": "ringing"}),
        _ev(6, "staff:2", "notification", {"unread": 2}),
        _ev(7, "staff:2", "call", {"call": 1, "state": "answered"}),
    ]
    assert [e.id for e in coalesced(evs)] == [2, 4, 5, 6, 7]  # calls are each sent


def test_the_hub_hands_an_event_only_to_its_topics_streams_and_shares_one_batch() -> None:
    async def scenario() -> None:
        hub = Hub()
        a1 = await hub.subscribe(["queue:5", "staff:1"])
        a2 = await hub.subscribe(["queue:5", "staff:2"])
        other = await hub.subscribe(["queue:6", "staff:3"])
        company = await hub.subscribe(["queue:5"], [QUEUE_ALL, "queue:5"])  # overlapping: still once
        hub._dispatch(
            [_ev(101, "queue:5", "queue", {"order": 9}), _ev(102, "queue:5", "queue", {"order": 9})]
        )
        b1, b2, bc = a1.queue.get_nowait(), a2.queue.get_nowait(), company.queue.get_nowait()
        assert b1 is b2  # the same events: one batch object, one join of the frames
        # the followers of the whole queue get one summary naming the order, with the newest change's id
        assert [e.id for e in b1.events] == [102] and b1.frame == frame_of(102, "queue", {"orders": [9]})
        assert [e.id for e in bc.events] == [102] and bc.frame == b1.frame
        assert other.queue.empty() and company.queue.empty()
        hub.unsubscribe(a1)
        hub._dispatch([_ev(103, "queue:5", "queue", {"order": 1})])
        assert a1.queue.empty() and a2.queue.qsize() == 1
        assert "staff:1" not in hub._by_topic and hub.connections == 3
        for t in hub._tasks:
            t.cancel()
        hub.close_db()

    asyncio.run(scenario())


def test_a_queues_followers_get_one_summary_per_read_and_a_members_view_its_rows() -> None:
    """Team and escalation views (the whole queue) are sent one ``queue`` frame per read naming the orders
    that changed, placed by the newest change's id among the stream's other events; a "mine" view gets the
    rows naming its member as they are; past ``SUMMARY_ORDERS`` orders the summary says only "many"."""

    async def scenario() -> None:
        hub = Hub()
        team = await hub.subscribe(["queue:5", "staff:1"])
        mine = await hub.subscribe(["staff:2", "queue:5>assignee:2"])
        hub._dispatch(
            [
                Event.of(201, "queue:5", "queue", {"order": 9, "version": 3, "assignee": 4}),
                Event.of(202, "staff:1", "notification", {"unread": 3}),
                Event.of(203, "queue:5", "queue", {"order": 8, "version": 1, "assignee": 2}),
                Event.of(204, "queue:5", "queue", {"order": 9, "version": 4, "assignee": 4}),
                Event.of(205, "staff:1", "call", {"call": 1, "state": "ringing"}),
            ]
        )
        got = team.queue.get_nowait()
        assert [(e.id, e.event, e.data) for e in got.events] == [
            (202, "notification", {"unread": 3}),
            (204, "queue", {"orders": [9, 8]}),
            (205, "call", {"call": 1, "state": "ringing"}),
        ]
        assert got.frame.count(b"event: queue") == 1 and team.queue.empty()
        row = mine.queue.get_nowait()
        assert [(e.id, e.data["order"]) for e in row.events] == [(203, 8)]
        hub._dispatch(
            [Event.of(300 + i, "queue:5", "queue", {"order": i}) for i in range(SUMMARY_ORDERS + 1)]
        )
        assert [e.data for e in team.queue.get_nowait().events] == [{"many": True}]
        for t in hub._tasks:
            t.cancel()
        hub.close_db()

    asyncio.run(scenario())
