"""Publishing live events (synchronous side, called by the use cases).

``publish`` writes a :class:`LiveEvent` row inside the caller's transaction; on PostgreSQL it also queues a
``NOTIFY kefu_live`` in the same transaction (PostgreSQL delivers it only at commit); after commit it wakes
this process's hub directly (``transaction.on_commit``). A rolled-back change therefore announces nothing,
on either database."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max, Q

from kefu.lib import batch, clock
from kefu.live.models import LiveEvent

CHANNEL = "kefu_live"


def publish(topic: str, event: str, data: dict[str, Any] | None = None) -> LiveEvent:
    """Announce ``event`` on ``topic`` once the current transaction commits (at once in autocommit)."""
    return publish_many([(topic, event, data)])[0]


def publish_many(events: Sequence[tuple[str, str, dict[str, Any] | None]]) -> list[LiveEvent]:
    """Several ``(topic, event, data)`` of one change in one statement: on PostgreSQL the rows and the
    wake-up ``NOTIFY`` together (``WITH … INSERT … RETURNING`` then ``pg_notify``), on SQLite one
    multi-row INSERT. Inside ``kefu.lib.batch.deferred()`` they join the action's other writes (the
    ``NOTIFY`` too; the ids are set when the batch is written)."""
    now = clock.now()
    rows = [LiveEvent(topic=t, event=e, data=d or {}, created_at=now) for t, e, d in events]
    if not rows:
        return rows
    conn = connections[DEFAULT_DB_ALIAS]
    if batch.defer_insert(rows, notify=CHANNEL):
        pass
    elif conn.vendor == "postgresql":
        values = ", ".join(["(%s, %s, %s::jsonb, %s)"] * len(rows))
        params: list[Any] = []
        for r in rows:
            params += [r.topic, r.event, json.dumps(r.data), r.created_at]
        table = LiveEvent._meta.db_table
        with conn.cursor() as cur:
            cur.execute(
                f"WITH ev AS (INSERT INTO {table} (topic, event, data, created_at) VALUES {values} "  # noqa: S608
                "RETURNING id) SELECT id, pg_notify(%s, id::text) FROM ev ORDER BY id",
                [*params, CHANNEL],
            )
            for r, (pk, _void) in zip(rows, cur.fetchall(), strict=True):
                r.pk = pk
                r._state.adding = False
                r._state.db = DEFAULT_DB_ALIAS
    else:
        LiveEvent.objects.bulk_create(rows)
    from kefu.live.hub import HUB

    transaction.on_commit(HUB.wake_threadsafe)
    return rows


def latest_id() -> int:
    """The id of the newest event (0 when there is none): a page passes it to its stream as ``since``."""
    return LiveEvent.objects.aggregate(m=Max("id"))["m"] or 0


def _topic_filter(topics: Iterable[str], prefixes: Iterable[str]) -> Q:
    q = Q(topic__in=list(topics))
    for p in prefixes:
        q |= Q(topic__startswith=p)
    return q


def events_since(
    after_id: int, topics: Iterable[str], prefixes: Iterable[str] = (), limit: int = 500
) -> list[LiveEvent]:
    """The events after ``after_id`` on ``topics`` (or a topic starting with one of ``prefixes``), oldest
    first: the replay of a reconnecting stream (``Last-Event-ID``)."""
    return list(
        LiveEvent.objects.filter(_topic_filter(topics, prefixes), id__gt=after_id).order_by("id")[:limit]
    )


def fetch_new(after_id: int, gaps: Iterable[int], limit: int = 1000) -> list[LiveEvent]:
    """All events after ``after_id`` plus those among ``gaps`` (ids below it not seen yet: a transaction that
    took its id earlier may commit later), oldest first. The hub's one query per wake-up."""
    gap_ids = list(gaps)
    q = Q(id__gt=after_id)
    if gap_ids:
        q |= Q(id__in=gap_ids)
    return list(LiveEvent.objects.filter(q).order_by("id")[:limit])


def prune_before(cutoff: dt.datetime) -> int:
    deleted, _ = LiveEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
