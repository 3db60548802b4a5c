"""Topic names (pure)."""

from __future__ import annotations

from typing import Any


def staff_topic(staff_id: int) -> str:
    """One staff member's own events: the bell, the call pop-up."""
    return f"staff:{staff_id}"


def queue_topic(branch_id: int | None) -> str:
    """A branch's queue rows changed (``queue:company`` for orders of no branch)."""
    return f"queue:{branch_id if branch_id is not None else 'company'}"


QUEUE_ALL = "queue:"  # the prefix a company-level member subscribes to: every branch's queue


def order_topic(order_id: int) -> str:
    """One order changed, or someone else opened it (the presence notice)."""
    return f"order:{order_id}"


# events where only the newest of a burst matters, and what makes two of them "the same"
_COALESCE_BY_ORDER = frozenset(("queue", "order"))


def coalesce_key(topic: str, event: str, data: dict[str, Any]) -> tuple[Any, ...] | None:
    """Two events of one read with the same key: only the later one is sent (``hub.coalesced``). A queue row
    and an order page show the order's newest version; the bell the newest unread count. Calls and presence
    are each sent."""
    if event in _COALESCE_BY_ORDER and "order" in data:
        return (topic, event, data["order"])
    if event == "notification":
        return (topic, event)
    return None
