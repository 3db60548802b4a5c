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
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.http.request import split_domain_port
from django.utils.cache import patch_vary_headers
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


def cross_origin(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """`kefu serve` runs the streams on a second port (``KEFU_LIVE_BIND``): a page of the same host name on
    its own port opens the stream with credentials (``EventSource(url, {withCredentials: true})``). Only that
    origin — same scheme family and host name as this request, which ALLOWED_HOSTS has vetted — or
    ``KEFU_PUBLIC_URL`` may read the answer; any other site gets no CORS headers and so cannot read a
    signed-in member's stream."""
    origin = request.headers.get("Origin")
    if not origin:
        return response
    parts = urlsplit(origin)
    host, _port = split_domain_port(request.get_host())
    same_host = parts.scheme in ("http", "https") and (parts.hostname or "") == host.strip("[]")
    if same_host or origin == settings.KEFU_PUBLIC_URL:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
    patch_vary_headers(response, ["Origin"])
    return response


@require_GET
async def live_events(request: HttpRequest) -> HttpResponseBase:
    return cross_origin(request, await _live_events(request))


async def _live_events(request: HttpRequest) -> HttpResponseBase:
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
