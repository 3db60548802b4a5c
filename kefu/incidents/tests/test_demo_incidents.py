"""The demo data set includes one active incident with many reporters, an update sent to all of them."""

from __future__ import annotations

import io

import pytest

from kefu.demo import load_demo
from kefu.incidents.models import Incident, IncidentDelivery, IncidentOrder
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_demo_has_an_incident_with_many_reporters() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    assert (
        WorkOrder.objects.exclude(appointments__campaign_visit__isnull=False).count() == 120
    )  # besides the campaign's orders: the reports are part of the orders asked for
    inc = Incident.objects.get()
    assert inc.status == "active" and inc.public and inc.units.count() == 1
    reports = IncidentOrder.objects.filter(incident=inc).count()
    assert reports == 12 - 3  # 12 reports, three left for the suggestions
    # the update reached every reporter once (one delivery per customer)
    customers = IncidentOrder.objects.filter(incident=inc).values("workorder__customer").distinct().count()
    assert IncidentDelivery.objects.filter(message__incident=inc).count() == customers
    assert IncidentOrder.objects.filter(incident=inc, lead=True).count() == 1
