"""The erasure test: a customer with orders, payments, a complaint and attachments is
erased by resolving an erasure request order. What is anonymised, what is kept and why
(``erasure.ERASURE_TABLE``), and search no longer finds the person — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext

from kefu.audit.models import AuditRecord
from kefu.complaints.actions import do_classify_complaint
from kefu.complaints.models import ComplaintCause, ComplaintRecord
from kefu.complaints.taxonomy import ensure_causes
from kefu.customers.actions import add_contact_point, do_add_record
from kefu.customers.models import Contact, ContactPoint, Customer, Payment, Purchase
from kefu.customers.queries import search_customers
from kefu.followup.models import FollowupTask
from kefu.lib import search
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.rights import actions
from kefu.rights.erasure import ERASURE_TABLE, Action
from kefu.rights.models import RightsRequest
from kefu.testing.factories import make_portal_customer
from kefu.workorders import actions as wo
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL, ADDRESS = "欧阳明远", "13912345678", "ouyang.mingyuan@example.com", "和平里3号楼2单元501"


def _found(text: str) -> tuple[list[int], list[int]]:
    customers = list(search_customers(Customer.objects.all(), text).values_list("pk", flat=True))
    orders = list(search.filter_queryset(WorkOrder.objects.all(), text).values_list("pk", flat=True))
    return customers, orders


@pytest.fixture
def person(world: Any) -> dict[str, Any]:
    ensure_causes()
    c = world.customer(name=NAME, phone=PHONE, email=EMAIL, address=ADDRESS)
    add_contact_point(c, ContactPoint.Kind.WECHAT, "wx_ouyang_88")
    make_portal_customer(world, c, "ouyang")
    do_add_record(
        world.agent.user,
        c.pk,
        "payment",
        {
            "description": f"{NAME} 2026年1月燃气费",
            "amount": Decimal("86.50"),
            "due_date": dt.date(2026, 1, 31),
            "paid_on": dt.date(2026, 1, 20),
        },
    )
    do_add_record(
        world.agent.user,
        c.pk,
        "purchase",
        {
            "product": "燃气报警器",
            "quantity": 1,
            "unit_price": Decimal("199"),
            "purchased_on": dt.date(2026, 2, 1),
        },
    )
    fault = world.order(
        c, title=f"{NAME}家燃气表不走字", description=f"客户{NAME}来电，电话{PHONE}，地址{ADDRESS}"
    )
    (att,) = wo.do_add_attachments(
        world.agent.user, fault.pk, [SimpleUploadedFile("meter.jpg", b"\xff\xd8photo")]
    )
    wo.do_customer_message(c.user, fault.pk, f"我是{NAME}，表的照片已上传")
    wo.do_transition(world.agent.user, fault.pk, "resolved", resolution=f"已为{NAME}更换燃气表")
    complaint = world.order(
        c, order_type="complaint", title="抄表员态度差", description=f"{NAME}投诉抄表员态度差"
    )
    attitude = ComplaintCause.objects.get(code="attitude")
    do_classify_complaint(world.agent.user, complaint.pk, attitude.pk, details=f"抄表员对{NAME}态度恶劣")
    wo.do_transition(world.agent.user, complaint.pk, "resolved", resolution="已道歉")
    other = world.customer(name="李四海", phone="13700001111", address="北苑路8号")
    return {"c": c, "fault": fault, "complaint": complaint, "att": att, "other": other}


def test_erasure_anonymises_keeps_what_the_law_requires_and_search_forgets_the_person(world, person) -> None:  # type: ignore[no-untyped-def]
    c = person["c"]
    file_path = Path(person["att"].file.path)
    assert file_path.exists()
    assert _found(NAME)[0] == [c.pk] and len(_found(NAME)[1]) == 2
    assert _found(PHONE)[0] == [c.pk]
    causes_before = ComplaintRecord.objects.get(workorder=person["complaint"]).cause_id
    assert causes_before is not None

    r = actions.do_counter_request(world.agent.user, c.pk, "erasure")
    assert r.regime == "pipl" and getattr(r.workorder.service, "code", None) == "personal-information-request"
    assert RightsRequest.objects.get(pk=r.pk).kind == "erasure"
    # an agent may register it, only a supervisor completes it
    with pytest.raises(PermissionDenied):
        wo.do_transition(world.agent.user, r.workorder.pk, "resolved", resolution="已删除")
    wo.do_transition(world.supervisor.user, r.workorder.pk, "resolved", resolution="已按要求删除")

    c.refresh_from_db()
    r.refresh_from_db()
    # the customer: an anonymous placeholder keeping branch, area, kind, "customer since"
    assert (c.name, c.number, c.phone, c.phone_e164, c.email, c.address) == (
        "[erased]",
        f"ERASED-{c.pk}",
        "",
        "",
        "",
        "",
    )
    assert c.erased_at is not None and c.branch_id == world.north.pk and c.user_id is None
    assert not c.marketing_consent
    assert not ContactPoint.objects.filter(customer=c).exists()
    # the portal login cannot sign in any more
    from django.contrib.auth import get_user_model

    login = get_user_model().objects.get(username=f"erased-{c.pk}")
    assert not login.is_active and not login.has_usable_password() and login.email == ""
    # billing kept for the statutory period, with the name cut out of the description
    pay = Payment.objects.get(customer=c)
    assert (pay.amount, pay.due_date, pay.description) == (
        Decimal("86.50"),
        dt.date(2026, 1, 31),
        "[…] 2026年1月燃气费",
    )
    assert Purchase.objects.filter(customer=c, product="燃气报警器").count() == 1
    # the complaint record kept for supervision: cause kept, the name gone from the details
    rec = ComplaintRecord.objects.get(workorder=person["complaint"])
    assert rec.cause_id == causes_before and rec.details == "抄表员对[…]态度恶劣"
    # orders kept for the statistics: type, status, times; the customer's text erased, staff text redacted
    orders = {o.pk: o for o in WorkOrder.objects.filter(customer=c)}
    assert len(orders) == 3
    fault = orders[person["fault"].pk]
    assert (fault.order_type, fault.status, fault.description) == ("fault_general", "resolved", "[erased]")
    assert fault.title == "[…]家燃气表不走字" and fault.resolution == "已为[…]更换燃气表"
    assert fault.resolved_at is not None and fault.received_at == person["fault"].received_at
    assert set(
        TimelineEntry.objects.filter(workorder__customer=c, kind="customer").values_list("body", flat=True)
    ) <= {"[erased]"}
    # attachments gone, files on disk too
    assert not Attachment.objects.filter(workorder__customer=c).exists()
    assert not file_path.exists()
    # the follow-up call planned when the fault was resolved is cancelled, not made to a nobody
    assert FollowupTask.objects.filter(customer=c).exists()
    assert not FollowupTask.objects.filter(customer=c, status="open").exists()
    # the contact history keeps the counts, not the words
    assert Contact.objects.filter(customer=c).count() >= 3
    assert set(Contact.objects.filter(customer=c).values_list("summary", flat=True)) == {""}
    # search no longer finds the person by name, phone, e-mail, address or WeChat id …
    for needle in (NAME, PHONE, "139 1234 5678", EMAIL, "和平里3号楼", "wx_ouyang_88", "欧阳"):
        assert _found(needle) == ([], []), needle
    # … but still finds everybody else
    assert _found("李四海")[0] == [person["other"].pk]
    # no identifier left in any row linked to the customer: orders, timeline, audit log
    blob = json.dumps(
        [
            list(WorkOrder.objects.filter(customer=c).values()),
            list(TimelineEntry.objects.filter(workorder__customer=c).values("body", "data")),
            list(AuditRecord.objects.filter(customer_id=c.pk).values("summary", "before", "after")),
            list(Customer.objects.filter(pk=c.pk).values()),
        ],
        ensure_ascii=False,
        default=str,
    )
    for needle in (NAME, PHONE, EMAIL, ADDRESS, "wx_ouyang_88"):
        assert needle not in blob, needle
    # the outcome names every rule, the audit record says it happened
    assert r.completed_at is not None and r.details == ""
    assert r.outcome["customers.Payment"] == {"action": "anonymise", "rows": 1}
    assert r.outcome["workorders.Attachment"] == {"action": "delete", "rows": 1}
    assert r.outcome["customers.ContactPoint"]["rows"] == 3  # phone, e-mail, WeChat
    assert r.outcome["complaints.ComplaintRecord"] == {"action": "anonymise", "rows": 1}
    assert (
        AuditRecord.objects.filter(
            action="rights.erased", customer_id=c.pk, workorder_id=r.workorder_id
        ).count()
        == 1
    )
    assert AuditRecord.objects.filter(action="rights.request", customer_id=c.pk).count() == 1


def test_erasure_waits_for_the_customers_other_orders(world, person) -> None:  # type: ignore[no-untyped-def]
    c = person["c"]
    open_order = world.order(c, title="还有一个问题")
    r = actions.do_counter_request(world.agent.user, c.pk, "erasure")
    with pytest.raises(ValidationFailed) as exc:
        wo.do_transition(world.supervisor.user, r.workorder.pk, "resolved", resolution="x")
    assert exc.value.code == "open_orders" and open_order.number in str(exc.value.message)
    c.refresh_from_db()
    assert c.name == NAME and c.erased_at is None
    # a second erasure request while one is open is refused; after erasure no new request is taken
    with pytest.raises(ValidationFailed):
        actions.do_counter_request(world.agent.user, c.pk, "erasure")
    wo.do_transition(world.agent.user, open_order.pk, "resolved", resolution="已答复")
    wo.do_transition(world.supervisor.user, r.workorder.pk, "resolved", resolution="已删除")
    with pytest.raises(ValidationFailed):
        actions.do_counter_request(world.agent.user, c.pk, "copy")


def test_every_table_rule_says_why() -> None:
    assert all(str(rule.why) for rule in ERASURE_TABLE)
    assert {r.action for r in ERASURE_TABLE} == {Action.DELETE, Action.ANONYMISE, Action.KEEP}
    assert ERASURE_TABLE[-1].model == "customers.Customer"  # last: the identifiers come from it


def test_an_open_copy_request_holds_the_erasure_and_the_refusal_says_so(world, person) -> None:  # type: ignore[no-untyped-def]
    c = person["c"]
    copy = actions.do_counter_request(world.agent.user, c.pk, "copy")
    r = actions.do_counter_request(world.agent.user, c.pk, "erasure")
    with pytest.raises(ValidationFailed) as exc:
        wo.do_transition(world.supervisor.user, r.workorder.pk, "resolved", resolution="x")
    expected = gettext(
        "The customer still has open orders: %(list)s. Resolve or close them first; this includes "
        "their other personal-information requests (a copy is answered once the customer has it)."
    ) % {"list": copy.workorder.number}
    assert exc.value.code == "open_orders" and str(exc.value.message) == expected
    # once the copy is answered, the erasure goes through
    wo.do_transition(world.supervisor.user, copy.workorder.pk, "resolved", resolution="copy handed over")
    wo.do_transition(world.supervisor.user, r.workorder.pk, "resolved", resolution="erased")
    c.refresh_from_db()
    assert c.erased_at is not None
