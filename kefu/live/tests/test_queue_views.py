"""Routing by the queue a console shows (``?queue=``): a "My queue" / "My responsibilities" page is sent only
the queue rows' events that concern its member, a team queue every one of its branch, a page without a
queue none; the same for the live fan-out (the hub's index) and for the replay after ``Last-Event-ID``; on
the real database (SQLite, and PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.test import AsyncClient

from kefu import live
from kefu.console.views_live import subscription_for
from kefu.live.hub import HUB, Event, Hub
from kefu.live.models import LiveEvent
from kefu.live.stream import stream
from kefu.live.tests.test_live import collect
from kefu.live.topics import QUEUE_ALL, route_keys, view_subscription

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_hub_connection():  # type: ignore[no-untyped-def]
    yield
    HUB.close_db()


MINE_7 = {"order": 1, "version": 2, "assignee": 7, "owner": 3}  # assigned to 7
OWNED_BY_9 = {"order": 2, "version": 5, "assignee": 8, "owner": 9}  # 9 answers for it
AWAY_FROM_7 = {"order": 3, "version": 4, "assignee": 8, "was_assignee": 7, "owner": 3}  # 7 handed it over
OTHERS = {"order": 4, "version": 1, "assignee": 8, "owner": 3}


def test_a_queue_event_reaches_its_branch_queue_and_the_members_it_names() -> None:
    assert route_keys("queue:5", "queue", AWAY_FROM_7) == (
        "queue:5",
        "queue:5>assignee:8",
        "queue:*>assignee:8",
        "queue:5>assignee:7",
        "queue:*>assignee:7",
        "queue:5>owner:3",
        "queue:*>owner:3",
    )
    assert route_keys("staff:7", "notification", {"unread": 1}) == ("staff:7",)
    assert route_keys("order:3", "order", AWAY_FROM_7) == ("order:3",)  # the order page: its own topic
    assert route_keys("queue:5", "reset", {}) == ("queue:5",)


def test_a_view_narrows_what_the_member_may_follow_never_widens_it() -> None:
    branch: tuple[list[str], list[str]] = (["staff:7", "queue:5", "order:3"], [])
    assert view_subscription("team", 7, *branch) == branch
    assert view_subscription("escalated", 7, *branch) == branch  # rows the server cannot tell: all
    assert view_subscription("mine", 7, *branch) == (["staff:7", "order:3", "queue:5>assignee:7"], [])
    assert view_subscription("owned", 7, *branch) == (["staff:7", "order:3", "queue:5>owner:7"], [])
    assert view_subscription("none", 7, *branch) == (["staff:7", "order:3"], [])
    company: tuple[list[str], list[str]] = (["staff:1"], [QUEUE_ALL])
    assert view_subscription("mine", 1, *company) == (["staff:1", "queue:*>assignee:1"], [])
    assert view_subscription("team", 1, *company) == company


def _ev(i: int, topic: str, event: str, data: dict[str, Any]) -> Event:
    return Event.of(i, topic, event, data)


def test_the_hub_sends_a_mine_view_only_its_members_rows_and_a_team_view_all() -> None:
    async def scenario() -> dict[str, list[int]]:
        hub = Hub()
        allowed = ["staff:7", "queue:5"]
        subs = {
            "team": await hub.subscribe(*view_subscription("team", 7, allowed, [])),
            "mine 7": await hub.subscribe(*view_subscription("mine", 7, allowed, [])),
            "owned 9": await hub.subscribe(*view_subscription("owned", 9, ["staff:9", "queue:5"], [])),
            "none 7": await hub.subscribe(*view_subscription("none", 7, allowed, [])),
            "company mine 7": await hub.subscribe(*view_subscription("mine", 7, ["staff:7"], [QUEUE_ALL])),
            "other branch mine 7": await hub.subscribe(*view_subscription("mine", 7, ["queue:6"], [])),
        }
        hub._dispatch(
            [
                _ev(1, "queue:5", "queue", MINE_7),
                _ev(2, "queue:5", "queue", OWNED_BY_9),
                _ev(3, "queue:5", "queue", AWAY_FROM_7),
                _ev(4, "queue:5", "queue", OTHERS),
                _ev(5, "staff:7", "notification", {"unread": 1}),
            ]
        )
        got = {
            name: [e.id for e in sub.queue.get_nowait().events] if not sub.queue.empty() else []
            for name, sub in subs.items()
        }
        for t in hub._tasks:
            t.cancel()
        hub.close_db()
        return got

    assert asyncio.run(scenario()) == {
        "team": [4, 5],  # the whole queue: one summary of the four rows (the newest's id), then the bell
        "mine 7": [1, 3, 5],  # assigned to 7, and the row 7 handed over (it leaves 7's queue)
        "owned 9": [2],
        "none 7": [5],  # no queue on the page: only the bell
        "company mine 7": [1, 3, 5],
        "other branch mine 7": [],  # 7's key in a queue the stream does not follow
    }


def test_a_reconnecting_mine_view_replays_only_its_members_rows() -> None:
    e0 = live.notify_staff(7, {"unread": 1})  # seen before the connection dropped
    e1 = live.publish("queue:5", "queue", MINE_7)
    live.publish("queue:5", "queue", OTHERS)
    e3 = live.publish("queue:5", "queue", AWAY_FROM_7)
    live.publish("queue:6", "queue", {**MINE_7, "order": 6})  # another branch: not followed
    e5 = live.notify_staff(7, {"unread": 2})
    allowed = ["staff:7", "queue:5"]
    follow = view_subscription("mine", 7, allowed, [])
    got = asyncio.run(collect(stream(allowed, [], since=e0.pk, follow=follow), 3))
    assert [int(f["id"]) for f in got] == [e1.pk, e3.pk, e5.pk]
    team = asyncio.run(collect(stream(allowed, [], since=e0.pk), 4))
    assert len(team) == 4  # the team queue replays all four of its branch


def test_a_transfer_reaches_the_new_and_the_previous_assignees_my_queue_only(world) -> None:  # type: ignore[no-untyped-def]
    from kefu.workorders import actions

    o = world.order(world.customer("张三", "13800138000"))
    actions.do_transfer(world.agent.user, o.number, to_staff_id=world.technician.pk, reason="上门检修")

    async def open_stream(staff: Any, view: str) -> Any:
        c = AsyncClient()
        await c.aforce_login(staff.user)
        resp = await c.get(f"/live/events/?queue={view}")
        assert resp.status_code == 200
        it = resp.streaming_content  # type: ignore[attr-defined]
        await it.__anext__()  # the retry hint: subscribed now
        return it

    async def scenario() -> dict[str, list[dict[str, str]]]:
        streams = {
            "technician mine": await open_stream(world.technician, "mine"),
            "senior mine": await open_stream(world.agent_senior, "mine"),
            "agent mine": await open_stream(world.agent, "mine"),
            "agent team": await open_stream(world.agent, "team"),
            "agent on another page": await open_stream(world.agent, "none"),
        }

        def hand_over() -> None:
            actions.do_transfer(
                world.technician.user, o.number, to_staff_id=world.agent_senior.pk, reason="夜班交接"
            )

        await asyncio.get_running_loop().run_in_executor(None, publish_in_thread_call, hand_over)
        results = await asyncio.gather(*(collect(it, 2, timeout=3.0) for it in streams.values()))
        return dict(zip(streams, results, strict=True))

    got = asyncio.run(scenario())
    queue_events = {
        name: [json.loads(f["data"]) for f in fs if f["event"] == "queue"] for name, fs in got.items()
    }
    row = LiveEvent.objects.filter(topic=f"queue:{world.north.pk}", event="queue").order_by("-id").first()
    assert row is not None
    assert row.data["assignee"] == world.agent_senior.pk and row.data["was_assignee"] == world.technician.pk
    assert queue_events["technician mine"] == [row.data]  # the row leaves the technician's queue
    assert queue_events["senior mine"] == [row.data]  # and arrives in the senior agent's
    assert queue_events["agent team"] == [{"orders": [o.pk]}]  # the team queue: a summary of the read
    assert queue_events["agent mine"] == []  # assigned neither before nor after this hand-over
    assert queue_events["agent on another page"] == []


def publish_in_thread_call(func: Any) -> None:
    from django.db import connection

    try:
        func()
    finally:
        connection.close()


def test_the_console_asks_for_its_view_and_an_unknown_one_gets_the_whole_queue(world) -> None:  # type: ignore[no-untyped-def]
    me = world.agent
    mine = subscription_for(me.user, None, "mine")
    assert mine is not None
    assert mine[2] == ([f"staff:{me.pk}", f"queue:{world.north.pk}>assignee:{me.pk}"], [])
    assert mine[:2] == ([f"staff:{me.pk}", f"queue:{world.north.pk}"], [])  # what the replay may read
    odd = subscription_for(me.user, None, "everything-please")
    assert odd is not None and odd[2] == ([f"staff:{me.pk}", f"queue:{world.north.pk}"], [])
    assert subscription_for(world.customer("赵六", "13600136000").user, None, "mine") is None
