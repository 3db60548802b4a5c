"""The live-event bus on the real database (SQLite, and PostgreSQL with DATABASE_URL): publish after commit
only, the per-process hub, Last-Event-ID replay, the topics a console may follow, the ASGI stream."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator

import pytest
from django.db import connection, transaction
from django.test import AsyncClient

from kefu import live
from kefu.console.views_live import topics_for
from kefu.live.hub import HUB
from kefu.live.models import LiveEvent
from kefu.live.stream import stream
from kefu.live.topics import QUEUE_ALL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_hub_connection():  # type: ignore[no-untyped-def]
    yield
    HUB.close_db()


def frames(raw: bytes) -> list[dict[str, str]]:
    """Parse SSE frames (test side; the server writes them with sse-starlette)."""
    out = []
    for block in raw.decode().replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":") and ":" in line:
                k, v = line.split(":", 1)
                fields[k] = v.lstrip(" ")
        if "event" in fields:
            out.append(fields)
    return out


async def collect(it: AsyncIterator[bytes], n: int, timeout: float = 5.0) -> list[dict[str, str]]:
    got: list[dict[str, str]] = []
    buf = b""

    async def run() -> None:
        nonlocal buf, got
        async for chunk in it:
            buf += chunk
            got = frames(buf)
            if len(got) >= n:
                return

    try:
        await asyncio.wait_for(run(), timeout)
    except TimeoutError:
        pass
    finally:
        await it.aclose()  # type: ignore[attr-defined]
    return got


def publish_in_thread(topic: str, event: str, data: dict, rollback: bool = False) -> None:
    def work() -> None:
        try:
            with transaction.atomic():
                live.publish(topic, event, data)
                if rollback:
                    raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        finally:
            connection.close()

    t = threading.Thread(target=work)
    t.start()
    t.join()


def test_publish_inside_a_rolled_back_transaction_leaves_no_event() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        live.publish("staff:7", "notification", {"unread": 3})
        raise RuntimeError("the change fails")
    assert LiveEvent.objects.count() == 0
    live.notify_staff(7, {"unread": 4})
    row = LiveEvent.objects.get()
    assert (row.topic, row.event, row.data) == ("staff:7", "notification", {"unread": 4})


def test_a_committed_event_reaches_the_subscribed_stream_and_a_rolled_back_one_never_does() -> None:
    async def scenario() -> list[dict[str, str]]:
        it = stream(["staff:1"])
        first = await it.__anext__()  # the retry hint: subscribed now
        assert b"retry: 3000" in first
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, publish_in_thread, "staff:1", "call", {"call": 1}, True)
        await loop.run_in_executor(None, publish_in_thread, "staff:2", "call", {"call": 2})
        await loop.run_in_executor(None, publish_in_thread, "staff:1", "call", {"call": 3})
        return await collect(it, 2, timeout=3.0)

    got = asyncio.run(scenario())
    assert [json.loads(f["data"]) for f in got] == [{"call": 3}]  # not the rolled-back one, not staff:2
    assert got[0]["event"] == "call"
    assert int(got[0]["id"]) == LiveEvent.objects.get(topic="staff:1").pk


def test_reconnect_with_last_event_id_replays_what_was_missed_on_its_topics_only() -> None:
    e1 = live.publish("queue:5", "queue", {"order": 1})
    live.publish("queue:6", "queue", {"order": 2})  # another branch
    e3 = live.publish("queue:5", "queue", {"order": 3})
    e4 = live.publish("staff:9", "notification", {"unread": 1})

    got = asyncio.run(collect(stream(["queue:5", "staff:9"], since=e1.pk), 2))
    assert [int(f["id"]) for f in got] == [e3.pk, e4.pk]
    assert [f["event"] for f in got] == ["queue", "notification"]
    # a company-level console follows every branch's queue by prefix
    got = asyncio.run(collect(stream([], [QUEUE_ALL], since=0), 1, timeout=1.0))
    assert got == []  # since=0: nothing replayed, only what comes
    got = asyncio.run(collect(stream([], [QUEUE_ALL], since=e1.pk - 1), 3))
    assert [json.loads(f["data"])["order"] for f in got] == [1, 2, 3]


def test_the_hub_reads_once_per_wake_up_for_all_streams() -> None:
    async def scenario() -> tuple[int, list[list[dict[str, str]]]]:
        its = [stream(["queue:1"]) for _ in range(50)]
        for it in its:
            await it.__anext__()
        before = HUB.fetches
        await asyncio.get_running_loop().run_in_executor(
            None, publish_in_thread, "queue:1", "queue", {"order": 9}
        )
        results = await asyncio.gather(*(collect(it, 1) for it in its))
        return HUB.fetches - before, results

    fetches, results = asyncio.run(scenario())
    assert all(len(r) == 1 and json.loads(r[0]["data"]) == {"orders": [9]} for r in results)
    assert fetches <= 3  # one per wake-up (plus at most a poll tick), not one per connection (50)


def test_a_console_follows_its_own_topics_and_only_orders_it_may_see(world) -> None:  # type: ignore[no-untyped-def]
    north = world.order(world.customer("张三", "13800138000"))
    south = world.order(world.customer("王五", "13700137000", branch=world.south))
    followed = topics_for(world.agent.user, north.number)
    assert followed is not None
    topics, prefixes = followed
    assert topics == [f"staff:{world.agent.pk}", f"queue:{world.north.pk}", f"order:{north.pk}"]
    assert prefixes == []
    followed = topics_for(world.agent.user, south.number)  # another branch's order: not followed
    assert followed is not None
    topics = followed[0]
    assert topics == [f"staff:{world.agent.pk}", f"queue:{world.north.pk}"]
    followed = topics_for(world.admin.user, south.number)
    assert followed is not None
    topics, prefixes = followed
    assert topics == [f"staff:{world.admin.pk}", f"order:{south.pk}"] and prefixes == [QUEUE_ALL]
    assert topics_for(world.customer("赵六", "13600136000").user, None) is None


def test_order_changes_are_announced_on_the_branch_queue_and_the_order(world) -> None:  # type: ignore[no-untyped-def]
    from kefu.workorders import actions

    o = world.order(world.customer("张三", "13800138000"))
    created = list(LiveEvent.objects.filter(topic=f"queue:{world.north.pk}"))
    assert [e.data["order"] for e in created] == [o.pk]
    newest = LiveEvent.objects.order_by("-id").first()
    assert newest is not None
    start = newest.pk
    actions.do_transfer(world.agent.user, o.number, to_staff_id=world.agent_senior.pk, reason="夜班交接")
    new = list(LiveEvent.objects.filter(id__gt=start).order_by("id"))
    assert {(e.topic, e.event) for e in new} == {
        (f"queue:{world.north.pk}", "queue"),
        (f"order:{o.pk}", "order"),
        (f"staff:{world.agent_senior.pk}", "notification"),  # the new assignee's bell (notifications)
    }
    assert all(e.data["assignee"] == world.agent_senior.pk for e in new if e.event != "notification")
    # a reply changes nothing a queue row shows: only the order's own open pages hear of it
    start = new[-1].pk
    actions.do_reply(world.agent_senior.user, o.number, "您好，师傅下午两点上门。", channel="sms")
    new = list(LiveEvent.objects.filter(id__gt=start).order_by("id"))
    assert [(e.topic, e.event) for e in new] == [(f"order:{o.pk}", "order")]


def test_the_stream_over_asgi_authorises_and_replays_after_last_event_id(world) -> None:  # type: ignore[no-untyped-def]
    e1 = live.notify_staff(world.agent.pk, {"unread": 1})
    e2 = live.notify_staff(world.agent.pk, {"unread": 2})
    live.notify_staff(world.agent_senior.pk, {"unread": 5})  # someone else's bell

    async def scenario() -> tuple[int, int, str, list[dict[str, str]]]:
        anon = await AsyncClient().get("/live/events/")
        c = AsyncClient()
        await c.aforce_login(world.agent.user)
        resp = await c.get("/live/events/", headers={"Last-Event-ID": str(e1.pk)})
        got = await collect(resp.streaming_content, 1)  # type: ignore[attr-defined]
        return anon.status_code, resp.status_code, resp["Content-Type"], got

    anon_status, status, ctype, got = asyncio.run(scenario())
    assert anon_status == 403
    assert (status, ctype) == (200, "text/event-stream")
    assert [(int(f["id"]), f["event"], json.loads(f["data"])) for f in got] == [
        (e2.pk, "notification", {"unread": 2})
    ]


def test_a_wsgi_server_answers_204_so_the_page_polls(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.agent.user)
    assert client.get("/live/events/").status_code == 204
