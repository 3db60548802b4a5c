"""The application ``kefu serve`` runs (gunicorn with uvicorn workers; docs/adr/0006-live-updates.md).

Two ways into Django, chosen by path:

- the console's event stream (``/live/events/``, an async view that holds its connection open) goes to
  Django's ASGI handler;
- every other request — the ordinary, synchronous pages, the API, static files — goes to Django's WSGI
  handler run on a fixed pool of threads by ``a2wsgi.WSGIMiddleware`` (``KEFU_WEB_THREADS`` per process,
  as the former gthread server had). A page then costs what it cost under the WSGI server: one hop to a
  long-lived thread that keeps its database connection, instead of Django's ASGI path (a new thread per
  request for the sync middleware and view, the body spooled, the signals adapted).

The router only looks at ``scope["path"]``; the HTTP protocol is uvicorn's, the WSGI bridge a2wsgi's."""

from __future__ import annotations

import os
import threading
from typing import Any

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

# the paths served by Django's ASGI handler (async views that hold the connection); kefu.console.urls
STREAM_PATHS = frozenset({"/live/events/"})

streams = get_asgi_application()
pages = WSGIMiddleware(
    get_wsgi_application(),  # type: ignore[arg-type]  # Django's handler returns an iterable response
    workers=int(os.environ.get("KEFU_WEB_THREADS", "4") or 4),
)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"] not in STREAM_PATHS:
        await pages(scope, receive, send)  # type: ignore[arg-type]
    else:
        await streams(scope, receive, send)


def close_page_connections() -> None:
    """Each thread of the page pool closes its database connections (a server run inside tests, before the
    test database is dropped)."""
    n = pages.executor._max_workers
    barrier = threading.Barrier(n)

    def close() -> None:
        barrier.wait(10)  # n tasks at once: one on each thread of the pool
        connections.close_all()

    for done in [pages.executor.submit(close) for _ in range(n)]:
        done.result(20)


if os.environ.get("KEFU_ASGI_PAGES", "") == "asgi":
    # every request through Django's ASGI handler, as before this router (bench/push_ab.py compares them)
    application = streams  # type: ignore[assignment]
