"""The demo data set has send-backs (one repeated), a split and two customers' reports merged."""

from __future__ import annotations

import io

import pytest
from django.db.models import Count

from kefu.demo import load_demo
from kefu.workorders.models import OrderLink, SendBack, WorkOrder

pytestmark = pytest.mark.django_db


def test_demo_has_send_backs_split_and_cross_customer_merge() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    assert SendBack.objects.count() >= 2
    repeated = SendBack.objects.values("workorder_id").annotate(n=Count("pk")).filter(n__gte=2)
    assert repeated.count() == 1
    assert SendBack.objects.filter(rerouted_at__isnull=True).exists()
    assert OrderLink.objects.filter(kind="split").count() == 1
    dup = WorkOrder.objects.get(title="5号楼前路灯不亮")
    assert dup.merged_into is not None and dup.merged_into.customer_id != dup.customer_id
