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


def frame_of(ev_id: int, event: str, data: dict[str, Any]) -> bytes:
    from sse_starlette.event import JSONServerSentEvent

    return JSONServerSentEvent(data, event=event, id=str(ev_id)).encode()


@dataclass(eq=False)
class Subscription:
    topics: frozenset[str]
    prefixes: tuple[str, ...] = ()
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(maxsize=256))
    overflowed: bool = False

    def matches(self, topic: str) -> bool:
        return topic in self.topics or any(topic.startswith(p) for p in self.prefixes)

    def offer(self, ev: Event) -> None:
        try:
            self.queue.put_nowait(ev)
        except asyncio.QueueFull:
            # a stream that does not read: it ends, the browser reconnects and replays from the table
            self.overflowed = True


def _conninfo() -> str:
    from psycopg.conninfo import make_conninfo

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
        self._executor: ThreadPoolExecutor | None = None
        self.last_id: int | None = None
        self._gaps: dict[int, float] = {}
        self.listening = False
        self.fetches = 0  # queries made by the hub (bench and tests: one per wake-up, not per connection)

    # -- the side of the streams ---------------------------------------------------------------------
    async def subscribe(self, topics: Iterable[str], prefixes: Iterable[str] = ()) -> Subscription:
        await self._ensure_started()
        if self.last_id is None:  # the reader rested while nobody listened: its cursor starts now
            from kefu.live import bus

            self.last_id = await self.run_in_db_thread(self._db, bus.latest_id)
        sub = Subscription(frozenset(topics), tuple(prefixes))
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval())
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
            self._dispatch(
                [Event(r.pk, r.topic, r.event, r.data, frame_of(r.pk, r.event, r.data)) for r in rows]
            )
            if len(rows) >= FETCH_LIMIT:
                self._wake.set()  # more are waiting

    def _dispatch(self, events: list[Event]) -> None:
        now = time.monotonic()
        last = self.last_id or 0
        for ev in events:
            self._gaps.pop(ev.id, None)
            if ev.id > last:
                self._gaps.update(dict.fromkeys(range(last + 1, ev.id), now))
                last = ev.id
            for sub in list(self._subs):
                if sub.matches(ev.topic):
                    sub.offer(ev)
        self.last_id = last
        self._gaps = {i: t for i, t in self._gaps.items() if now - t < GAP_SECONDS}

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
