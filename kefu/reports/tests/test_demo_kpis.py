"""On the demo data set: its KPI sheets show no complaint rate above 1,000 ‰ and no
figure over a zero base, and the dashboard shows CSAT and NPS from its follow-ups and surveys."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from kefu.demo import load_demo
from kefu.lib import clock
from kefu.organization.models import Staff
from kefu.reports import kpis, queries, sheets
from kefu.reports.kpis import Dim, Kpi, Period
from kefu.surveys.models import SatisfactionRecord
from kefu.workorders.models import WorkOrder


@pytest.mark.django_db
def test_demo_kpis_are_truthful() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    sources = set(SatisfactionRecord.objects.values_list("source", flat=True))
    assert "followup" in sources and sources & {"survey_sms", "survey_email", "survey_portal"}
    assert SatisfactionRecord.objects.filter(nps__isnull=False).exists()
    assert WorkOrder.objects.filter(channel="counter", outlet__isnull=False).exists()
    today = clock.localdate()
    months = kpis.previous_months(Period(today.year, today.month), 6)
    answered = 0
    for m in months:
        scope = queries.Scope(m, None, live=True)
        for dim in Dim:
            for row in sheets.sheet(dim, scope).rows:
                for k, c in row.cells.items():
                    assert (c.value is None) == (c.ratio.den == 0), (m, dim, row.entity.name, k)
                    if k is Kpi.COMPLAINT_RATE and c.value is not None:
                        assert c.value <= 1000, (m, dim, row.entity.name, c.ratio)
        company = sheets.company(scope)
        answered += company[Kpi.CSAT].value is not None and company[Kpi.NPS].value is not None
    assert answered >= 3
    client = Client()
    client.force_login(Staff.objects.get(user__username="demo_admin").user)
    period = next(
        m
        for m in reversed(months)
        if sheets.company(queries.Scope(m, None, live=True))[Kpi.NPS].value is not None
    )
    html = client.get(
        reverse("console:reports_dashboard") + f"?period={period}", HTTP_ACCEPT_LANGUAGE="en"
    ).content
    text = html.decode()
    csat = sheets.company(queries.Scope(period, None, live=True))[Kpi.CSAT].text
    assert re.search(r"CSAT</t[dh]>\s*<td[^>]*>" + re.escape(csat), text) or f">{csat}<" in text
