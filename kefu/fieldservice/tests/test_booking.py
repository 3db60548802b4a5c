"""Booking on the database path with concrete dates: the north branch's office calendar (China 2026: the
National Day holiday 1–7 October, the make-up Saturday 10 October), technician 孙师傅 contracting the
customer's area, 90-minute windows, a 30-minute travel buffer, a 2-hour lead time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.commitments.models import OrderClock
from kefu.fieldservice import booking
from kefu.fieldservice.models import Appointment, AppointmentSource, TechnicianShift
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.testing.clock import SH, freeze, sh
from kefu.testing.factories import make_portal_customer
from kefu.workorders import hooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch):  # type: ignore[no-untyped-def]
    return freeze(monkeypatch, sh(2026, 9, 30, 9, 0))  # Wednesday, the day before National Day


@pytest.fixture
def setup(world, now):  # type: ignore[no-untyped-def]
    world.area_n1.responsible.add(world.technician)
    customer = world.customer(address="和平里3号楼2单元501", area_id=world.area_n1.pk)
    order = world.order(customer, area_id=world.area_n1.pk)
    return world, customer, order


def starts(windows: list) -> list[str]:  # type: ignore[type-arg]
    return [w.start.astimezone(SH).strftime("%m-%d %H:%M") for w in windows]


def test_windows_skip_the_holiday_week_and_include_the_make_up_saturday(setup) -> None:  # type: ignore[no-untyped-def]
    world, _c, order = setup
    got = starts(booking.offer(order).windows)
    # today after the 2-hour lead time, then nothing 1–7 October, then Thursday 8, Friday 9, Saturday 10
    assert got[:4] == ["09-30 14:00", "09-30 16:00", "10-08 08:30", "10-08 10:30"]
    assert not [s for s in got if "10-01" <= s[:5] <= "10-07"]
    assert "10-10 08:30" in got  # the make-up working day
    assert "10-11 08:30" not in got  # an ordinary Sunday
    assert booking.offer(order).windows[0].technician_ids == (world.technician.pk,)


def test_an_existing_booking_takes_the_window_and_a_shift_limits_the_hours(setup) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    other = world.order(customer, title="燃气表更换")
    booking.do_book(booking.staff_who(world.agent.user), other.pk, sh(2026, 10, 8, 8, 30))
    got = starts(booking.offer(order).windows)
    assert "10-08 08:30" not in got and "10-08 10:30" in got
    # 孙师傅 now works Thursdays 13:00–17:00 only: on the 8th only 13:00 (15:00 would end 16:30, ok)
    TechnicianShift.objects.create(staff=world.technician, weekday=3, start=dt.time(13), end=dt.time(17))
    got = starts(booking.offer(order).windows)
    assert [s for s in got if s.startswith("10-08")] == ["10-08 13:00", "10-08 15:00"]
    assert not [s for s in got if s.startswith("10-09")]  # no Friday shift


def test_the_agent_books_a_window_the_customer_is_told_and_it_is_audited(setup) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    appt = booking.do_book(booking.staff_who(world.agent.user), order.number, sh(2026, 10, 8, 8, 30))
    assert (appt.status, appt.source, appt.technician_id) == (
        "booked",
        AppointmentSource.AGENT,
        world.technician.pk,
    )
    assert appt.window_end == sh(2026, 10, 8, 10, 0) and appt.booked_by_id == world.agent.pk
    msg = OutboxMessage.objects.get(idempotency_key=f"appt-confirm:{appt.pk}:0")
    assert msg.channel == "sms" and msg.recipient == customer.phone_e164
    assert (
        "2026-10-08 08:30–10:00" in msg.body
        and "孙师傅" in msg.body
        and world.technician.badge_no in msg.body
    )
    assert "/portal/visit/" in msg.body
    assert AuditRecord.objects.filter(action="appointment.book", workorder_id=order.pk).count() == 1
    # a second booking of the same order is refused; the window is gone for other orders
    with pytest.raises(ValidationFailed) as exc:
        booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 8, 10, 30))
    assert exc.value.code == "already_booked"
    other = world.order(customer, title="燃气表更换")
    with pytest.raises(ValidationFailed) as exc:
        booking.do_book(booking.staff_who(world.agent.user), other.pk, sh(2026, 10, 8, 8, 30))
    assert exc.value.code == "window_taken" and exc.value.field == "window"


def test_a_later_window_chosen_by_the_customer_pauses_the_limit_until_the_window(setup) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    clock = OrderClock.objects.get(workorder=order, kind="resolution")
    assert clock.due_at == sh(2026, 10, 1, 9, 0)  # 24 calendar hours from 30 September 09:00
    user = make_portal_customer(world, customer)
    appt = booking.do_book(booking.portal_who(user), order.number, sh(2026, 10, 9, 14, 0))
    assert appt.customer_requested_later and appt.status == "confirmed"
    assert (appt.paused_from, appt.paused_until) == (sh(2026, 9, 30, 14, 0), sh(2026, 10, 9, 14, 0))
    clock.refresh_from_db()
    # 5 hours ran before the earliest window offered (09:00–14:00); the other 19 run from 9 Oct 14:00
    assert clock.due_at == sh(2026, 10, 10, 9, 0)
    # moving it to the earliest window again removes the pause: back to 1 October 09:00
    booking.do_reschedule(booking.portal_who(user), appt.pk, sh(2026, 9, 30, 14, 0))
    clock.refresh_from_db()
    assert clock.due_at == sh(2026, 10, 1, 9, 0) and clock.pauses == []


def test_a_later_window_booked_by_the_agent_pauses_only_when_the_customer_asked(setup) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    appt = booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 9, 14, 0))
    assert not appt.customer_requested_later and appt.paused_from is None
    assert OrderClock.objects.get(workorder=order, kind="resolution").due_at == sh(2026, 10, 1, 9, 0)
    other = world.order(customer, title="燃气表更换")
    appt = booking.do_book(
        booking.staff_who(world.agent.user), other.pk, sh(2026, 10, 9, 16, 0), customer_asked=True
    )
    assert appt.customer_requested_later and appt.paused_until == sh(2026, 10, 9, 16, 0)
    # 30 Sep 09:00–14:00 ran (5 h), 19 h from 9 Oct 16:00: 10 Oct 11:00
    assert OrderClock.objects.get(workorder=other, kind="resolution").due_at == sh(2026, 10, 10, 11, 0)


def test_customer_changes_within_the_rules(setup, now) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    user = make_portal_customer(world, customer)
    who = booking.portal_who(user)
    appt = booking.do_book(who, order.pk, sh(2026, 10, 8, 8, 30))
    appt = booking.do_reschedule(who, appt.pk, sh(2026, 10, 8, 14, 0))
    appt = booking.do_reschedule(who, appt.pk, sh(2026, 10, 9, 8, 30))
    assert appt.reschedules == 2
    with pytest.raises(ValidationFailed) as exc:
        booking.do_reschedule(who, appt.pk, sh(2026, 10, 9, 14, 0))
    assert exc.value.code == "too_many_reschedules"
    # less than 24 hours before the window: no change online, staff still can
    now.set(sh(2026, 10, 8, 9, 0))
    with pytest.raises(ValidationFailed) as exc:
        booking.do_cancel(who, appt.pk)
    assert exc.value.code == "too_late" and "24" in str(exc.value.message)
    booking.do_cancel(booking.staff_who(world.agent.user), appt.pk)
    assert Appointment.objects.get(pk=appt.pk).status == "cancelled"
    assert OutboxMessage.objects.filter(idempotency_key=f"appt-cancel:{appt.pk}:0").exists()


def test_a_customer_cannot_touch_another_customers_appointment(setup) -> None:  # type: ignore[no-untyped-def]
    world, _c, order = setup
    appt = booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 8, 8, 30))
    stranger = make_portal_customer(world, world.customer(name="李四", phone="13900139000"), "stranger")
    with pytest.raises(NotFound):
        booking.do_cancel(booking.portal_who(stranger), appt.pk)
    with pytest.raises(NotFound):
        booking.do_book(booking.portal_who(stranger), order.pk, sh(2026, 10, 8, 10, 30))


def test_the_reminder_is_queued_once_the_evening_before(setup, now) -> None:  # type: ignore[no-untyped-def]
    world, _c, order = setup
    appt = booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 8, 8, 30))
    now.set(sh(2026, 10, 7, 17, 59))
    assert booking.send_reminders() == 0
    now.set(sh(2026, 10, 7, 18, 0))
    assert booking.send_reminders() == 1
    assert booking.send_reminders() == 0
    msg = OutboxMessage.objects.get(idempotency_key=f"appt-remind:{appt.pk}:0")
    assert "孙师傅" in msg.body and "2026-10-08 08:30" in msg.body


def test_no_arrival_by_the_window_end_plus_tolerance_is_a_missed_visit_technician_late(setup, now) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    late = booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 8, 8, 30))
    other = world.order(customer, title="燃气表更换")
    arrived = booking.do_book(booking.staff_who(world.agent.user), other.pk, sh(2026, 10, 8, 10, 30))
    now.set(sh(2026, 10, 8, 10, 30))  # window end 10:00 + 30 minutes: not yet
    assert booking.sweep_late() == 0
    assert booking.mark_arrived(arrived.pk, sh(2026, 10, 8, 11, 50))
    now.set(sh(2026, 10, 8, 12, 31))
    assert booking.sweep_late() == 1
    late.refresh_from_db()
    assert (late.status, late.missed_reason) == ("missed", "technician_late")
    assert Appointment.objects.get(pk=arrived.pk).status == "booked"  # arrived: not late
    assert AuditRecord.objects.filter(action="appointment.missed", object_id=str(late.pk)).exists()


def test_staff_record_a_customer_absent(setup, now) -> None:  # type: ignore[no-untyped-def]
    world, _c, order = setup
    appt = booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 8, 8, 30))
    with pytest.raises(ValidationFailed) as exc:
        booking.do_record_missed(world.technician.user, appt.pk, "customer_absent", "")
    assert exc.value.code == "not_yet"
    now.set(sh(2026, 10, 8, 9, 15))
    booking.do_record_missed(world.technician.user, appt.pk, "customer_absent", "敲门无人，电话未接")
    appt.refresh_from_db()
    assert (appt.status, appt.missed_reason, appt.missed_note) == (
        "missed",
        "customer_absent",
        "敲门无人，电话未接",
    )
    # the customer is told, once, with the link to book a new time
    told = OutboxMessage.objects.get(idempotency_key=f"appt-missed:{appt.pk}:0")
    assert order.number in told.body and "2026-10-08 08:30" in told.body and "/visit/" in told.body
    with pytest.raises(ValidationFailed) as exc:
        booking.do_record_missed(world.technician.user, appt.pk, "customer_absent", "")
    assert exc.value.code == "not_open"
    with pytest.raises(ValidationFailed) as exc:
        booking.do_record_missed(world.technician.user, appt.pk, "bogus", "")
    assert exc.value.field == "reason"


def test_the_visit_link_shows_who_comes_and_expires(setup, client, now) -> None:  # type: ignore[no-untyped-def]
    world, _c, order = setup
    booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 8, 8, 30))
    token = booking.link_token(order)
    page = client.get(f"/portal/visit/{token}/")
    html = page.content.decode()
    assert page.status_code == 200 and "孙师傅" in html and world.technician.badge_no in html
    assert 'id="visit-tech-photo"' in html and "fs-photo-none" in html  # no photo: the placeholder
    # the customer confirms from the link
    page = client.post(f"/portal/visit/{token}/", {"action": "confirm"})
    assert page.status_code == 302
    assert Appointment.objects.get(order=order).status == "confirmed"
    assert client.get(f"/portal/visit/{token[:-2]}xx/").status_code == 404  # forged
    assert (
        client.get("/portal/visit/" + signing.dumps({"o": order.pk}, salt="other") + "/").status_code == 404
    )
    now.set(sh(2026, 10, 14, 9, 1))  # 14 days and a minute later: expired
    assert client.get(f"/portal/visit/{token}/").status_code == 404


def test_the_portal_order_page_shows_the_technician_until_the_visit_is_done(setup, client) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    user = make_portal_customer(world, customer)
    appt = booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 8, 8, 30))
    client.force_login(user)
    html = client.get(f"/portal/orders/{order.number}/").content.decode()
    assert "visit-identification" in html and "孙师傅" in html
    Appointment.objects.filter(pk=appt.pk).update(status="done")  # the technician's phone view
    html = client.get(f"/portal/orders/{order.number}/").content.decode()
    assert "visit-identification" not in html


def test_the_console_card_books_and_cancels(setup, client) -> None:  # type: ignore[no-untyped-def]
    world, _c, order = setup
    client.force_login(world.agent.user)
    page = client.get(f"/visits/orders/{order.number}/windows/")
    assert page.status_code == 200 and 'data-testid="slot-20261008T0030"' in page.content.decode()
    resp = client.post(f"/visits/orders/{order.number}/book/", {"window": "20261008T0030"})
    assert resp.status_code == 302 and resp["Location"].endswith("#visit-panel")
    appt = Appointment.objects.get(order=order)
    html = client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="visit-panel"' in html and "孙师傅" in html and "2026-10-08 08:30" in html
    # a window that is not free: the message, nothing booked twice
    client.post(f"/visits/{appt.pk}/reschedule/", {"window": "20261001T0030"})
    assert Appointment.objects.get(pk=appt.pk).window_start == sh(2026, 10, 8, 8, 30)
    client.post(f"/visits/{appt.pk}/cancel/")
    assert Appointment.objects.get(pk=appt.pk).status == "cancelled"
    # another branch's agent cannot reach it
    client.force_login(world.agent_south.user)
    assert client.get(f"/visits/orders/{order.number}/windows/").status_code == 404


def test_the_portal_visit_page_is_the_customers_own(setup, client) -> None:  # type: ignore[no-untyped-def]
    world, customer, order = setup
    stranger = make_portal_customer(world, world.customer(name="李四", phone="13900139000"), "stranger")
    client.force_login(stranger)
    assert client.get(f"/portal/orders/{order.number}/visit/").status_code == 404
    client.force_login(make_portal_customer(world, customer))
    page = client.get(f"/portal/orders/{order.number}/visit/")
    assert page.status_code == 200 and 'data-testid="slot-20261008T0030"' in page.content.decode()
    resp = client.post(
        f"/portal/orders/{order.number}/visit/", {"action": "book", "window": "20261008T0030"}, follow=True
    )
    assert resp.redirect_chain and resp.redirect_chain[0][1] == 302
    assert Appointment.objects.get(order=order).source == AppointmentSource.PORTAL
    # the page says by which channel the confirmation follows (queued, not yet sent): never "we sent"
    with translation.override("zh-hans"):
        told = translation.gettext("Thank you. Your visit is booked. The confirmation follows by SMS.")
    assert told in resp.content.decode()
    assert OutboxMessage.objects.get(idempotency_key__startswith="appt-confirm:").status == "queued"
    # an inquiry needs no visit: no windows, and booking is refused with the reason
    inquiry = world.order(customer, order_type="inquiry", title="咨询燃气价格")
    page = client.get(f"/portal/orders/{inquiry.number}/visit/")
    assert 'id="visit-finished"' in page.content.decode() and "slot-" not in page.content.decode()


def test_the_visit_card_costs_the_order_page_no_query_with_or_without_visits(setup, client) -> None:  # type: ignore[no-untyped-def]
    world, _c, order = setup
    client.force_login(world.agent.user)
    url = f"/orders/{order.number}/"
    client.get(url)  # warm the session and caches

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def card_cost() -> int:
        with_card = count()
        panel = hooks._panels.pop("fieldservice.visit")
        try:
            without = count()
        finally:
            hooks.register_order_panel(panel)
        return with_card - without

    assert card_cost() == 0  # no appointment yet: the order query says so
    booking.do_book(booking.staff_who(world.agent.user), order.pk, sh(2026, 10, 8, 8, 30))
    assert card_cost() == 0  # the appointments come with the order query (kefu.lib.json_rows)
    assert 'id="visit-technician"' in client.get(url).content.decode()
