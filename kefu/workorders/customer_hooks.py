"""What the work-order app tells the customer archive (registered in ``WorkordersConfig.ready``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from kefu.customers.hooks import OrderFacts
from kefu.customers.models import Customer
from kefu.workorders.models import TimelineEntry, WorkOrder
from kefu.workorders.rules import OPEN_STATUSES, OrderType


def order_facts(c: Customer, today: dt.date) -> OrderFacts:
    """The order counts of the tier and churn rules, in two queries."""
    year_ago = today - dt.timedelta(days=365)
    orders = WorkOrder.objects.filter(customer=c).aggregate(
        complaints=Count("id", filter=Q(order_type=OrderType.COMPLAINT, received_at__date__gte=year_ago)),
        open=Count("id", filter=Q(status__in=[s.value for s in OPEN_STATUSES])),
    )
    # orders reopened in the last 12 months (whatever their status now), from the status timeline
    reopened = (
        TimelineEntry.objects.filter(
            workorder__customer=c, kind="status", data__action="reopen", created_at__date__gte=year_ago
        )
        .values("workorder_id")
        .distinct()
        .count()
    )
    return OrderFacts(
        complaints_12m=orders["complaints"], open_orders=orders["open"], reopened_orders_12m=reopened
    )
