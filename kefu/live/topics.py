"""Topic names (pure)."""

from __future__ import annotations


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
