"""The follow-up card on the console order page (registered as a work-order ``OrderPanel``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from kefu.followup.models import FollowupTask
from kefu.lib import clock
from kefu.organization.access import staff_of
from kefu.workorders.hooks import panel_flag
from kefu.workorders.models import WorkOrder


def order_panel_annotations() -> dict[str, Any]:
    """Whether the order has follow-up tasks, read with the order (``hooks.OrderPanel.annotations``)."""
    return {"followup_has_tasks": Exists(FollowupTask.objects.filter(workorder_id=OuterRef("pk")))}


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    """The order's follow-up tasks and their results (nothing shown when it has none)."""
    staff = staff_of(request.user)
    if staff is None:
        return None
    if not panel_flag(order, "followup_has_tasks"):  # known with the order: nothing to show
        return None
    tasks = list(
        FollowupTask.objects.filter(workorder=order)
        .select_related("assignee", "satisfaction", "finished_by")
        .prefetch_related("attempts__by")
        .order_by("created_at", "id")
    )
    if not tasks:
        return None
    return {"tasks": tasks, "now": clock.now(), "can_record": staff.can("followup.record")}
