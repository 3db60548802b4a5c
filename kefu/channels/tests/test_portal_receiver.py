"""Who receives a portal request (R-10): area responsible agent → fewest-open agent → supervisor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.channels.actions import PortalRequest, do_portal_submit, portal_order_type
from kefu.lib.errors import ValidationFailed
from kefu.testing.factories import make_portal_customer
from kefu.workorders.models import WorkOrder
from kefu.workorders.receivers import Candidate, ReceiverRule, choose_portal_receiver


def cand(staff_id: int, role: str = "agent", **kw: Any) -> Candidate:
    values: dict[str, Any] = {
        "in_branch": True,
        "area_responsible": False,
        "open_owned": 0,
        "grade": 1,
        "hired_on": dt.date(2020, 1, 1),
    }
    values.update(kw)
    return Candidate(staff_id=staff_id, role=role, **values)


# ---------------------------------------------------------------------------------------------------
# The pure rule


def test_area_responsible_agent_first_most_senior_of_several() -> None:
    chosen = choose_portal_receiver(
        [
            cand(1, open_owned=0),
            cand(2, area_responsible=True, open_owned=30, grade=2),
            cand(3, area_responsible=True, open_owned=1, grade=3),
            cand(4, role="technician", area_responsible=True, grade=9),
            cand(5, role="supervisor", grade=8),
        ]
    )
    assert chosen == (3, ReceiverRule.AREA_RESPONSIBLE)


def test_area_responsible_equal_grade_earlier_hire_wins() -> None:
    chosen = choose_portal_receiver(
        [
            cand(7, area_responsible=True, hired_on=dt.date(2021, 1, 1)),
            cand(8, area_responsible=True, hired_on=dt.date(2019, 1, 1)),
        ]
    )
    assert chosen == (8, ReceiverRule.AREA_RESPONSIBLE)


def test_fewest_open_agent_of_the_branch() -> None:
    chosen = choose_portal_receiver(
        [
            cand(1, open_owned=5, grade=9),
            cand(2, open_owned=2),
            cand(3, open_owned=0, in_branch=False),  # another branch's agent, not responsible here
            cand(4, role="technician", open_owned=0),
            cand(5, role="supervisor", open_owned=0),
        ]
    )
    assert chosen == (2, ReceiverRule.FEWEST_OPEN)


def test_fewest_open_tie_goes_to_the_most_senior() -> None:
    chosen = choose_portal_receiver([cand(1, open_owned=1, grade=2), cand(2, open_owned=1, grade=4)])
    assert chosen == (2, ReceiverRule.FEWEST_OPEN)


def test_supervisor_when_no_agent() -> None:
    chosen = choose_portal_receiver(
        [cand(1, role="technician"), cand(2, role="supervisor", grade=5), cand(3, role="supervisor", grade=6)]
    )
    assert chosen == (3, ReceiverRule.SUPERVISOR)


def test_nobody_when_no_agent_or_supervisor_in_branch() -> None:
    assert (
        choose_portal_receiver([cand(1, role="supervisor", in_branch=False), cand(2, role="followup")])
        is None
    )
    assert choose_portal_receiver([]) is None


@pytest.mark.parametrize(
    ("portal_type", "rural", "service_type", "expected"),
    [
        ("inquiry", False, None, "inquiry"),
        ("fault", False, None, "fault_general"),
        ("fault", False, "fault_major", "fault_major"),
        ("fault", False, "restoration", "restoration"),
        ("installation", False, None, "install_urban"),
        ("installation", True, None, "install_rural"),
        ("installation", False, "install_rural", "install_rural"),
        ("complaint", True, None, "complaint"),
        ("praise", False, "fault_general", None),
        ("hack", False, None, None),
    ],
)
def test_portal_order_type(
    portal_type: str, rural: bool, service_type: str | None, expected: str | None
) -> None:
    assert portal_order_type(portal_type, rural=rural, service_order_type=service_type) == expected


# ---------------------------------------------------------------------------------------------------
# Through the action, on the database


@pytest.fixture
def cust(world: Any) -> Any:
    c = world.customer("张三", "13800138000", address="和平里3号")  # area n1, north branch
    assert c.area_id == world.area_n1.pk
    make_portal_customer(world, c, "cust")
    c.refresh_from_db()
    return c


def submit(user: Any) -> WorkOrder:
    return do_portal_submit(user, PortalRequest("fault", "没有网络", "从早上开始断网"))


def rule_of(o: WorkOrder) -> str:
    return o.timeline.get(kind="system", data__event="portal_receiver").data["rule"]


@pytest.mark.django_db
def test_db_area_responsible_agent(world: Any, cust: Any) -> None:
    world.area_n1.responsible.add(world.agent, world.technician)
    for _ in range(3):  # the responsible agent is busier than the other agent: the area still decides
        world.order(cust, actor=world.agent)
    o = submit(cust.user)
    assert o.owner_id == world.agent.pk
    assert o.channel == "portal"
    assert rule_of(o) == "area_responsible"
    assert list(o.receivers.values_list("staff_id", flat=True)) == [world.agent.pk]


@pytest.mark.django_db
def test_db_inactive_area_agent_skipped_then_fewest_open(world: Any, cust: Any) -> None:
    world.area_n1.responsible.add(world.agent_senior)
    world.agent_senior.is_active = False
    world.agent_senior.save()
    o = submit(cust.user)
    assert o.owner_id == world.agent.pk
    assert rule_of(o) == "fewest_open"


@pytest.mark.django_db
def test_db_fewest_open_agent(world: Any, cust: Any) -> None:
    # agent_senior (more senior) owns 3 open orders, agent owns 2 open and 1 resolved
    for _ in range(3):
        world.order(cust, actor=world.agent_senior)
    mine = [world.order(cust, actor=world.agent) for _ in range(3)]
    from kefu.workorders.actions import do_transition

    do_transition(world.agent.user, mine[0].pk, "resolved", resolution="已解决")
    o = submit(cust.user)
    assert o.owner_id == world.agent.pk
    assert rule_of(o) == "fewest_open"
    # one more open order for agent: now both own 3, the tie goes to the more senior
    world.order(cust, actor=world.agent)
    o2 = submit(cust.user)
    assert o2.owner_id == world.agent_senior.pk


@pytest.mark.django_db
def test_db_south_agent_never_receives_north_request(world: Any, cust: Any) -> None:
    for _ in range(2):
        world.order(cust, actor=world.agent)
        world.order(cust, actor=world.agent_senior)
    o = submit(cust.user)
    assert o.owner.branch_id == world.north.pk


@pytest.mark.django_db
def test_db_supervisor_fallback(world: Any, cust: Any) -> None:
    for s in (world.agent, world.agent_senior):
        s.is_active = False
        s.save()
    o = submit(cust.user)
    assert o.owner_id == world.supervisor.pk
    assert rule_of(o) == "supervisor"


@pytest.mark.django_db
def test_db_nobody_refused_nothing_saved(world: Any, cust: Any) -> None:
    for s in (world.agent, world.agent_senior, world.supervisor):
        s.user.is_active = s is not world.supervisor  # a disabled login counts as absent too
        s.user.save()
        s.is_active = s is world.supervisor
        s.save()
    before = WorkOrder.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        submit(cust.user)
    assert exc.value.code == "no_receiver"
    assert WorkOrder.objects.count() == before


# ---------------------------------------------------------------------------------------------------
# receive_request: the one postlude every channel runs (portal, report, e-mail, SMS, chat, social)


@pytest.mark.django_db
def test_receive_request_entries_and_files(world: Any, cust: Any) -> None:
    from django.core.files.base import ContentFile
    from django.db import transaction

    from kefu.lib.errors import Unavailable
    from kefu.workorders.actions import OrderInput
    from kefu.workorders.receivers import receive_request

    with transaction.atomic():
        got = receive_request(
            cust,
            OrderInput(order_type="inquiry", title="问一下", description="  套餐怎么改？  ", channel="sms"),
            refusal=Unavailable("no_receiver", "nobody"),
            receiver_event="sms_receiver",
            event_data={"gateway": 3},
            files=[ContentFile(b"hello", name="a.txt")],
        )
    o = got.order
    assert (o.channel, o.owner_id, got.rule) == ("sms", world.agent_senior.pk, ReceiverRule.FEWEST_OPEN)
    system = o.timeline.get(kind="system", data__event="sms_receiver")
    assert system.data == {
        "event": "sms_receiver",
        "staff": world.agent_senior.pk,
        "rule": "fewest_open",
        "gateway": 3,
    }
    assert got.entry is not None
    assert (got.entry.kind, got.entry.body, got.entry.public, got.entry.author_customer_id) == (
        "customer",
        "套餐怎么改？",  # the order's (cleaned) description unless a message is given
        True,
        cust.pk,
    )
    assert [(a.filename, a.entry_id, a.uploaded_by) for a in o.attachments.all()] == [
        ("a.txt", got.entry.pk, None)
    ]
    with transaction.atomic():
        bare = receive_request(
            cust,
            OrderInput(order_type="inquiry", title="贴文", description="微博", channel="social"),
            refusal=Unavailable("no_receiver", "nobody"),
            customer_entry=False,
        )
    assert bare.entry is None and list(bare.order.timeline.values_list("data__event", flat=True)) == [
        "created"
    ]


@pytest.mark.django_db
def test_receive_request_refusal_saves_nothing(world: Any, cust: Any) -> None:
    from django.db import transaction

    from kefu.lib.errors import Unavailable
    from kefu.workorders.actions import OrderInput
    from kefu.workorders.receivers import receive_request

    for s in (world.agent, world.agent_senior, world.supervisor):
        s.is_active = False
        s.save()
    before = WorkOrder.objects.count()
    with pytest.raises(Unavailable) as exc, transaction.atomic():
        receive_request(
            cust,
            OrderInput(order_type="inquiry", title="t", description="d", channel="chat"),
            refusal=Unavailable("no_receiver", "try later"),
        )
    assert (exc.value.code, str(exc.value.message)) == ("no_receiver", "try later")
    assert WorkOrder.objects.count() == before
