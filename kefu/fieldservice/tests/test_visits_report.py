"""Visits kept (docs/kpis.md): October 2026 in the north branch — 3 kept, 1 missed technician late, 1 customer
absent, 1 cancelled (not counted), 1 in November (not counted) → kept rate 3 ÷ 5 = 60.0 %."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kefu.fieldservice.models import Appointment
from kefu.reports import queries, visits
from kefu.reports.kpis import Period
from kefu.testing.clock import SH, sh

pytestmark = pytest.mark.django_db


def test_kept_rate_and_missed_by_cause(world, client) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    order = world.order(cust)
    plan = [
        (1, "done", ""),
        (2, "done", ""),
        (3, "done", ""),
        (4, "missed", "technician_late"),
        (5, "missed", "customer_absent"),
        (6, "cancelled", ""),
    ]
    for day, status, reason in plan:
        start = sh(2026, 10, day + 7, 8, 30)
        Appointment.objects.create(
            order=order,
            technician=world.technician,
            window_start=start,
            window_end=start + dt.timedelta(minutes=90),
            status=status,
            source="agent",
            missed_reason=reason,
        )
    start = sh(2026, 11, 2, 8, 30)
    Appointment.objects.create(
        order=order,
        technician=world.technician,
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        status="done",
        source="agent",
    )
    scope = queries.Scope(Period(2026, 10), None, SH)
    (row,) = visits.rows(scope, "branch")
    assert (row.kept, row.counted, row.kept_rate) == (3, 5, Decimal("60.0"))
    assert row.missed["technician_late"] == 1 and row.missed["customer_absent"] == 1
    (tech,) = visits.rows(scope, "technician")
    assert tech.key == world.technician.pk and tech.kept_rate == Decimal("60.0")
    assert visits.rows(queries.Scope(Period(2026, 10), (world.south.pk,), SH), "branch") == []
    client.force_login(world.supervisor.user)
    html = client.get("/reports/visits/?period=2026-10").content.decode()
    assert "60.0" in html and world.north.name in html
