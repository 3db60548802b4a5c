"""The demo gives tech1 four appointments today (branch time zone), shown in window order on /field/."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.demo import load_demo
from kefu.demo.organization import DEMO_PASSWORD
from kefu.fieldservice import field_sync
from kefu.fieldservice.models import Appointment
from kefu.organization.models import Staff
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_tech1_has_four_visits_today() -> None:
    load_demo(customers=40, orders=120)
    assert (
        WorkOrder.objects.exclude(appointments__campaign_visit__isnull=False).count() == 120
    )  # besides the campaign's orders: no orders of its own: the asked-for count stays
    tech = Staff.objects.get(user__username="tech1")
    todays = list(field_sync.today_appointments(tech))
    _day, start, end = field_sync.branch_day(tech)
    today_rows = Appointment.objects.filter(technician=tech, window_start__gte=start, window_start__lt=end)
    assert len(todays) == 4 == today_rows.count()  # the booking demo's visits of tech1 are on other days
    assert all(a.order.assignee_id == tech.pk and a.order.customer.address for a in todays)
    hours = [a.window_start.astimezone(field_sync.branch_day(tech)[1].tzinfo) for a in todays]
    assert hours == sorted(hours)
    c = Client()
    assert c.login(username="tech1", password=DEMO_PASSWORD)
    html = c.get("/field/").content.decode()
    positions = [html.index(f'data-key="a{a.pk}"') for a in todays]
    assert positions == sorted(positions)
