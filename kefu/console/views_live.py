"""The console's live-update stream (Server-Sent Events, docs/adr/0006-live-updates.md).

One ``EventSource`` per console page (kefu/static/kefu/live.js). The stream subscribes only to topics the
member may see: their own ``staff:<id>``, their branch's queue (every branch for company-level staff), and
the order of the page (``?order=``) if the order is visible to them. ``?queue=`` names the queue view of the
page (its tab, or "none"): a "mine"/"owned" view is sent only the queue rows' events that concern the member
(``topics.view_subscription``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.views.decorators.http import require_GET

from kefu.lib.errors import NotFound
from kefu.live import stream as live_stream
from kefu.live.topics import QUEUE_ALL, QUEUE_VIEWS, order_topic, queue_topic, staff_topic, view_subscription
from kefu.organization.access import staff_of
from kefu.workorders.access import access_workorder


def topics_for(user: Any, order_key: str | None) -> tuple[list[str], list[str]] | None:
    """(topics, topic prefixes) ``user`` may follow, or None when ``user`` is not active staff."""
    staff = staff_of(user)
    if staff is None:
        return None
    topics = [staff_topic(staff.pk)]
    prefixes: list[str] = []
    if staff.sees_all_branches:
        prefixes.append(QUEUE_ALL)
    else:
        topics.append(queue_topic(staff.branch_id))
    if order_key:
        # not visible: that order's events are not sent (and the answer does not tell)
        with contextlib.suppress(NotFound):
            topics.append(order_topic(access_workorder(user, order_key).pk))
    return topics, prefixes


def subscription_for(
    user: Any, order_key: str | None, view: str
) -> tuple[list[str], list[str], tuple[list[str], list[str]]] | None:
    """``topics_for`` and what the stream subscribes to for the page's queue view (an unknown view: the
    whole queue, as a page that names none)."""
    allowed = topics_for(user, order_key)
    staff = staff_of(user)
    if allowed is None or staff is None:
        return None
    topics, prefixes = allowed
    follow = view_subscription(view if view in QUEUE_VIEWS else "team", staff.pk, topics, prefixes)
    return topics, prefixes, follow


def _since(request: HttpRequest) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("since") or "0"
    return int(raw) if raw.isdecimal() else 0


async def _released(it: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The stream, after handing back the database connection the request's middleware and authorisation
    used (it runs on the request's own thread): an open stream holds no connection of the pool, whatever
    its length (the hub reads for all streams of the process)."""
    await sync_to_async(connections.close_all)()
    async for chunk in it:
        yield chunk


@require_GET
async def live_events(request: HttpRequest) -> HttpResponseBase:
    if not isinstance(request, ASGIRequest):
        # a WSGI server cannot hold thousands of open streams: 204 tells EventSource to stop, the page
        # falls back to polling
        return HttpResponse(status=204)
    user = await request.auser()
    allowed = await sync_to_async(subscription_for)(
        user, request.GET.get("order") or None, request.GET.get("queue", "team")
    )
    if allowed is None:
        return HttpResponse(status=403)
    topics, prefixes, follow = allowed
    response = StreamingHttpResponse(
        _released(live_stream.stream(topics, prefixes, _since(request), follow)),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer this response
    return response
