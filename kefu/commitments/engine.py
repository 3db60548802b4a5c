"""The commitments engine the work-order core calls through ``kefu.workorders.hooks.commitments()``:
the order's clocks (``clocks.py``) and the service catalogue, registered in ``CommitmentsConfig.ready``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kefu.commitments import clocks, emergency
from kefu.commitments.models import ContactAttempt, Service
from kefu.organization import config_cache


class Engine:
    def prepare_new_order(self, order: Any, at: dt.datetime) -> None:
        clocks.prepare_new_order(order, at)

    def on_order_created(self, order: Any, at: dt.datetime) -> Any:
        return clocks.on_order_created(order, at)

    def on_order_changed(self, order: Any, at: dt.datetime) -> list[dict[str, Any]]:
        return clocks.on_order_changed(order, at)

    def on_status_change(self, order: Any, old: str, new: str, at: dt.datetime) -> list[dict[str, Any]]:
        return clocks.on_status_change(order, old, new, at)

    def on_first_reply(self, order: Any, at: dt.datetime) -> None:
        clocks.on_first_reply(order, at)

    def active_service(self, pk: int) -> Service | None:
        """An active service of the catalogue (a copy from the per-process cache)."""
        return config_cache.row(  # type: ignore[no-any-return]
            config_cache.COMMITMENTS,
            "services:active_by_pk",
            lambda: {s.pk: s for s in Service.objects.filter(is_active=True)},
            pk,
        )

    def is_emergency(self, service_id: int | None, text: str) -> bool:
        return emergency.match(service_id, text) is not None

    def on_contact_attempt(self, order: Any, staff: Any, method: str, at: dt.datetime, note: str) -> None:
        """A call-back that did not reach the customer is a contact attempt (R-14): the proof an
        unreachable report needs, without logging the call twice."""
        ContactAttempt.objects.create(
            workorder=order,
            method=method,
            at=at,
            staff=staff,
            note=" ".join(note.split())[:500],
            created_at=at,
        )
