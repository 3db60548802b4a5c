"""One-time notice kept (R-11): the materials check is a recorded step the resolution clock
waits for; asking for anything the notice did not list needs a reason and a supervisor, is a standards
violation, and the customer gets one corrected notice listing everything."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext as _t

from kefu.channels.models import OutboxMessage
from kefu.commitments import clocks
from kefu.commitments.materials import do_check_materials, do_decide_additional
from kefu.commitments.models import MaterialsNotice, OrderClock, OrderMaterial, ServiceMaterial
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.notifications.models import Notification
from kefu.standards.models import StandardsViolation
from kefu.testing.clock import FakeClock, freeze, sh
from kefu.workorders.actions import do_transition
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return freeze(monkeypatch, sh(2025, 3, 3, 9, 0))  # Monday


@pytest.fixture
def mats(world: Any) -> list[ServiceMaterial]:
    s = world.service_fault
    return [
        ServiceMaterial.objects.create(service=s, name="身份证复印件", order=1),
        ServiceMaterial.objects.create(service=s, name="房产证", order=2),
        ServiceMaterial.objects.create(service=s, name="缴费凭证", order=3),
    ]


def resolution(o: WorkOrder) -> OrderClock:
    return OrderClock.objects.get(workorder=o, kind="resolution")


def test_clock_waits_for_the_recorded_materials_check(world, mats, now):
    o = world.order(world.customer(), service_id=world.service_fault.pk)  # general fault, 24 calendar hours
    c = resolution(o)
    assert (c.status, c.started_at, c.due_at) == ("not_started", None, None)
    now.set(sh(2025, 3, 3, 10, 0))
    do_transition(world.agent.user, o.pk, "in_progress")  # working on it does not start the clock
    assert resolution(o).started_at is None
    now.set(sh(2025, 3, 3, 11, 15))
    do_check_materials(world.agent.user, o.number, [m.pk for m in mats])  # everything there
    c = resolution(o)
    assert c.started_at == sh(2025, 3, 3, 11, 15) and c.due_at == sh(2025, 3, 4, 11, 15)
    assert WorkOrder.objects.get(pk=o.pk).due_at == sh(2025, 3, 4, 11, 15)


def test_service_without_materials_starts_at_receipt(world, now):
    o = world.order(world.customer(), service_id=world.service_fault.pk)
    assert resolution(o).started_at == sh(2025, 3, 3, 9, 0)


def test_asking_beyond_the_notice_needs_reason_supervisor_and_gives_one_corrected_notice(world, mats, now):
    o = world.order(world.customer(email="zhang@example.com"), service_id=world.service_fault.pk)
    now.set(sh(2025, 3, 3, 9, 30))
    first = do_check_materials(world.agent.user, o.number, [mats[1].pk, mats[2].pk])
    assert first.notice is not None and first.notice.items == ["身份证复印件"]
    assert first.order.status == "awaiting_materials"
    # later the agent unticks 缴费凭证 (not in the notice): refused without a reason
    now.set(sh(2025, 3, 4, 10, 0))
    with pytest.raises(ValidationFailed) as exc:
        do_check_materials(world.agent.user, o.number, [mats[1].pk])
    assert exc.value.code == "one_time_notice" and exc.value.field == "reason"
    assert "缴费凭证" in str(exc.value.message) and "2025-03-03 09:30" in str(exc.value.message)
    assert OrderMaterial.objects.get(workorder=o, name="缴费凭证").supplied  # nothing was recorded
    r = do_check_materials(world.agent.user, o.number, [mats[1].pk], reason="缴费凭证复印件字迹不清")
    assert r.request is not None and r.request.items == ["缴费凭证"] and r.notice is None
    assert MaterialsNotice.objects.filter(workorder=o).count() == 1 and OutboxMessage.objects.count() == 1
    assert Notification.objects.filter(recipient=world.supervisor, kind="materials_request").count() == 1
    with pytest.raises(ValidationFailed):  # one request at a time
        do_check_materials(world.agent.user, o.number, [], reason="再加一项")
    with pytest.raises(PermissionDenied):
        do_decide_additional(world.agent.user, o.number, r.request.pk, True)  # not the requester
    now.set(sh(2025, 3, 4, 11, 0))
    req = do_decide_additional(world.supervisor.user, o.number, r.request.pk, True, "同意补充")
    corrected = req.corrected_notice
    assert corrected is not None and corrected.corrects_id == first.notice.pk
    assert corrected.items == ["身份证复印件", "缴费凭证"]  # everything still missing, in one notice
    with translation.override(o.customer.language_code):  # written in the customer's language
        apology = _t(
            "This corrected notice replaces our notice of %(date)s; we apologise for not listing "
            "everything at once."
        ) % {"date": "2025-03-03"}
    assert apology in corrected.text
    assert OutboxMessage.objects.count() == 2
    v = StandardsViolation.objects.get(workorder=o)
    assert (v.source, v.staff_id, v.reason, v.excerpt) == (
        "one_time_notice",
        world.agent.pk,
        "缴费凭证复印件字迹不清",
        "缴费凭证",
    )
    assert v.at == sh(2025, 3, 4, 11, 0)
    # supervision turns it into an accountability record about the one-time rule
    from kefu.supervision.actions import collect
    from kefu.supervision.models import AccountabilityRecord

    collect(sh(2025, 3, 4, 12, 0))
    rec = AccountabilityRecord.objects.get(source_id=v.pk, kind="forbidden_phrase")
    assert "R-11" in rec.summary and rec.staff_id == world.agent.pk


def test_rejected_request_waives_the_items(world, mats, now):
    o = world.order(world.customer(), service_id=world.service_fault.pk)
    do_check_materials(world.agent.user, o.number, [mats[1].pk, mats[2].pk])
    r = do_check_materials(world.agent.user, o.number, [mats[1].pk], reason="需要原件")
    assert r.request is not None
    do_decide_additional(world.supervisor.user, o.number, r.request.pk, False, "原件不必要")
    m = OrderMaterial.objects.get(workorder=o, name="缴费凭证")
    assert (m.required, m.supplied) == (False, False)
    assert (
        MaterialsNotice.objects.filter(workorder=o).count() == 1 and not StandardsViolation.objects.exists()
    )
    again = do_check_materials(world.agent.user, o.number, [mats[1].pk])  # no new notice, no request
    assert again.notice is None and again.request is None
