"""The health of every channel for administrators, so that a silent channel is noticed: what came in
last, what failed, and what waits in the outbox. A fixed number of aggregate queries, whatever the volume."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kefu.channels.models import OutboxChannel, OutboxMessage, OutboxStatus
from kefu.channels.models.endpoints import ChannelEndpoint, EndpointKind
from kefu.channels.models.gateways import CallbackTask, GatewayMessage
from kefu.channels.models.mail import DeadLetter, InboundMessage, Mailbox
from kefu.lib import clock, transient

# a mailbox not fetched for this long (while active) is reported stale: the worker may be down
STALE_FETCH = dt.timedelta(minutes=10)
# an outbox message waiting this long is reported late
LATE_QUEUE = dt.timedelta(minutes=15)


@dataclass
class EndpointHealth:
    kind: str
    kind_label: str
    name: str
    branch: str
    active: bool
    last_in: dt.datetime | None
    last_out: dt.datetime | None
    recent: int  # messages in the last 24 hours
    waiting: int  # mail: open dead letters; phone: open call-backs of the branch
    last_error: str
    last_error_at: dt.datetime | None
    state: str  # ok / warning / error / off


@dataclass
class QueueHealth:
    channel: str
    label: str
    waiting: int  # queued or failed and retrying
    retrying: int
    dead: int
    oldest: dt.datetime | None
    last_sent: dt.datetime | None
    last_error: str
    state: str


def _state(active: bool, error_at: dt.datetime | None, last_ok: dt.datetime | None) -> str:
    if not active:
        return "off"
    if error_at is not None and (last_ok is None or error_at >= last_ok):
        return "error"
    return "ok"


def _count(rows: QuerySet[Any], parent: str) -> Coalesce:
    """The number of ``rows`` of each outer row (``parent`` names the foreign key to it), as a correlated
    subquery: counting two relations through joins would multiply their rows (dead letters × messages)."""
    counted = rows.filter(**{parent: OuterRef("pk")}).order_by().values(parent).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def mailboxes(now: dt.datetime, branch_id: int | None = None) -> list[EndpointHealth]:
    since = now - dt.timedelta(hours=24)
    qs = Mailbox.objects.select_related("branch").annotate(
        open_dead=_count(DeadLetter.objects.filter(resolved=False), "mailbox"),
        recent=_count(InboundMessage.objects.filter(received_at__gte=since), "mailbox"),
    )
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
    rows = []
    for m in qs.order_by("branch__code", "address"):
        state = _state(m.active, m.last_error_at, m.last_fetch_at)
        if state == "ok" and m.imap_host and (m.last_fetch_at is None or now - m.last_fetch_at > STALE_FETCH):
            state = "warning"
        if state == "ok" and m.open_dead:
            state = "warning"
        rows.append(
            EndpointHealth(
                kind="email",
                kind_label=_("e-mail"),
                name=m.address,
                branch=m.branch.name,
                active=m.active,
                last_in=m.last_fetch_at,
                last_out=None,
                recent=m.recent,
                waiting=m.open_dead,
                last_error=m.last_error,
                last_error_at=m.last_error_at,
                state=state,
            )
        )
    return rows


def endpoints(now: dt.datetime, branch_id: int | None = None) -> list[EndpointHealth]:
    since = now - dt.timedelta(hours=24)
    qs = ChannelEndpoint.objects.select_related("branch").annotate(
        recent=_count(GatewayMessage.objects.filter(received_at__gte=since), "endpoint")
    )
    open_callbacks = CallbackTask.objects.filter(done_at__isnull=True)
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
        open_callbacks = open_callbacks.filter(branch_id=branch_id)
    callbacks = dict(open_callbacks.values("branch_id").annotate(n=Count("id")).values_list("branch_id", "n"))
    rows = []
    for e in qs.order_by("branch__code", "kind", "identifier"):
        last_ok = max((t for t in (e.last_inbound_at, e.last_outbound_at) if t), default=None)
        rows.append(
            EndpointHealth(
                kind=e.kind,
                kind_label=e.get_kind_display(),
                name=f"{e.name} ({e.identifier})" if e.name else e.identifier,
                branch=e.branch.name,
                active=e.active,
                last_in=e.last_inbound_at,
                last_out=e.last_outbound_at,
                recent=getattr(e, "recent", 0),
                waiting=callbacks.get(e.branch_id, 0) if e.kind == EndpointKind.PHONE else 0,
                last_error=e.last_error,
                last_error_at=e.last_error_at,
                state=_state(e.active, e.last_error_at, last_ok),
            )
        )
    return rows


def queues(now: dt.datetime) -> list[QueueHealth]:
    waiting = (OutboxStatus.QUEUED, OutboxStatus.FAILED, OutboxStatus.SENDING)
    stats = {
        r["channel"]: r
        for r in OutboxMessage.objects.values("channel").annotate(
            waiting=Count("id", filter=Q(status__in=waiting)),
            retrying=Count("id", filter=Q(status=OutboxStatus.FAILED)),
            dead=Count("id", filter=Q(status=OutboxStatus.DEAD)),
            oldest=Min("created_at", filter=Q(status__in=waiting)),
            last_sent=Max("sent_at"),
        )
    }
    errors: dict[str, str] = {}
    for channel, error in (
        OutboxMessage.objects.filter(status__in=(OutboxStatus.FAILED, OutboxStatus.DEAD))
        .exclude(last_error="")
        .order_by("channel", "-next_attempt_at", "-id")
        .values_list("channel", "last_error")[:50]
    ):
        errors.setdefault(channel, error)
    rows = []
    for value, label in OutboxChannel.choices:
        s: dict[str, Any] = dict(stats.get(value) or {})
        oldest = s.get("oldest")
        state = "ok"
        if s.get("dead"):
            state = "error"
        elif s.get("retrying") or (oldest is not None and now - oldest > LATE_QUEUE):
            state = "warning"
        rows.append(
            QueueHealth(
                channel=value,
                label=str(label),
                waiting=int(s.get("waiting") or 0),
                retrying=int(s.get("retrying") or 0),
                dead=int(s.get("dead") or 0),
                oldest=oldest,
                last_sent=s.get("last_sent"),
                last_error=errors.get(value, ""),
                state=state,
            )
        )
    return rows


def overview(branch_id: int | None = None) -> dict[str, Any]:
    """All endpoints and the outbox queues; with ``branch_id`` (a supervisor's view) that branch's
    endpoints only and no queues (the outbox is shared by all branches). ``storage_problem``: why
    attachments cannot be stored now ("" when they can) — uploads answer 503 and inbound e-mail waits."""
    now = clock.now()
    return {
        "now": now,
        "storage_problem": transient.media_problem(),
        "endpoints": mailboxes(now, branch_id) + endpoints(now, branch_id),
        "queues": queues(now) if branch_id is None else [],
    }
