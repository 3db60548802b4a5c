"""The order-page panels, their forms, and the supervisors' complaints page (branch-scoped)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from kefu.complaints import actions
from kefu.complaints.models import Compensation, CompensationLimit, ComplaintRecord, ComplaintStep
from kefu.testing.exports import csv_rows, xlsx_sheets
from kefu.workorders import actions as wo

pytestmark = pytest.mark.django_db


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def page(client: Client, o) -> str:  # type: ignore[no-untyped-def]
    resp = client.get(f"/orders/{o.number}/")
    assert resp.status_code == 200
    return resp.content.decode()


def test_order_page_shows_type_signals_and_guidance(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer(), description="你们这什么破服务！！马上给我修好！")
    body = page(client_for(world.agent), o)
    assert re.search(r'id="customer-type-current" data-type="agitated"', body)
    assert "Calm the emotion first, then the problem" in body
    assert 'data-signal="urgency"' in body and "马上" in body and "words of urgency" in body
    assert 'id="customer-type-form"' in body
    assert 'data-testid="complaint-panel"' not in body  # not a complaint


def test_agent_sets_the_type_on_the_page(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer(), description="请问多少钱？")
    c = client_for(world.agent)
    assert "Give enough information" in page(c, o)
    resp = c.post(f"/complaints/orders/{o.number}/type/", {"customer_type": "confused"})
    assert resp.status_code == 302 and resp["Location"] == f"/orders/{o.number}/"
    body = page(c, o)
    assert re.search(r'id="customer-type-current" data-type="confused"', body)
    assert "Explain clearly and simply" in body and "chosen by 李客服" in body
    resp = c.post(f"/complaints/orders/{o.number}/type/", {"customer_type": "nope"})
    assert resp.status_code == 400
    assert "Choose the customer type." in resp.content.decode()


def test_inspector_sees_the_panel_without_forms(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer(), order_type="complaint", description="请问")
    body = page(client_for(world.inspector), o)
    assert 'data-testid="customer-type-panel"' in body and 'id="customer-type-form"' not in body
    assert 'data-testid="complaint-panel"' in body and 'id="compensation-form"' not in body
    resp = client_for(world.inspector).post(
        f"/complaints/orders/{o.number}/type/", {"customer_type": "confused"}
    )
    assert resp.status_code == 400  # the action refuses the role; the page says so


def test_complaint_panel_forms(world, complaint, causes) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    body = page(c, complaint)
    assert 'id="complaint-unclassified"' in body and "0/7" in body
    assert "收费差错" not in body or "billing or cashier error" in body  # English page: English names
    assert "billing or cashier error" in body
    # the cause is required: the error stands next to the field
    resp = c.post(f"/complaints/orders/{complaint.number}/classify/", {"cause": ""})
    assert resp.status_code == 400
    assert re.search(r'id="complaint-cause-error">Choose the cause of the complaint.<', resp.content.decode())
    resp = c.post(
        f"/complaints/orders/{complaint.number}/classify/",
        {"cause": causes["billing-error"].pk, "details": "多收"},
    )
    assert resp.status_code == 302
    assert ComplaintRecord.objects.get(workorder=complaint).cause.code == "billing-error"
    assert (
        c.post(f"/complaints/orders/{complaint.number}/steps/", {"step": "listen", "done": "1"}).status_code
        == 302
    )
    body = page(c, complaint)
    assert 'data-cause="billing-error"' in body and "1/7" in body
    assert ComplaintStep.objects.filter(workorder=complaint, step="listen").exists()
    resp = c.post(
        f"/complaints/orders/{complaint.number}/compensation/", {"amount": "1.001", "reason": "退款"}
    )
    assert resp.status_code == 400
    text = resp.content.decode()
    assert 'id="compensation-amount-error"' in text and 'value="1.001"' in text  # the input is kept
    resp = c.post(
        f"/complaints/orders/{complaint.number}/compensation/", {"amount": "30", "reason": "退还多收"}
    )
    assert resp.status_code == 302
    assert Compensation.objects.get(workorder=complaint).status == "pending"  # no limit configured


def test_closing_an_unclassified_complaint_on_the_page_shows_why(world, complaint) -> None:  # type: ignore[no-untyped-def]
    wo.do_transition(world.agent.user, complaint.pk, "in_progress")
    wo.do_transition(world.agent.user, complaint.pk, "resolved", resolution="已处理")
    complaint.refresh_from_db()
    resp = client_for(world.agent).post(
        f"/orders/{complaint.number}/status/", {"status": "closed", "version": complaint.version}
    )
    assert resp.status_code == 400
    assert "Record the cause of the complaint before closing it." in resp.content.decode()


def test_supervisor_approves_on_the_order_page(world, complaint) -> None:  # type: ignore[no-untyped-def]
    comp = actions.do_record_compensation(world.agent.user, complaint.pk, "80", "补偿")
    assert f'id="approve-{comp.pk}"' not in page(client_for(world.agent), complaint)
    sup = client_for(world.supervisor)
    assert f'id="approve-{comp.pk}"' in page(sup, complaint)
    resp = sup.post(f"/complaints/compensation/{comp.pk}/decide/", {"decision": "reject"})
    assert resp.status_code == 400 and "Say why the compensation is rejected." in resp.content.decode()
    resp = sup.post(f"/complaints/compensation/{comp.pk}/decide/", {"decision": "approve"})
    assert resp.status_code == 302
    comp.refresh_from_db()
    assert comp.status == "approved" and comp.decided_by == world.supervisor
    # another branch's supervisor cannot even find it
    assert (
        client_for(world.supervisor_south)
        .post(f"/complaints/compensation/{comp.pk}/decide/", {"decision": "approve"})
        .status_code
        == 404
    )


def _classified(world, causes, branch_customer, cause: str):  # type: ignore[no-untyped-def]
    o = world.order(branch_customer, order_type="complaint", description="投诉")
    actor = world.agent if o.branch_id == world.north.pk else world.agent_south
    actions.do_classify_complaint(actor.user, o.pk, causes[cause].pk)
    return o


def test_complaints_page_counts_by_cause_scoped_to_the_branch(world, causes) -> None:  # type: ignore[no-untyped-def]
    north = world.customer(phone="13600136001")
    south = world.customer(phone="13600136002", branch=world.south)
    for cause in ("attitude", "attitude", "billing-error"):
        _classified(world, causes, north, cause)
    world.order(north, order_type="complaint", description="未分类")
    for cause in ("price", "price", "price"):
        _classified(world, causes, south, cause)
    comp_north = actions.do_record_compensation(
        world.agent.user, world.order(north, order_type="complaint", description="x").pk, "500", "北"
    )
    actions.do_record_compensation(
        world.agent_south.user, world.order(south, order_type="complaint", description="y").pk, "600", "南"
    )

    body = client_for(world.supervisor).get("/complaints/").content.decode()
    table = body[body.index('id="complaints-by-cause"') : body.index('id="compensations-pending"')]
    assert re.findall(r'data-cause="([a-z-]+)"', table) == ["attitude", "billing-error"]  # Pareto order
    assert re.search(r'data-cause="attitude">.*?class="num count">2<.*?66.7%.*?66.7%', table, re.S)
    assert re.search(r'data-cause="billing-error">.*?class="num count">1<.*?33.3%.*?100.0%', table, re.S)
    assert "price" not in table
    assert "5 complaints received in the period: 3 classified, 2 not classified yet." in body
    assert f'id="pending-{comp_north.pk}"' in body and "600.00" not in body

    everything = client_for(world.admin).get("/complaints/").content.decode()
    assert 'data-cause="price"' in everything and "600.00" in everything
    only_south = client_for(world.admin).get("/complaints/", {"branch": world.south.pk}).content.decode()
    table = only_south[only_south.index('id="complaints-by-cause"') :]
    assert re.findall(r'data-cause="([a-z-]+)"', table) == ["price"]
    assert "500.00" not in only_south


def test_complaints_page_period_and_access(world, causes) -> None:  # type: ignore[no-untyped-def]
    _classified(world, causes, world.customer(), "quality")
    sup = client_for(world.supervisor)
    body = sup.get("/complaints/", {"from": "2020-01-01", "to": "2020-01-31"}).content.decode()
    assert 'data-cause="quality"' not in body and 'value="2020-01-01"' in body
    assert (
        sup.get("/complaints/", {"from": "2026-02-30", "to": "junk"}).status_code == 200
    )  # bad dates: default
    for staff in (world.agent, world.technician, world.inspector):
        assert client_for(staff).get("/complaints/").status_code == 404


def test_approve_from_the_list(world, complaint) -> None:  # type: ignore[no-untyped-def]
    CompensationLimit.objects.create(branch=world.north, role="", amount=Decimal("10"))
    comp = actions.do_record_compensation(world.agent.user, complaint.pk, "20", "补偿")
    sup = client_for(world.supervisor)
    resp = sup.post(f"/complaints/compensation/{comp.pk}/decide/", {"decision": "approve", "next": "list"})
    assert resp.status_code == 302 and resp["Location"] == "/complaints/"
    comp.refresh_from_db()
    assert comp.status == "approved"
    assert f'id="pending-{comp.pk}"' not in sup.get("/complaints/").content.decode()


def test_panels_cost_a_fixed_number_of_queries(world, causes, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    from django.test import RequestFactory

    from kefu.complaints.hooks import complaint_panel, customer_type_panel

    request = RequestFactory().get("/")
    user = world.supervisor.user
    request.user = user
    _ = user.staff  # loaded once per request by the console
    fault = world.order(world.customer(), description="请问多少钱？")
    with django_assert_num_queries(0):
        assert complaint_panel(request, fault) is None  # not a complaint: nothing to show, nothing read
    with django_assert_num_queries(1):
        customer_type_panel(request, fault)

    def complaint_queries(o) -> int:  # type: ignore[no-untyped-def]
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            complaint_panel(request, o)
        return len(ctx.captured_queries)

    small = world.order(world.customer(phone="13100131000"), order_type="complaint", description="投诉")
    big = world.order(world.customer(phone="13100131001"), order_type="complaint", description="投诉")
    actions.do_classify_complaint(world.agent.user, big.pk, causes["price"].pk)
    for step in ("stay_calm", "listen", "record", "thank"):
        actions.do_tick_step(world.agent.user, big.pk, step)
    for amount in ("10", "20", "30"):
        actions.do_record_compensation(world.agent.user, big.pk, amount, "补偿")
    assert complaint_queries(small) == complaint_queries(big) <= 6


def test_complaints_export(world, causes) -> None:  # type: ignore[no-untyped-def]
    """The Pareto table exports with the page's period and branch; XLSX adds the compensation to approve."""
    north = world.customer(phone="13600136001")
    south = world.customer(phone="13600136002", branch=world.south)
    for cause in ("attitude", "attitude", "billing-error"):
        _classified(world, causes, north, cause)
    _classified(world, causes, south, "price")
    comp = actions.do_record_compensation(
        world.agent.user, world.order(north, order_type="complaint", description="x").pk, "500", "=赔偿"
    )
    sup = client_for(world.supervisor)
    assert 'id="complaints-export-csv"' in sup.get("/complaints/").content.decode()
    table = csv_rows(sup, "/complaints/")
    assert table[0] == ["Cause", "Code", "Category", "Complaints", "Share %", "Cumulative %"]
    assert [r[1:] for r in table[1:]] == [
        ["attitude", table[1][2], "2", "66.7", "66.7"],
        ["billing-error", table[2][2], "1", "33.3", "100.0"],
    ]
    assert csv_rows(sup, "/complaints/", **{"from": "2020-01-01", "to": "2020-01-31"})[1:] == []
    sheets = xlsx_sheets(sup, "/complaints/")
    assert list(sheets) == ["Complaints by cause", "Compensation"]
    ((number, _title, branch, amount, *_rest),) = sheets["Compensation"][1:]
    assert (number, branch, amount) == (comp.workorder.number, "城北分公司", 500)
    assert sheets["Compensation"][1][5] == "'=赔偿"
    south_only = csv_rows(client_for(world.admin), "/complaints/", branch=world.south.pk)
    assert [r[1] for r in south_only[1:]] == ["price"]
