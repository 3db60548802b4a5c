"""The demo data set includes FAQ articles (public, internal, English, one draft) and a roster."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from kefu.demo import load_demo
from kefu.knowledge import duty
from kefu.knowledge.models import Article, Shift
from kefu.lib import clock, search
from kefu.organization.models import Branch
from kefu.reports.staffing import Params, roster

pytestmark = pytest.mark.django_db


def test_demo_has_faq_and_roster() -> None:
    load_demo(customers=40, orders=120, stdout=io.StringIO())
    assert Article.objects.filter(published=True, audience="customers", language="zh-hans").count() == 5
    assert Article.objects.filter(language="en").count() == 2
    assert Article.objects.filter(published=False).count() == 1
    found = search.filter_queryset(Article.objects.filter(published=True), "退款")
    assert {a.title for a in found} == {"怎样申请退款？", "退款审批流程（内部）"}
    assert Shift.objects.filter(staff__role="agent").count() >= 12
    # a 24-hour technicians' duty roster: in every branch one technician is on duty now, by day and by
    # night (the emergency call-out dispatches to them), and it does not count as answering capacity
    now = clock.now()
    for branch in Branch.objects.all():
        for hours in (0, 12):
            assert len(duty.on_duty(branch, now + dt.timedelta(hours=hours))) == 1, (branch, hours)
    p = Params(
        start=clock.localdate() - dt.timedelta(days=7),
        end=clock.localdate() - dt.timedelta(days=1),
        weekday=None,
    )
    with_techs = roster(p, None)
    Shift.objects.filter(staff__role="technician").delete()
    assert roster(p, None) == with_techs
