"""Saved queue views (docs/macros.md): personal and shared queue definitions — the queue tab, the filters,
the sort and the columns — listed in the queue's menu with their counts.

The counts are one ``COUNT`` per view, over the same indexed queries as the queue tabs
(``workorders.queries``), kept 60 seconds in the cache per view and person (one cache read for the whole
menu), so a page showing the menu costs two statements when the counts are fresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.customers.models import Channel
from kefu.lib import clock
from kefu.lib.errors import KefuError, NotFound, ValidationFailed, raise_if
from kefu.macros import rules
from kefu.macros.actions import _scope, staff_scope
from kefu.macros.models import SavedView, visible_to
from kefu.organization.access import Actor, areas_of, require_staff
from kefu.organization.models import Staff
from kefu.workorders import queries
from kefu.workorders.models import OrderTypeChoices, Priority, StatusChoices

COUNT_SECONDS = 60  # how long a view's count is reused (the queue page itself is always exact)
SORTS = {s for k in queries.QUEUE_SORTS for s in (k, "-" + k)}


def visible_views(staff: Staff) -> QuerySet[SavedView]:
    return SavedView.objects.filter(visible_to(*staff_scope(staff))).order_by("position", "name", "id")


def get_view(staff: Staff, view_id: int) -> SavedView:
    v = visible_views(staff).filter(pk=view_id).first()
    if v is None:
        raise NotFound("not_found", _("View not found."), "view")
    return v


def may_edit(staff: Staff, v: SavedView) -> bool:
    if v.owner_id is not None:
        return v.owner_id == staff.pk
    if not staff.can("queue.share"):
        return False
    return staff.sees_all_branches or (v.branch_id is not None and v.branch_id == staff.branch_id)


@dataclass
class ViewInput:
    name: str
    tab: str = "team"
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str = ""
    columns: list[str] | None = None  # None: every column
    shared: bool = False
    branch_id: int | None = None
    position: int = 100


_CHOICES = {
    "status": set(StatusChoices.values),
    "order_type": set(OrderTypeChoices.values),
    "priority": set(Priority.values),
    "channel": set(Channel.values),
}


def clean_filters(staff: Staff, raw: dict[str, Any]) -> dict[str, Any]:
    """The filters of a view, checked like the queue's filter form: known names and values only."""
    errors: list[KefuError] = []
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in rules.VIEW_FILTERS:
            errors.append(ValidationFailed("unknown_field", _("Unknown filter."), name))
            continue
        if value in (None, "", False):
            continue
        if name in _CHOICES:
            if str(value) not in _CHOICES[name]:
                errors.append(ValidationFailed("invalid_choice", _("Unknown value."), name))
            else:
                out[name] = str(value)
        elif name == "q":
            text = str(value).strip()
            if len(text) > 200:
                errors.append(ValidationFailed("too_long", _("At most 200 characters."), name))
            elif text:
                out[name] = text
        elif name == "overdue":
            out[name] = value in (True, "on", "true", "1", 1)
        elif name == "area":
            try:
                area_id = int(value)
            except (TypeError, ValueError):
                area_id = 0
            if not areas_of(staff).filter(pk=area_id).exists():
                errors.append(ValidationFailed("invalid_choice", _("Unknown service area."), name))
            else:
                out[name] = area_id
    raise_if(errors)
    return out


@transaction.atomic
def do_save_view(user: Actor, data: ViewInput, view_id: int | None = None) -> SavedView:
    """Create (``view_id`` None) or change a view; shared ones by supervisors (``queue.share``); audited."""
    staff = require_staff(user)
    owner, branch = _scope(staff, data.shared, data.branch_id)
    errors: list[KefuError] = []
    name = data.name.strip()
    if not name:
        errors.append(ValidationFailed("required", _("Give the view a name."), "name"))
    elif len(name) > 60:
        errors.append(ValidationFailed("too_long", _("At most 60 characters."), "name"))
    if data.tab not in rules.VIEW_TABS:
        errors.append(ValidationFailed("invalid_choice", _("Unknown queue."), "tab"))
    if data.sort and data.sort not in SORTS:
        errors.append(ValidationFailed("invalid_choice", _("Unknown sort order."), "sort"))
    columns = list(rules.VIEW_COLUMNS) if data.columns is None else list(dict.fromkeys(data.columns))
    if set(columns) - set(rules.VIEW_COLUMNS):
        errors.append(ValidationFailed("invalid_choice", _("Unknown column."), "columns"))
    try:
        filters = clean_filters(staff, data.filters)
    except KefuError as exc:
        errors.extend(getattr(exc, "errors", [exc]))
        filters = {}
    if (
        view_id is None
        and owner is not None
        and SavedView.objects.filter(owner=owner).count() >= rules.MAX_VIEWS
    ):
        errors.append(
            ValidationFailed(
                "too_many", _("At most %(n)s views per person.") % {"n": rules.MAX_VIEWS}, "name"
            )
        )
    raise_if(errors)
    now = clock.now()
    fields = ["name", "tab", "filters", "sort", "columns", "position", "owner", "branch"]
    if view_id is None:
        v = SavedView(created_by=staff, created_at=now)
        before: dict[str, Any] = {}
    else:
        found = SavedView.objects.select_for_update().filter(pk=view_id).first()
        if found is None or not may_edit(staff, found):
            raise NotFound("not_found", _("View not found."), "view")
        v = found
        before = audit.snapshot(v, fields)
    v.name, v.tab, v.filters, v.sort, v.columns = name, data.tab, filters, data.sort, columns
    v.position, v.owner, v.branch, v.updated_at = data.position, owner, branch, now
    v.save()
    audit.record(
        user, "view.update" if before else "view.create", v, before=before, after=audit.snapshot(v, fields)
    )
    return v


@transaction.atomic
def do_delete_view(user: Actor, view_id: int) -> None:
    staff = require_staff(user)
    v = SavedView.objects.select_for_update().filter(pk=view_id).first()
    if v is None or not may_edit(staff, v):
        raise NotFound("not_found", _("View not found."), "view")
    audit.record(user, "view.delete", v, before={"name": v.name, "shared": v.shared})
    v.delete()


def order_filter(v: SavedView) -> queries.OrderFilter:
    f = v.filters or {}
    return queries.OrderFilter(
        status=f.get("status", ""),
        order_type=f.get("order_type", ""),
        priority=f.get("priority", ""),
        channel=f.get("channel", ""),
        area_id=f.get("area"),
        overdue=True if f.get("overdue") else None,
        q=f.get("q", ""),
    )


def query_string(v: SavedView) -> str:
    """The queue URL's query string of the view (the queue page reads the filters from it as always)."""
    params: dict[str, Any] = {"view": v.pk, "tab": v.tab}
    for k, value in (v.filters or {}).items():
        params[k] = "on" if value is True else value
    if v.sort:
        params["sort"] = v.sort
    return urlencode(params)


def _key(v: SavedView, staff: Staff) -> str:
    return f"kefu:view-count:{v.pk}:{staff.pk}:{int(v.updated_at.timestamp() * 1_000_000)}"


def counts(user: Actor, staff: Staff, views: list[SavedView]) -> dict[int, int]:
    """The number of orders of each view for ``user`` (what the queue would list): cached counts in one
    cache read, one ``COUNT`` for each view not counted in the last ``COUNT_SECONDS``."""
    if not views:
        return {}
    keys = {v.pk: _key(v, staff) for v in views}
    cached = cache.get_many(list(keys.values()))
    out: dict[int, int] = {}
    fresh: dict[str, int] = {}
    tabs = None
    now = clock.now()
    for v in views:
        if keys[v.pk] in cached:
            out[v.pk] = int(cached[keys[v.pk]])
            continue
        if tabs is None:
            tabs = queries.queue_tabs(user, staff)
        qs = queries.filter_orders(tabs.get(v.tab, tabs["team"]), order_filter(v), now)
        out[v.pk] = fresh[keys[v.pk]] = qs.count()
    if fresh:
        cache.set_many(fresh, COUNT_SECONDS)
    return out


def menu(user: Actor, staff: Staff) -> list[dict[str, Any]]:
    """The views of the queue's menu: name, shared, query string, count."""
    views = list(visible_views(staff))
    n = counts(user, staff, views)
    return [
        {
            "view": v,
            "pk": v.pk,
            "name": v.name,
            "shared": v.shared,
            "query": query_string(v),
            "count": n[v.pk],
        }
        for v in views
    ]
