"""The versioned JSON body of a webhook event (schema ``kefu.webhook/1``, docs/webhooks.md): fixed when the
event happens, so a late or replayed delivery tells what was true then."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.urls import reverse

from kefu.automation import rules
from kefu.automation.registry import Context
from kefu.lib import links


def _ref(obj: Any, *, name: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(getattr(obj, name))}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def order_data(o: Any) -> dict[str, Any]:
    """The order as a receiver sees it: its own fields, no personal data of the customer (only the id)."""
    return {
        "id": o.pk,
        "number": o.number,
        "url": links.absolute(reverse("console:order_detail", kwargs={"key": o.number})),
        "title": o.title,
        "status": o.status,
        "priority": o.priority,
        "order_type": o.order_type,
        "channel": o.channel,
        "branch": _ref(o.branch),
        "area": _ref(o.area),
        "service": _ref(o.service),
        "owner": _ref(o.owner),
        "assignee": _ref(o.assignee),
        "department": _ref(o.department),
        "customer_id": o.customer_id,
        "escalated": o.escalated,
        "created_at": _iso(o.created_at),
        "updated_at": _iso(o.updated_at),
        "due_at": _iso(o.due_at),
        "resolved_at": _iso(o.resolved_at),
        "closed_at": _iso(o.closed_at),
        "version": o.version,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def build(ctx: Context) -> dict[str, Any]:
    """``{"schema", "id", "type", "occurred_at", "data": {"order": …, <the event's details>}}``."""
    if ctx.payload is None:
        data: dict[str, Any] = {"order": order_data(ctx.order)}
        if ctx.changes:
            data["changes"] = {
                k: {"from": _jsonable(b), "to": _jsonable(a)} for k, (b, a) in ctx.changes.items()
            }
        data.update(_jsonable(ctx.data))
        data["actor_id"] = ctx.actor_id
        ctx.payload = {
            "schema": rules.SCHEMA,
            "id": ctx.event_id,
            "type": rules.event_type(ctx.event),
            "occurred_at": _iso(ctx.at),
            "data": data,
        }
    return ctx.payload


def encode(payload: dict[str, Any]) -> str:
    """The exact text that is signed and sent (compact, UTF-8, keys in a fixed order)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
