"""Follow-up data for the console customer page (the page fetched the customer through ``access_customer``;
the tag only reads that customer's plans and latest follow-ups)."""

from __future__ import annotations

from typing import Any

from django import template

from kefu.customers.models import Customer
from kefu.followup.models import FollowupPlan, FollowupTask

register = template.Library()


@register.simple_tag
def customer_followup(customer: Customer) -> dict[str, Any]:
    """The customer's follow-up plans (R-20) and last ten follow-ups (two queries)."""
    plans = list(
        FollowupPlan.objects.filter(customer=customer).select_related("assignee").order_by("next_visit")
    )
    tasks = list(
        FollowupTask.objects.filter(customer=customer)
        .exclude(status=FollowupTask.Status.CANCELLED)
        .select_related("workorder", "satisfaction", "assignee")
        .order_by("-created_at", "-id")[:10]
    )
    return {"plans": plans, "tasks": tasks}
