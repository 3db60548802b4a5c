"""The staff request type and the ``@staff_view`` decorator every console page uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, overload

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

from kefu.lib.errors import NotFound
from kefu.organization.access import staff_of
from kefu.organization.models import Staff

View = Callable[..., HttpResponseBase]


class ConsoleRequest(HttpRequest):
    """What the middleware and :func:`staff_view` add to a console request (for type checking)."""

    htmx: HtmxDetails
    staff: Staff


def _staff_only(view: View, capabilities: tuple[str, ...]) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: ConsoleRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        staff = staff_of(request.user)
        if staff is None:
            raise Http404
        if capabilities and not any(staff.can(c) for c in capabilities):
            raise Http404
        request.staff = staff
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc

    return wrapper


@overload
def staff_view(view: View, /) -> View: ...


@overload
def staff_view(*capabilities: str) -> Callable[[View], View]: ...


def staff_view(*args: Any) -> Any:
    """Logged-in, active staff only; anyone else gets 404 (nothing to probe).

    ``@staff_view`` lets every staff member in; ``@staff_view("knowledge.edit")`` only staff holding
    that capability (``organization.rules.CAPABILITIES``), and ``@staff_view("a", "b")`` staff holding
    either. Staff without it get the same 404 as a stranger. A ``kefu.lib.errors.NotFound`` raised by the
    view becomes a 404 too.
    """
    if len(args) == 1 and callable(args[0]):
        return _staff_only(args[0], ())
    if not all(isinstance(c, str) and c for c in args):
        raise TypeError("staff_view takes a view or capability names")
    capabilities: tuple[str, ...] = tuple(args)

    def decorate(view: View) -> View:
        return _staff_only(view, capabilities)

    return decorate
