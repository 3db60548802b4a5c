"""The KPI rule of incidents (docs/kpis.md): the unit's times count the incident once (its first report);
satisfaction counts each reporter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.incidents import actions
from kefu.incidents.tests.helpers import make_incident, reporters
from kefu.lib import clock
from kefu.reports import queries
from kefu.reports.kpis import Dim, Kpi, Period

pytestmark = pytest.mark.django_db


def _scope() -> queries.Scope:
    today = clock.localdate()
    return queries.Scope(Period(today.year, today.month), None)


def test_answered_within_24h_counts_the_incident_once(world: Any) -> None:
    lone = reporters(world, 1, start=20)[0]
    inc = make_incident(world)
    orders = reporters(world, 5)
    base = queries.company_counts(Kpi.ANSWERED_24H, _scope())
    assert (base.num, base.den) == (0, 6)
    actions.do_attach(world.agent.user, inc.pk, [o.number for o in orders])
    r = queries.company_counts(Kpi.ANSWERED_24H, _scope())
    assert (r.num, r.den) == (0, 2)  # the lone order and the incident's first report
    actions.do_send_update(world.agent.user, inc.pk, "抢修中")  # answers every reporter
    r = queries.company_counts(Kpi.ANSWERED_24H, _scope())
    assert (r.num, r.den) == (1, 2)
    # the per-area sheet (the one-pass order flow) gives the same
    flow = queries.order_flow(Dim.AREA, _scope())[1]
    assert queries.total(flow).num == 1 and queries.total(flow).den == 2
    drill = queries.drill_rows(Kpi.ANSWERED_24H, Dim.AREA, world.area_n1.pk, _scope(), "den")
    assert {o.pk for o in drill} == {lone.pk, orders[0].pk}


def test_resolved_on_time_counts_the_incident_once(world: Any, settings: Any) -> None:
    settings.KEFU_INCIDENT_FOLLOWUP_SAMPLE = 1
    inc = make_incident(world)
    orders = reporters(world, 4)
    actions.do_attach(world.agent.user, inc.pk, [o.number for o in orders])
    actions.do_resolve(world.agent.user, inc.pk, "修复完成")
    r = queries.company_counts(Kpi.ON_TIME, _scope())
    assert r.den == 1 and r.num == 1


def test_satisfaction_counts_each_reporter(world: Any, settings: Any) -> None:
    """Every reporter's survey answer counts: the records are per answer, whether or not the order is a
    report of an incident."""
    from kefu.surveys.models import SatisfactionRecord

    settings.KEFU_INCIDENT_FOLLOWUP_SAMPLE = 0
    inc = make_incident(world)
    orders = reporters(world, 3)
    actions.do_attach(world.agent.user, inc.pk, [o.number for o in orders])
    actions.do_resolve(world.agent.user, inc.pk, "修复完成")
    now = clock.now()
    for i, o in enumerate(orders):
        SatisfactionRecord.objects.create(
            key=f"test:{o.pk}",
            source="survey",
            workorder=o,
            customer_id=o.customer_id,
            branch_id=o.branch_id,
            area_id=o.area_id,
            csat=5 - i,
            recorded_at=now - dt.timedelta(minutes=i),
        )
    r = queries.company_counts(Kpi.CSAT, _scope())
    assert (r.num, r.den) == (2, 3)
