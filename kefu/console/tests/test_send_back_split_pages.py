"""The console's send back (退单), split and cross-customer merge: the order page's actions, the dispatcher's
"Sent back to me" queue with the reason, the split page, and the send-back report (paginated, CSV/XLSX);
the portal's "handled together with" note."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from kefu.testing.factories import make_portal_customer
from kefu.workorders import actions
from kefu.workorders.models import OrderLink, SendBack, WorkOrder

pytestmark = pytest.mark.django_db


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def field_error(body: str, form: str, field: str) -> str:
    m = re.search(rf'id="{form}-{field}-error"[^>]*>([^<]*)<', body)
    return m.group(1) if m else ""


@pytest.fixture
def routed(world: Any) -> WorkOrder:
    o = world.order(world.customer(name="王五", phone="13700137000"), title="厨房燃气味")
    actions.do_transfer(world.agent.user, o.pk, to_department_id=world.repair_north.pk, reason="派维修班")
    return o


def test_unit_sends_back_from_the_order_page(world: Any, routed: WorkOrder) -> None:
    tech = client_for(world.technician)
    page = tech.get(f"/orders/{routed.number}/").content.decode()
    assert 'data-testid="action-send-back"' in page and 'id="send-back-form"' in page
    # the agent who routed it is not the unit: no send-back offered
    assert (
        'data-testid="action-send-back"'
        not in client_for(world.agent).get(f"/orders/{routed.number}/").content.decode()
    )
    resp = tech.post(f"/orders/{routed.number}/send-back/", {"reason": "", "version": routed.version + 1})
    assert resp.status_code == 400
    assert field_error(resp.content.decode(), "sendback", "reason") == "A reason is required."
    resp = tech.post(f"/orders/{routed.number}/send-back/", {"reason": "是物业水管，不归燃气维修"})
    assert resp.status_code == 302
    assert SendBack.objects.get().dispatcher == world.agent
    # the dispatcher: the reason on the order page and in the "Sent back to me" queue
    agent = client_for(world.agent)
    page = agent.get(f"/orders/{routed.number}/").content.decode()
    assert re.search(r'id="send-back-notice".*是物业水管，不归燃气维修', page)
    assert 'id="transfer-note"' in page and 'data-testid="transfer-sent-back"' in page
    assert (
        'data-testid="action-send-back"' not in page
    )  # the dispatcher holds it now: route it, not send it back
    queue = agent.get("/orders/?tab=sentback").content.decode()
    assert routed.number in queue and re.search(r'data-testid="row-send-back-reason".*是物业水管', queue)
    assert re.search(r'id="tab-sentback"[^>]*>Sent back to me <span class="count">1<', queue)
    assert routed.number not in client_for(world.agent_senior).get("/orders/?tab=sentback").content.decode()
    # routing it to the same unit without a note: the error next to the note
    resp = agent.post(
        f"/orders/{routed.number}/transfer/", {"to_department": world.repair_north.pk, "reason": "再派"}
    )
    assert resp.status_code == 400
    assert field_error(resp.content.decode(), "transfer", "note").startswith("This unit sent the order back")
    resp = agent.post(
        f"/orders/{routed.number}/transfer/",
        {"to_department": world.repair_north.pk, "reason": "再派", "note": "已核实，属城北维修班"},
    )
    assert resp.status_code == 302
    assert routed.number not in agent.get("/orders/?tab=sentback").content.decode()
    assert 'id="send-back-notice"' not in agent.get(f"/orders/{routed.number}/").content.decode()


def test_split_page(world: Any, routed: WorkOrder) -> None:
    c = client_for(world.agent)
    page = c.get(f"/orders/{routed.number}/").content.decode()
    assert f'href="/orders/{routed.number}/split/"' in page
    form = c.get(f"/orders/{routed.number}/split/")
    assert form.status_code == 200 and 'id="split-form"' in form.content.decode()
    resp = c.post(
        f"/orders/{routed.number}/split/", {"order_type": "inquiry", "title": "", "description": "x"}
    )
    assert resp.status_code == 400
    assert field_error(resp.content.decode(), "split", "title") == "A short title is required."
    resp = c.post(
        f"/orders/{routed.number}/split/",
        {
            "order_type": "inquiry",
            "title": "咨询燃气费",
            "description": "客户顺便问燃气费",
            "reason": "一单两诉",
        },
    )
    new = WorkOrder.objects.get(title="咨询燃气费")
    assert resp.status_code == 302 and resp["Location"] == f"/orders/{new.number}/"
    assert OrderLink.objects.get(source=new).target_id == routed.pk
    assert (new.owner_id, new.received_at) == (routed.owner_id, routed.received_at)
    # an inspector cannot split
    assert client_for(world.inspector).get(f"/orders/{routed.number}/split/").status_code in (403, 404)


def test_merge_two_customers_from_the_order_page_and_the_portal_note(world: Any) -> None:
    survivor = world.order(world.customer(name="张三", phone="13800138000"), title="楼道燃气味")
    lisi = world.customer(name="李四", phone="13900139000")
    user = make_portal_customer(world, lisi, "lisi")
    dup = world.order(lisi, title="3号楼燃气味", channel="portal")
    c = client_for(world.agent)
    resp = c.post(f"/orders/{dup.number}/merge/", {"survivor": survivor.number, "reason": "同一事件"})
    assert resp.status_code == 400
    assert field_error(resp.content.decode(), "merge", "confirm_different_customer").startswith(
        "The orders belong to different customers."
    )
    resp = c.post(
        f"/orders/{dup.number}/merge/",
        {"survivor": survivor.number, "reason": "同一事件", "confirm_different_customer": "on"},
    )
    assert resp.status_code == 302 and resp["Location"] == f"/orders/{survivor.number}/"
    actions.do_reply(world.agent.user, survivor.pk, "维修人员已出发。", channel="sms")
    portal = Client()
    portal.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    portal.force_login(user)
    page = portal.get(f"/portal/orders/{dup.number}/").content.decode()
    assert "handled together with order " + survivor.number in page
    assert "维修人员已出发。" in page
    # nothing of the other customer: not their name, phone, title, nor the agent's reason
    for secret in ("张三", "13800138000", "138****8000", "楼道燃气味", "同一事件"):
        assert secret not in page, secret
    assert portal.get(f"/portal/orders/{survivor.number}/").status_code == 404


def test_send_back_report_page_and_exports(world: Any, routed: WorkOrder) -> None:
    actions.do_send_back(world.technician.user, routed.pk, "一")
    actions.do_transfer(
        world.agent.user, routed.pk, to_staff_id=world.technician.pk, reason="再派", note="是你们的"
    )
    actions.do_send_back(world.technician.user, routed.pk, "二")
    period = timezone.localtime(SendBack.objects.get(reason="一").created_at).strftime("%Y-%m")
    c = client_for(world.supervisor)
    page = c.get(f"/reports/send-backs/?period={period}").content.decode()
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert cells == ["维修班", "城北分公司", "2", "1", "1", "1"]
    orders = c.get(f"/reports/send-backs/?period={period}&view=orders").content.decode()
    assert f'href="/orders/{routed.number}/"' in orders and "二" in orders
    csv = c.get(f"/reports/send-backs/?period={period}&format=csv")
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith("Unit,Branch,Send-backs") and lines[1] == "维修班,城北分公司,2,1,1,1"
    xlsx = c.get(f"/reports/send-backs/?period={period}&view=orders&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[2]][:4] == [routed.number, "厨房燃气味", "城北分公司", 2]
    assert client_for(world.agent).get(f"/reports/send-backs/?period={period}").status_code == 404
