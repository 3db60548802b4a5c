"""One browser's event stream: replay after ``Last-Event-ID``, then the live events of its topics.

The wire format (``id:``/``event:``/``data:``/``retry:`` lines, comments as keep-alives) is written by
``sse-starlette``'s event class; this module only decides *what* is sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable

from django.conf import settings
from sse_starlette.event import ServerSentEvent

from kefu.live import bus
from kefu.live.hub import HUB, Batch, Event, Hub, frame_of

REPLAY_LIMIT = 500


def encode(ev: Event) -> bytes:
    return ev.frame or frame_of(ev.id, ev.event, ev.data)


def _fresh(batch: Batch, since: int, replayed: set[int]) -> bytes:
    """The batch's frames less the events this stream already sent (replayed after ``since``); the shared
    bytes as they are in the usual case."""
    if not replayed and batch.events and batch.events[0].id > since:
        return batch.frame
    return b"".join(encode(ev) for ev in batch.events if ev.id > since and ev.id not in replayed)


async def stream(
    topics: Iterable[str],
    prefixes: Iterable[str] = (),
    since: int = 0,
    follow: tuple[list[str], list[str]] | None = None,
) -> AsyncIterator[bytes]:
    """The bytes of a ``text/event-stream``: the events after ``since`` on ``topics`` (or topics starting
    with one of ``prefixes``), then each new one as it is committed, with a comment every
    ``KEFU_LIVE_KEEPALIVE_SECONDS``; it ends after ``KEFU_LIVE_MAX_SECONDS`` (the browser reconnects at
    once with ``Last-Event-ID``, and the topics are authorised again).

    ``follow``: the (keys, prefixes) actually subscribed to, a narrowing of ``topics``/``prefixes`` to the
    queue view of the page (``topics.view_subscription``); the replay reads the topics and keeps what the
    subscription wants, so a reconnection replays exactly what the open stream would have sent."""
    topics, prefixes = list(topics), list(prefixes)
    keys, key_prefixes = follow if follow is not None else (topics, prefixes)
    sub = await HUB.subscribe(keys, key_prefixes)
    try:
        yield ServerSentEvent(comment="kefu live", retry=int(settings.KEFU_LIVE_RETRY_MS)).encode()
        replayed: set[int] = set()
        if since > 0:
            rows = await HUB.run_in_db_thread(
                Hub._db, bus.events_since, since, topics, prefixes, REPLAY_LIMIT
            )
            if len(rows) >= REPLAY_LIMIT:  # too much missed: the page refreshes whatever it shows
                yield ServerSentEvent("{}", event="reset", id=str(rows[-1].pk)).encode()
            else:
                for r in rows:
                    replayed.add(r.pk)
                    ev = Event.of(r.pk, r.topic, r.event, r.data)
                    if sub.wants(ev):
                        yield encode(ev)
        deadline = time.monotonic() + float(settings.KEFU_LIVE_MAX_SECONDS)
        keepalive = float(settings.KEFU_LIVE_KEEPALIVE_SECONDS)
        while not sub.overflowed:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                async with asyncio.timeout(min(keepalive, left)):  # no task per wait (asyncio.wait_for)
                    batch = await sub.queue.get()
            except TimeoutError:
                yield ServerSentEvent(comment="keep-alive").encode()
                continue
            # what is queued meanwhile leaves with it: one write for a burst
            batches = [batch]
            while not sub.queue.empty():
                batches.append(sub.queue.get_nowait())
            chunk = b"".join(_fresh(b, since, replayed) for b in batches)
            if chunk:
                yield chunk
    finally:
        HUB.unsubscribe(sub)
