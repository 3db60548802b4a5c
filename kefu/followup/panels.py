"""The follow-up card on the console order page (registered as a work-order ``OrderPanel``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from kefu.followup.models import FollowupAttempt, FollowupTask, SatisfactionLevel
from kefu.lib import clock
from kefu.lib.json_rows import JSONRows, instances
from kefu.organization.access import staff_of
from kefu.organization.models import Staff
from kefu.workorders.hooks import panel_rows
from kefu.workorders.models import WorkOrder

ROWS = "followup_task_rows"
RELATED: dict[str, Any] = {
    "assignee": (Staff, {}, ("name", "badge_no")),
    "satisfaction": (SatisfactionLevel, {}, ("label", "label_en", "code", "satisfied")),
}


def _tasks(order_id: Any) -> Any:
    return FollowupTask.objects.filter(workorder_id=order_id).order_by("created_at", "id")


def _attempt_count() -> Any:
    return Coalesce(
        Subquery(
            FollowupAttempt.objects.filter(task_id=OuterRef("pk"))
            .order_by()
            .values("task_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def order_panel_annotations() -> dict[str, Any]:
    """The order's follow-up tasks with how many attempts each has, read with the order
    (``hooks.OrderPanel.annotations``, ``kefu.lib.json_rows``)."""
    return {
        ROWS: JSONRows(
            _tasks(OuterRef("pk")), FollowupTask, RELATED, extra={"attempt_count": _attempt_count()}
        )
    }


def order_panel(request: HttpRequest, order: WorkOrder) -> dict[str, Any] | None:
    """The order's follow-up tasks and their results (nothing shown when it has none)."""
    staff = staff_of(request.user)
    if staff is None:
        return None
    rows = panel_rows(order, ROWS)
    tasks = (
        list(_tasks(order.pk).select_related(*RELATED).annotate(attempt_count=_attempt_count()))
        if rows is None
        else instances(FollowupTask, rows, RELATED, extra=("attempt_count",))
    )
    if not tasks:
        return None
    return {"tasks": tasks, "now": clock.now(), "can_record": staff.can("followup.record")}
