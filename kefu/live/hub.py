"""The per-process fan-out of live events to the open streams (asynchronous side).

One hub per server process. It keeps the subscriptions of the open streams in memory and reads new
:class:`LiveEvent` rows with **one** query per wake-up for the whole process (never one per connection):

- on PostgreSQL one ``LISTEN kefu_live`` connection (psycopg 3, async notifies) wakes it when any process
  commits an event; a slow safety poll (``KEFU_LIVE_SAFETY_POLL_SECONDS``) covers a lost listener;
- on SQLite (one process) it polls the table every ``KEFU_LIVE_POLL_MS``, and a commit in this process
  wakes it at once (``bus.publish`` → ``transaction.on_commit`` → :meth:`Hub.wake_threadsafe`).

The table is the source of truth on both; a notification only wakes. The reads run on one dedicated thread
(its own database connection)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections

from kefu.live.topics import QUEUE_ALL, coalesce_key, route_keys

log = logging.getLogger("kefu.live")

FETCH_LIMIT = 1000
GAP_SECONDS = 30.0  # how long an id skipped by a later commit is looked for again


@dataclass(frozen=True)
class Event:
    id: int
    topic: str
    event: str
    data: dict[str, Any]
    frame: bytes = b""  # the encoded SSE frame, made once for all the streams it goes to
    keys: tuple[str, ...] = ()  # the subscription keys it reaches (``topics.route_keys``), made once

    @classmethod
    def of(cls, ev_id: int, topic: str, event: str, data: dict[str, Any]) -> Event:
        """The event with its frame and keys: everything a stream needs, computed once per event."""
        return cls(ev_id, topic, event, data, frame_of(ev_id, event, data), route_keys(topic, event, data))

    def route(self) -> tuple[str, ...]:
        return self.keys or route_keys(self.topic, self.event, self.data)


def frame_of(ev_id: int, event: str, data: dict[str, Any]) -> bytes:
    from sse_starlette.event import JSONServerSentEvent

    return JSONServerSentEvent(data, event=event, id=str(ev_id)).encode()


@dataclass(frozen=True)
class Batch:
    """The events of one read of the table that go to one stream, and their frames joined: every stream
    with the same topics (all the consoles of a branch) shares one ``Batch`` object — and one write each."""

    events: tuple[Event, ...]
    frame: bytes


@dataclass(eq=False)
class Subscription:
    topics: frozenset[str]
    prefixes: tuple[str, ...] = ()
    queue: asyncio.Queue[Batch] = field(default_factory=lambda: asyncio.Queue(maxsize=256))
    overflowed: bool = False

    def wants(self, ev: Event) -> bool:
        """Whether ``ev`` is for this stream: one of its keys, or its topic under a prefix (the replay's
        filter; live events are routed by the hub's index)."""
        return not self.topics.isdisjoint(ev.route()) or any(ev.topic.startswith(p) for p in self.prefixes)

    def offer(self, batch: Batch) -> None:
        try:
            self.queue.put_nowait(batch)
        except asyncio.QueueFull:
            # a stream that does not read: it ends, the browser reconnects and replays from the table
            self.overflowed = True


SUMMARY_ORDERS = 50  # a summary names at most this many orders; more: ``{"many": true}`` (refresh)


def is_queue_row(ev: Event) -> bool:
    return ev.event == "queue" and ev.topic.startswith(QUEUE_ALL) and "order" in ev.data


def queue_summary(topic: str, changes: list[Event]) -> Event:
    """What the followers of a whole queue (its team and escalation views) are sent for the changes of one
    read: one ``queue`` frame naming the orders that changed (``{"orders": [...]}``, or ``{"many": true}``
    past ``SUMMARY_ORDERS``), with the id of the newest change so that ``Last-Event-ID`` resumes after it.
    The page refreshes its rows once (kefu/static/kefu/live.js); one frame of a few bytes per queue and
    moment, whatever the rate of change, made once for all the followers."""
    orders = list(dict.fromkeys(ev.data["order"] for ev in changes if "order" in ev.data))
    data: dict[str, Any] = {"orders": orders} if len(orders) <= SUMMARY_ORDERS else {"many": True}
    newest = max(changes, key=lambda e: e.id)
    return Event(newest.id, topic, "queue", data, frame_of(newest.id, "queue", data), (topic,))


def coalesced(events: list[Event]) -> list[Event]:
    """``events`` less those a later one of the same batch makes pointless to send (``topics.coalesce_key``:
    a queue row or an order page needs only the order's newest version, the bell only the newest count),
    in their order. A burst of changes to one order reaches each console as one event."""
    last: dict[tuple[Any, ...], int] = {}
    for i, ev in enumerate(events):
        key = coalesce_key(ev.topic, ev.event, ev.data)
        if key is not None:
            last[key] = i
    return [
        ev
        for i, ev in enumerate(events)
        if (key := coalesce_key(ev.topic, ev.event, ev.data)) is None or last[key] == i
    ]


def _conninfo() -> str:
    from psycopg.conninfo import make_conninfo

    if settings.KEFU_LIVE_LISTEN_URL:  # DATABASE_URL goes through a pooler that cannot LISTEN
        return str(settings.KEFU_LIVE_LISTEN_URL)

    s = connections[DEFAULT_DB_ALIAS].settings_dict
    keep = {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "options",
        "passfile",
        "service",
        "target_session_attrs",
    }
    extra = {k: v for k, v in (s.get("OPTIONS") or {}).items() if k in keep}
    params = {"dbname": s.get("NAME"), "user": s.get("USER"), "password": s.get("PASSWORD")}
    params |= {"host": s.get("HOST"), "port": str(s.get("PORT") or "")}
    return make_conninfo(**{k: v for k, v in params.items() if v}, **extra, application_name="kefu-live")


class Hub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._subs: set[Subscription] = set()
        # who follows what: an event goes only to the streams of its topic (and of a prefix of it)
        self._by_topic: dict[str, set[Subscription]] = {}
        self._by_prefix: dict[str, set[Subscription]] = {}
        self._executor: ThreadPoolExecutor | None = None
        self.last_id: int | None = None
        self._gaps: dict[int, float] = {}
        self.listening = False
        self.fetches = 0  # queries made by the hub (bench and tests: one per wake-up, not per connection)
        self.deliveries = 0  # batches handed to streams

    # -- the side of the streams ---------------------------------------------------------------------
    async def subscribe(self, topics: Iterable[str], prefixes: Iterable[str] = ()) -> Subscription:
        await self._ensure_started()
        if self.last_id is None:  # the reader rested while nobody listened: its cursor starts now
            from kefu.live import bus

            self.last_id = await self.run_in_db_thread(self._db, bus.latest_id)
        sub = Subscription(frozenset(topics), tuple(prefixes))
        self._subs.add(sub)
        for t in sub.topics:
            self._by_topic.setdefault(t, set()).add(sub)
        for p in sub.prefixes:
            self._by_prefix.setdefault(p, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub not in self._subs:
            return
        self._subs.discard(sub)
        for index, keys in ((self._by_topic, sub.topics), (self._by_prefix, sub.prefixes)):
            for k in keys:
                subs = index.get(k)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del index[k]

    @property
    def connections(self) -> int:
        return len(self._subs)

    def wake_threadsafe(self) -> None:
        """Called after a commit in this process (any thread): read the table now instead of at the next
        poll."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(wake.set)

    async def run_in_db_thread(self, func: Any, *args: Any) -> Any:
        assert self._executor is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    def close_db(self) -> None:
        """Close the reader thread's database connection (tests, before the test database is dropped)."""
        if self._executor is not None:
            self._executor.submit(connections.close_all).result(timeout=10)

    # -- the reader ----------------------------------------------------------------------------------
    async def _ensure_started(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop and self._tasks:
            if any(t.done() for t in self._tasks):  # a task died of an unexpected error: start it again
                log.error("live: hub task ended; restarting it")
                self._tasks = [
                    loop.create_task(self._reader() if i == 0 else self._listener()) if t.done() else t
                    for i, t in enumerate(self._tasks)
                ]
            return
        # first use in this process, or a new event loop (tests): start afresh
        for t in self._tasks:
            t.cancel()
        self._loop, self._wake, self._subs, self._gaps = loop, asyncio.Event(), set(), {}
        self._by_topic, self._by_prefix = {}, {}
        self.last_id = None
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-live")
        self._tasks = [loop.create_task(self._reader())]
        if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
            self._tasks.append(loop.create_task(self._listener()))

    @staticmethod
    def _db(func: Any, *args: Any) -> Any:
        close_old_connections()  # a connection broken meanwhile is replaced
        try:
            return func(*args)
        except Exception:
            connections[DEFAULT_DB_ALIAS].close()
            raise

    def _interval(self) -> float:
        if self.listening:
            return float(settings.KEFU_LIVE_SAFETY_POLL_SECONDS)
        return settings.KEFU_LIVE_POLL_MS / 1000

    async def _reader(self) -> None:
        from kefu.live import bus

        assert self._wake is not None and self._executor is not None
        loop = asyncio.get_running_loop()
        while True:
            woken = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval()):
                    await self._wake.wait()
                    woken = True
            if woken and self._subs and settings.KEFU_LIVE_COALESCE_MS > 0:
                # a burst of commits (a transfer touches the order, the queue and a bell; a busy branch
                # many orders) is read with one query and reaches each console as one write
                await asyncio.sleep(settings.KEFU_LIVE_COALESCE_MS / 1000)
            self._wake.clear()
            if not self._subs:
                # nobody listens: no query; the next subscriber sets the cursor and replays from its ``since``
                self.last_id, self._gaps = None, {}
                continue
            try:
                self.fetches += 1
                rows = await loop.run_in_executor(
                    self._executor, self._db, bus.fetch_new, self.last_id or 0, list(self._gaps), FETCH_LIMIT
                )
            except Exception:
                log.exception("live: reading new events failed")
                await asyncio.sleep(1)
                continue
            self._dispatch([Event.of(r.pk, r.topic, r.event, r.data) for r in rows])
            if len(rows) >= FETCH_LIMIT:
                self._wake.set()  # more are waiting

    def _dispatch(self, events: list[Event]) -> None:
        now = time.monotonic()
        last = self.last_id or 0
        per_sub: dict[Subscription, list[Event]] = {}
        # a whole queue's changes of this read, by queue: its followers (team and escalation views) get one
        # summary frame naming the orders, not one frame per change (``queue_summary``)
        queue_changes: dict[str, list[Event]] = {}
        for ev in events:
            self._gaps.pop(ev.id, None)
            if ev.id > last:
                self._gaps.update(dict.fromkeys(range(last + 1, ev.id), now))
                last = ev.id
            keys = ev.route()
            if is_queue_row(ev):  # a queue row: summarised for the followers of the whole queue
                queue_changes.setdefault(ev.topic, []).append(ev)
            else:
                self._deliver(per_sub, ev, self._by_topic.get(keys[0], ()), ev.topic)
            for key in keys[1:]:  # a queue row's event: also the "mine"/"owned" views of the members it names
                for sub in self._by_topic.get(key, ()):
                    got = per_sub.setdefault(sub, [])
                    if not got or got[-1] is not ev:  # not twice (assignee and owner, or two keys)
                        got.append(ev)
        for topic, changes in queue_changes.items():
            summary = queue_summary(topic, changes)
            self._deliver(per_sub, summary, self._by_topic.get(topic, ()), topic)
        # streams that get the same events share one batch (one coalescing, one join of the frames)
        shared: dict[tuple[int, ...], Batch] = {}
        for sub, evs in per_sub.items():
            if queue_changes and len(evs) > 1:
                evs.sort(key=lambda e: e.id)  # a summary takes the place of its newest change
            ids = tuple(map(id, evs))  # the objects: a summary has the id of one of its changes
            batch = shared.get(ids)
            if batch is None:
                kept = tuple(coalesced(evs))
                batch = shared[ids] = Batch(kept, b"".join(e.frame for e in kept))
            sub.offer(batch)
        self.deliveries += len(per_sub)
        self.last_id = last
        self._gaps = {i: t for i, t in self._gaps.items() if now - t < GAP_SECONDS}

    def _deliver(
        self, per_sub: dict[Subscription, list[Event]], ev: Event, subs: Iterable[Subscription], topic: str
    ) -> None:
        """``ev`` to the streams of its topic and to those of a prefix of ``topic``, once each."""
        for sub in subs:
            per_sub.setdefault(sub, []).append(ev)
        for prefix, psubs in self._by_prefix.items():
            if topic.startswith(prefix):
                for sub in psubs:
                    got = per_sub.setdefault(sub, [])
                    if not got or got[-1] is not ev:  # not twice (its topic, or two prefixes)
                        got.append(ev)

    async def _listener(self) -> None:
        import psycopg

        assert self._wake is not None
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(_conninfo(), autocommit=True) as conn:
                    await conn.execute(f"LISTEN {_channel()}")
                    self.listening = True
                    self._wake.set()  # catch up with what was committed while not listening
                    async for _n in conn.notifies():
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live: LISTEN connection lost; polling until it is back")
            finally:
                self.listening = False
            await asyncio.sleep(2)


def _channel() -> str:
    from kefu.live.bus import CHANNEL

    return CHANNEL


HUB = Hub()
