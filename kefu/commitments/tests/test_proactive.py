"""Proactive service (R-17, R-18): planned maintenance announced ≥ 24 h ahead to the affected areas' customers
through the outbox, leaders' override, fee-expiry reminders once per expiry, care plans becoming orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.commitments import proactive
from kefu.commitments.models import CarePlan, PlannedMaintenance
from kefu.customers.actions import do_add_record
from kefu.customers.models import Subscription
from kefu.jobs.registry import JOBS
from kefu.lib.errors import KefuError
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 9, 9, 0, tzinfo=SH)


@pytest.fixture
def homes(world):  # type: ignore[no-untyped-def]
    return {
        "mail": world.customer(
            name="张三", phone="13800138000", email="zhang@example.com", address="和平里1号"
        ),
        "sms": world.customer(name="李四", phone="13900139000", address="安定路2号"),
        "other_area": world.customer(name="王五", phone="13700137000", address="北苑3号"),
        "south": world.customer(name="钱六", phone="13600136000", address="南湖乡", branch=world.south),
    }


def announce(world, user, starts, ends=None, **kw):  # type: ignore[no-untyped-def]
    args = {
        "branch_id": world.north.pk,
        "area_ids": [world.area_n1.pk],
        "title": "燃气管道检修",
        "description": "检修期间停气，请关闭阀门。",
        "starts_at": starts,
        "ends_at": ends or starts + dt.timedelta(hours=6),
        "now": NOW,
    }
    args.update(kw)
    return proactive.do_announce_maintenance(user, **args)


def test_announced_a_day_ahead_to_every_customer_of_the_areas(world, homes) -> None:  # type: ignore[no-untyped-def]
    m = announce(world, world.agent.user, dt.datetime(2026, 3, 10, 9, 0, tzinfo=SH))
    msgs = {o.customer_id: o for o in OutboxMessage.objects.all()}
    assert set(msgs) == {homes["mail"].pk, homes["sms"].pk}
    assert (msgs[homes["mail"].pk].channel, msgs[homes["mail"].pk].recipient) == (
        "email",
        "zhang@example.com",
    )
    assert (msgs[homes["sms"].pk].channel, msgs[homes["sms"].pk].recipient) == ("sms", "+8613900139000")
    body = msgs[homes["sms"].pk].body
    assert (
        "李四" in body and "和平里片区" in body and "2026-03-10 09:00" in body and "2026-03-10 15:00" in body
    )
    assert "96777" in body and "请关闭阀门" in body
    assert m.customers_notified == 2 and m.override_reason == ""
    assert AuditRecord.objects.filter(action="maintenance.announce", object_id=str(m.pk)).count() == 1


def test_less_than_24_hours_needs_a_leader_and_a_reason(world, homes) -> None:  # type: ignore[no-untyped-def]
    soon = dt.datetime(2026, 3, 10, 8, 59, tzinfo=SH)
    with pytest.raises(KefuError) as exc:
        announce(world, world.agent.user, soon)
    assert (exc.value.code, exc.value.field) == ("too_late", "starts_at")
    with pytest.raises(KefuError) as exc:
        announce(world, world.supervisor.user, soon)
    assert (exc.value.code, exc.value.field) == ("reason_required", "override_reason")
    assert not PlannedMaintenance.objects.exists() and not OutboxMessage.objects.exists()
    m = announce(world, world.supervisor.user, soon, override_reason="管道突发泄漏，必须次日抢修")
    assert m.override_reason == "管道突发泄漏，必须次日抢修" and OutboxMessage.objects.count() == 2


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": " "}, "title"),
        ({"description": ""}, "description"),
        ({"area_ids": []}, "areas"),
        ({"starts_at": dt.datetime(2026, 3, 9, 8, 0, tzinfo=SH)}, "starts_at"),
        ({"ends_at": dt.datetime(2026, 3, 12, 8, 0, tzinfo=SH)}, "ends_at"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(world, homes, kw, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KefuError) as exc:
        announce(world, world.agent.user, dt.datetime(2026, 3, 12, 9, 0, tzinfo=SH), **kw)
    fields = {e.field for e in getattr(exc.value, "errors", [exc.value])}
    assert field in fields
    assert not PlannedMaintenance.objects.exists() and not OutboxMessage.objects.exists()


def test_other_branch_areas_and_roles_without_the_right_are_refused(world, homes) -> None:  # type: ignore[no-untyped-def]
    later = dt.datetime(2026, 3, 12, 9, 0, tzinfo=SH)
    with pytest.raises(KefuError) as exc:
        announce(world, world.agent.user, later, area_ids=[world.area_s1.pk])
    assert exc.value.field == "areas"
    with pytest.raises(KefuError) as exc:
        announce(world, world.agent_south.user, later)
    assert exc.value.field == "branch"
    with pytest.raises(KefuError) as exc:
        announce(world, world.inspector.user, later)
    assert exc.value.status == 403
    assert not OutboxMessage.objects.exists()


def test_fee_reminders_once_per_expiry_and_not_for_renewed(world, homes) -> None:  # type: ignore[no-untyped-def]
    today = dt.date(2026, 11, 23)
    u = world.agent.user

    def sub(c, product, expiry, **kw):  # type: ignore[no-untyped-def]
        return do_add_record(
            u,
            c.pk,
            "subscription",
            {
                "product": product,
                "start_date": dt.date(2025, 1, 1),
                "expiry_date": expiry,
                "monthly_fee": Decimal("99"),
            },
        )

    soon = sub(homes["mail"], "宽带200M", dt.date(2026, 12, 3))
    sub(homes["sms"], "有线电视", dt.date(2027, 1, 30))  # outside the 15-day window
    renewed = sub(homes["other_area"], "燃气保险", dt.date(2026, 12, 1))
    Subscription.objects.create(
        customer=homes["other_area"],
        product="燃气保险",
        start_date=dt.date(2026, 12, 2),
        expiry_date=dt.date(2027, 12, 1),
        renewed_from=renewed,
        created_at=timezone.now(),
    )
    assert proactive.send_fee_reminders(today, 15) == 1
    assert proactive.send_fee_reminders(today, 15) == 0  # the daily job runs again: nothing new
    (msg,) = OutboxMessage.objects.all()
    assert msg.customer_id == homes["mail"].pk and msg.idempotency_key == f"fee-expiry:{soon.pk}:2026-12-03"
    assert "宽带200M" in msg.body and "2026-12-03" in msg.body
    # the customer renews by moving the expiry date: the new date gets its own reminder later
    Subscription.objects.filter(pk=soon.pk).update(expiry_date=dt.date(2027, 12, 3))
    # a year later: the moved expiry and the renewal subscription (expiring 2027-12-01) are both due
    assert proactive.send_fee_reminders(dt.date(2027, 11, 20), 15) == 2
    assert OutboxMessage.objects.filter(idempotency_key=f"fee-expiry:{soon.pk}:2027-12-03").exists()


def test_care_plan_becomes_an_order_once(world, homes) -> None:  # type: ignore[no-untyped-def]
    world.area_n1.responsible.add(world.agent_senior)
    plan = CarePlan.objects.create(
        customer=homes["mail"],
        service=world.service_fault,
        title="年度燃气安全检查",
        every_months=12,
        next_due=dt.date(2026, 11, 20),
    )
    assert proactive.run_care_plans(dt.date(2026, 11, 23)) == 1
    assert proactive.run_care_plans(dt.date(2026, 11, 23)) == 0
    (order,) = WorkOrder.objects.filter(customer=homes["mail"])
    plan.refresh_from_db()
    assert plan.next_due == dt.date(2027, 11, 20) and plan.last_order == order
    assert (order.title, order.channel, order.owner) == ("年度燃气安全检查", "visit", world.agent_senior)
    assert "2026-11-20" in order.description
    CarePlan.objects.create(
        customer=homes["sms"],
        service=world.service_fault,
        title="季度回访",
        every_months=3,
        next_due=dt.date(2026, 12, 1),
    )
    assert proactive.run_care_plans(dt.date(2026, 11, 23)) == 0  # not due yet


def test_jobs_are_registered() -> None:
    from kefu.jobs import runner

    runner.load_job_modules()  # what `kefu worker` does at start: finds kefu/commitments/jobs.py
    assert {"commitments.fee_reminders", "commitments.care_plans"} <= set(JOBS)


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def test_console_page(world, homes) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    page = c.get("/maintenance/")
    assert page.status_code == 200 and 'id="maintenance-form"' in page.content.decode()
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=2), SH).replace(second=0, microsecond=0)
    data = {
        "branch": world.north.pk,
        "areas": [world.area_n1.pk],
        "title": "燃气管道检修",
        "description": "检修期间停气",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
    }
    resp = c.post("/maintenance/", data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    m = PlannedMaintenance.objects.get()
    assert m.starts_at == starts and m.customers_notified == 2
    assert "燃气管道检修" in c.get("/maintenance/").content.decode()
    # tomorrow morning from an agent: refused next to the start field
    soon = timezone.localtime(timezone.now() + dt.timedelta(hours=3), SH)
    resp = c.post("/maintenance/", {**data, "starts_at": soon.strftime("%Y-%m-%dT%H:%M")})
    assert resp.status_code == 400 and 'data-testid="error-maint-starts_at"' in resp.content.decode()
    # an inspector sees the list but no form
    page = client_for(world.inspector).get("/maintenance/")
    assert page.status_code == 200 and 'id="maintenance-form"' not in page.content.decode()


def test_fee_reminder_by_sms_uses_the_registered_template(world, homes) -> None:  # type: ignore[no-untyped-def]
    from kefu.channels.models import SmsTemplate

    SmsTemplate.objects.create(
        code="fee_reminder",
        language="zh-hans",
        text="{customer_name}您好，您的{product}将于{due}到期，请及时续费。咨询{hotline}",
        signature="【城市燃气】",
        provider_template_id="SMS_778899",
    )
    do_add_record(
        world.agent.user,
        homes["sms"].pk,
        "subscription",
        {
            "product": "有线电视",
            "start_date": dt.date(2025, 1, 1),
            "expiry_date": dt.date(2026, 12, 1),
            "monthly_fee": Decimal("30"),
        },
    )
    assert proactive.send_fee_reminders(dt.date(2026, 11, 23), 15) == 1
    (msg,) = OutboxMessage.objects.all()
    assert msg.channel == "sms"
    name = homes["sms"].name
    assert msg.body.startswith(f"【城市燃气】{name}您好，您的有线电视将于2026-12-01到期")
    assert msg.template["id"] == "SMS_778899"
    assert msg.template["params"]["product"] == "有线电视" and msg.template["params"]["due"] == "2026-12-01"
