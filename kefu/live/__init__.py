"""Live updates by server push (docs/adr/0006-live-updates.md).

Publishers call :func:`publish` (or :func:`notify_staff`) inside the transaction of their change; the open
console pages receive the event by Server-Sent Events after the commit. Foundation-level: imports no app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kefu.live.topics import order_topic, queue_topic, staff_topic

if TYPE_CHECKING:
    from kefu.live.models import LiveEvent


def publish(topic: str, event: str, data: dict[str, Any] | None = None) -> LiveEvent:
    """Announce ``event`` on ``topic`` once the current transaction commits (see :mod:`kefu.live.bus`)."""
    from kefu.live import bus

    return bus.publish(topic, event, data)


def publish_many(events: Sequence[tuple[str, str, dict[str, Any] | None]]) -> list[LiveEvent]:
    """Several events of one change, written (and on PostgreSQL notified) in one statement."""
    from kefu.live import bus

    return bus.publish_many(events)


def notify_staff(staff_id: int, data: dict[str, Any] | None = None) -> LiveEvent:
    """Event ``notification`` on the staff member's own topic; ``data["unread"]`` is shown in the bell
    (``[data-live-bell]``) of their open console pages."""
    return publish(staff_topic(staff_id), "notification", data)


__all__ = ["notify_staff", "order_topic", "publish", "publish_many", "queue_topic", "staff_topic"]
