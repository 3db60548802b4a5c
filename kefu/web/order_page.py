"""The order page as an answer, for the feature apps whose panels post forms on it.

A panel's form (e.g. the complaint's cause) posts to its own app's view. On success that view
redirects to the order page; on an error it answers with the order page itself (status 400/409)
so the message appears in the panel next to the field. The page belongs to the console, which
is above the feature apps: it registers its renderer here in ``ConsoleConfig.ready()`` and the
feature app calls :func:`render_order_page` without importing the console.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse

from kefu.web.views import ConsoleRequest

# (request, order key, status) -> the order page, 404 if the user may not see the order
OrderPageRenderer = Callable[[ConsoleRequest, str, int], HttpResponse]

_registered: list[OrderPageRenderer] = []


def register_order_page(renderer: OrderPageRenderer) -> None:
    """Set the order page (the console does, once at start-up; a later call replaces it)."""
    _registered[:] = [renderer]


def render_order_page(request: ConsoleRequest, key: str, *, status: int = 200) -> HttpResponse:
    """The console's order page for order ``key`` (number or id) as the user sees it."""
    if not _registered:
        raise RuntimeError("no order page registered (is kefu.console installed?)")
    return _registered[0](request, key, status)
