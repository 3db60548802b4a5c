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


# The queue a console page shows (the tab of ``#queue-body``; "none": a page without a queue). A queue event
# reaches a "mine" or "owned" view only when it concerns the member, so a technician looking at their own
# orders is not sent every title change of the branch; "team", "escalated" and an unknown view get every
# queue event of the branch (the page filters by the rows it shows).
QUEUE_VIEWS = ("mine", "owned", "team", "escalated", "none")
_VIEW_ROLE = {"mine": "assignee", "owned": "owner"}
# the fields of a queue event that name a member, and the view that follows them ("was_assignee": the
# previous assignee of a transfer, whose "mine" queue loses the row)
_ROLE_FIELDS = (("assignee", "assignee"), ("was_assignee", "assignee"), ("owner", "owner"))


def _role_key(queue: str, role: str, staff_id: Any) -> str:
    return f"{queue}>{role}:{staff_id}"


def route_keys(topic: str, event: str, data: dict[str, Any]) -> tuple[str, ...]:
    """The subscription keys an event reaches: its topic, and for a queue row's event also the keys of the
    members it concerns in their branch's queue (``queue:5>assignee:7``) and in every branch's
    (``queue:*>assignee:7``, for company-level members). Computed once per event, not per connection."""
    if event != "queue" or not topic.startswith(QUEUE_ALL) or "order" not in data:
        return (topic,)
    keys = [topic]
    for name, role in _ROLE_FIELDS:
        staff_id = data.get(name)
        if staff_id is not None:
            keys += [_role_key(topic, role, staff_id), _role_key(QUEUE_ALL + "*", role, staff_id)]
    return tuple(dict.fromkeys(keys))


def view_subscription(
    view: str, staff_id: int, topics: list[str], prefixes: list[str]
) -> tuple[list[str], list[str]]:
    """The (keys, prefixes) a stream subscribes to, given the (topics, prefixes) its member may follow and
    the queue view of the page: for "mine"/"owned" the member's own keys in those queues instead of the
    queues; for "none" no queue; otherwise the queues themselves. Never more than ``topics``/``prefixes``
    allow (a key is always inside a followed queue)."""
    role = _VIEW_ROLE.get(view)
    if role is None and view != "none":
        return topics, prefixes
    keys = [t for t in topics if not t.startswith(QUEUE_ALL)]
    rest = [p for p in prefixes if p != QUEUE_ALL]
    if role is not None:
        keys += [_role_key(t, role, staff_id) for t in topics if t.startswith(QUEUE_ALL)]
        if QUEUE_ALL in prefixes:
            keys.append(_role_key(QUEUE_ALL + "*", role, staff_id))
    return keys, rest


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
