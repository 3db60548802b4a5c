"""The order page built for working: the header (who, how to reach them, how much
they matter, when it is due), the action bar, transfer targets with role, department and load, and no
internal code shown to people."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from kefu.channels.actions import PortalRequest, do_portal_submit
from kefu.customers.actions import do_override_tier
from kefu.testing.factories import make_portal_customer
from kefu.workorders import actions
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def page(staff, o: WorkOrder) -> str:  # type: ignore[no-untyped-def]
    resp = client_for(staff).get(f"/orders/{o.number}/")
    assert resp.status_code == 200
    return resp.content.decode()


def dd(body: str, element_id: str) -> str:
    """The text of the element with this id (tags dropped, whitespace squeezed)."""
    m = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', body, re.S)
    assert m, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(2)).split())


def test_header_shows_the_customer_and_the_order_at_a_glance(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer("王五", "137 0013 7000", address="和平里3号楼2单元", relationship="business")
    do_override_tier(world.supervisor.user, cust.pk, "diamond", "大客户")
    o = world.order(cust, title="燃气泄漏", priority="urgent", area_id=world.area_n1.pk)
    body = page(world.agent, o)
    header = body[body.index('<section class="card order-header') : body.index('id="order-actions"')]
    assert o.number in header and "燃气泄漏" in header
    assert re.search(r'id="order-status"[^>]*>new<', header)
    # an emergency is visible: its own class on the header and the priority badge
    assert 'class="card order-header order-urgent"' in header
    assert 'id="order-priority"><span aria-hidden="true">⚠ </span>urgent</span>' in header
    assert dd(header, "order-customer").startswith("王五")
    # the agent sees the phone and the address masked (docs/privacy.md), each with its reveal form
    assert '<span class="masked" data-testid="pd-masked">137****7000</span>' in header
    assert '<span class="masked" data-testid="pd-masked">和平里***</span>' in header
    assert "0013" not in header and "3号楼" not in header
    # someone who sees personal data in full: the phone as written, and a tel: link in E.164 to call it
    admin_header = page(world.admin, o)
    assert '<a href="tel:+8613700137000" class="tel" data-testid="pd-value">137 0013 7000</a>' in admin_header
    assert '<span data-testid="pd-value">和平里3号楼2单元</span>' in admin_header
    assert re.search(r'id="customer-tier"[^>]*data-tier="diamond"', header)
    assert dd(header, "customer-tier").startswith("diamond")
    assert dd(header, "customer-relationship") == "business"
    assert dd(header, "order-area") == "和平里片区 · urban (city) 城北分公司"
    o.refresh_from_db()
    assert o.due_at is not None
    due = dd(header, "order-due")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", due)
    assert dd(header, "order-owner").startswith("李客服")


def test_header_without_phone_or_address_shows_dashes(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer("无电话", "", email="wu@example.com")
    o = world.order(cust, title="咨询")
    body = page(world.agent, o)
    assert dd(body, "customer-phone") == "—" and "tel:" not in body
    assert dd(body, "customer-address") == "—"
    assert 'class="card order-header"' in body  # normal priority: no emergency styling
    assert dd(body, "customer-relationship") == "individual / household"


def test_header_shows_the_customer_type_of_the_complaints_panel(world) -> None:  # type: ignore[no-untyped-def]
    from kefu.complaints.actions import do_choose_customer_type

    o = world.order(world.customer(), title="投诉")
    do_choose_customer_type(world.agent.user, o.number, "agitated")
    body = page(world.agent, o)
    assert re.search(
        r'<dt>Customer type</dt><dd data-testid="header-fact-customer-type-section">'
        r'<a href="#customer-type-section">agitated</a></dd>',
        body,
    )


def test_action_bar_lists_what_the_user_may_do(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer())
    body = page(world.agent, o)
    bar = body[body.index('id="order-actions"') : body.index("</nav>", body.index('id="order-actions"'))]
    for action, section, field in (
        ("reply", "reply-section", "reply-body"),
        ("note", "note-section", "note-body"),
        ("resolve", "status-section", "status-status"),
        ("transfer", "transfer-section", "transfer-filter"),
        ("escalate", "escalate-section", "escalate-reason"),
    ):
        assert re.search(rf'href="#{section}" data-jump="{field}"[^>]*id="action-{action}"', bar), action
        assert f'id="{section}"' in body and f'id="{field}"' in body, section
    assert 'data-jump-value="resolved" id="action-resolve"' in bar
    # a closed order cannot be transferred, and "resolved" is no longer a choice
    actions.do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")
    actions.do_transition(world.agent.user, o.pk, "closed", close_reason="solved")
    bar = page(world.agent, o)
    bar = bar[bar.index('id="order-actions"') :]
    bar = bar[: bar.index("</nav>")]
    assert "action-transfer" not in bar and "action-resolve" not in bar
    assert "action-reply" in bar


def test_transfer_targets_show_role_department_and_open_load(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    for i in range(3):  # the technician works on three open orders now
        other = world.order(cust, title=f"工单{i}")
        actions.do_transfer(world.agent.user, other.pk, to_staff_id=world.technician.pk, reason="上门")
    done = world.order(cust, title="已解决")  # a resolved order is no load
    actions.do_transfer(world.agent.user, done.pk, to_staff_id=world.technician.pk, reason="上门")
    actions.do_transition(world.technician.user, done.pk, "resolved", resolution="已修复")
    world.order(cust, title="自己处理", assignee_id=world.agent.pk)  # the agent works on one
    o = world.order(cust, title="待转派")  # nobody works on it yet: no one's load
    page_body = page(world.agent, o)
    # the page has the form with an empty list, loaded when the form is opened
    form = page_body[page_body.index('id="transfer-form"') :]
    assert f'hx-get="/orders/{o.number}/transfer/targets/"' in form
    assert 'hx-trigger="toggle once from:#transfer-section"' in form
    staff_select = form[form.index('name="to_staff"') :]
    assert re.findall(r'<option value="(\d+)"', staff_select[: staff_select.index("</select>")]) == []
    assert 'id="transfer-filter" data-filter-options="transfer-to_staff"' in page_body
    resp = client_for(world.agent).get(f"/orders/{o.number}/transfer/targets/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.startswith('<div id="transfer-to_staff-field">')
    assert 'id="transfer-to_staff"' in body and "hx-get" not in body
    options = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', body))
    tech, agent, senior = world.technician, world.agent, world.agent_senior
    assert options[str(tech.pk)] == f"孙师傅 ({tech.badge_no}) · field technician · 维修班 · 3 open"
    assert options[str(agent.pk)] == f"李客服 ({agent.badge_no}) · agent · 1 open"
    assert options[str(senior.pk)] == f"赵客服 ({senior.badge_no}) · agent · 0 open"
    assert str(world.agent_south.pk) not in options  # another branch's staff cannot be chosen
    # the people who work orders first (field technicians, then agents); administrators and inspectors last
    select = body[body.index('name="to_staff"') : body.index("</select>")]
    targets = re.findall(r'<option value="(\d+)"', select)
    order = targets
    assert order.index(str(tech.pk)) < order.index(str(agent.pk)) < order.index(str(world.inspector.pk))
    assert order[-1] in (str(world.admin.pk), str(world.inspector.pk))


def test_transfer_targets_only_for_who_may_transfer_an_open_order(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    o = world.order(cust, title="待转派")
    other_branch = world.order(world.customer("钱七", "13700137009", branch=world.south), title="南区")
    c = client_for(world.agent)
    assert c.get(f"/orders/{other_branch.number}/transfer/targets/").status_code == 404
    assert client_for(world.inspector).get(f"/orders/{o.number}/transfer/targets/").status_code in (403, 404)
    actions.do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")
    actions.do_transition(world.agent.user, o.pk, "closed", close_reason="solved")
    assert c.get(f"/orders/{o.number}/transfer/targets/").status_code == 404  # a closed order: no transfer
    assert c.post(f"/orders/{o.number}/transfer/targets/").status_code == 405


def test_a_refused_transfer_shows_the_list_at_once(world) -> None:  # type: ignore[no-untyped-def]
    """The form comes back open with its error: the list is in the page, not loaded on opening."""
    o = world.order(world.customer(), title="待转派")
    resp = client_for(world.agent).post(
        f"/orders/{o.number}/transfer/", {"version": o.version, "reason": "x"}
    )
    assert resp.status_code == 400
    body = resp.content.decode()
    start = body.index('id="transfer-section" open>')
    form = body[start : body.index("</details>", start)]
    assert "hx-get" not in form
    assert f'<option value="{world.technician.pk}">' in form


def test_transfer_to_a_listed_target_still_works(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer())
    resp = client_for(world.agent).post(
        f"/orders/{o.number}/transfer/",
        {"version": o.version, "to_staff": world.technician.pk, "reason": "上门检修"},
    )
    assert resp.status_code == 302
    o.refresh_from_db()
    assert o.assignee_id == world.technician.pk


def test_portal_order_page_shows_no_internal_code(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer("张三", "13800138000", address="和平里3号")
    user = make_portal_customer(world, cust, "cust")
    o = do_portal_submit(user, PortalRequest("fault", "没有网络", "从早上开始断网"))
    assert o.timeline.filter(kind="system", data__event="portal_receiver").exists()
    body = page(world.agent, o)
    assert "portal_receiver" not in body
    assert "area_responsible" not in body
    entry = dd(body, "timeline")
    # nobody is responsible for the area: of the two agents with no open orders the more senior
    assert "Request received online; received by 赵客服 (the agent with the fewest open orders)" in entry


def test_system_entries_read_as_words(world) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    from kefu.console.views_orders import system_event_label

    translation.activate("en")
    names = {7: "李客服"}
    assert system_event_label({"event": "mail_receiver", "staff": 7, "rule": "fewest_open"}, names) == (
        "E-mail received; received by 李客服 (the agent with the fewest open orders)"
    )
    assert system_event_label(
        {"event": "portal_receiver", "staff": 7, "rule": "supervisor", "anonymous": True}, names
    ) == ("Anonymous report received online; received by 李客服 (the supervisor, no agent was on duty)")
    assert (
        system_event_label({"event": "supervision.notice", "notice": 3}, names)
        == "supervision notice (督办) issued"
    )
    assert system_event_label({"event": "something_new"}, names) == "System event"


def test_transfer_targets_cost_one_query_however_many_colleagues(world) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.testing.factories import make_staff

    cust = world.customer()
    o = world.order(cust, title="待转派")
    c = client_for(world.agent)
    c.get(f"/orders/{o.number}/")  # warm the session

    def staff_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(f"/orders/{o.number}/transfer/targets/").status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        return len(sql), sum(1 for s in sql if 'FROM "organization_staff"' in s)

    before = staff_queries()
    for i in range(6):  # six more technicians, each working on two open orders
        tech = make_staff(
            f"tech{i}", "technician", world.north, department=world.repair_north, name=f"师傅{i}"
        )
        for _ in range(2):
            world.order(cust, title="检修", assignee_id=tech.pk)
    after = staff_queries()
    assert after == before
    assert before[1] == 1  # the list is one query, with each colleague's load
    body = c.get(f"/orders/{o.number}/transfer/targets/").content.decode()
    assert body.count(" · field technician · 维修班 · 2 open</option>") == 6


def visible_text(body: str) -> str:
    """What people read: the page without scripts, tags and attribute values."""
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_a_worked_portal_order_shows_no_machine_code(world) -> None:  # type: ignore[no-untyped-def]
    """Receiver rule, status, action and event codes are stored, never shown: each is a label."""
    import datetime as dt

    from kefu.audit.labels import LABELS
    from kefu.lib import clock
    from kefu.supervision.actions import do_issue_notice
    from kefu.workorders.models import OrderTypeChoices, StatusChoices
    from kefu.workorders.receivers import ReceiverRule

    cust = world.customer("张三", "13800138000", address="和平里3号")
    user = make_portal_customer(world, cust, "cust")
    # a complaint: its clocks (first response, complaint answer) have codes with underscores
    o = do_portal_submit(user, PortalRequest("complaint", "师傅态度差", "上门维修的师傅态度很差"))
    agent = world.agent_senior.user  # the on-duty receiver (see the test above)
    actions.do_transition(agent, o.pk, "in_progress")
    actions.do_reply(agent, o.pk, "您好，已安排师傅")
    actions.do_transition(agent, o.pk, "pending_customer", reason="等客户在家")
    actions.do_customer_message(user, o.pk, "今天下午在家")
    actions.do_note(agent, o.pk, "客户下午在家")
    actions.do_transfer(agent, o.pk, to_staff_id=world.technician.pk, reason="上门")
    actions.do_escalate(agent, o.pk, "客户着急")
    do_issue_notice(world.supervisor.user, o.pk, "请今天处理完", clock.now() + dt.timedelta(days=1))
    from kefu.commitments import sweep
    from kefu.commitments.models import ClockKindChoices, OrderClock

    # the deadline passes: the sweep (the system) records the breach in the service log
    past = clock.now() - dt.timedelta(hours=1)
    assert OrderClock.objects.filter(workorder=o, status="running").update(due_at=past, warn_at=past) >= 1
    assert sweep.sweep(clock.now()).breached >= 1
    body = page(world.supervisor, o)
    text = visible_text(body)
    codes = {"portal_receiver", *(r.value for r in ReceiverRule), *LABELS}
    codes |= {v for v, _ in ClockKindChoices.choices}
    codes |= {v for v, _ in StatusChoices.choices if "_" in v} | {
        v for v, _ in OrderTypeChoices.choices if "_" in v
    }
    codes = {c for c in codes if "_" in c or "." in c}  # "supervisor" is also the English word
    shown = sorted(c for c in codes if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", text))
    assert shown == []
    assert "supervision notice (督办) issued" in text  # the notice's timeline entry, as words
    log = visible_text(body[body.index('id="audit-log"') :].split("</section>")[0])
    assert "the system · time limit passed" in log
    assert not re.search(r"(?<!the )system ·", log)  # the service log names the system in words too
