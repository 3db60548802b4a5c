"""The order page: header, timeline, forms calling one action each, errors next to fields, conflicts,
attachments, presence, access, and query counts."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.audit.models import AuditRecord
from kefu.workorders import actions
from kefu.workorders.models import Attachment, Escalation, OrderLink, TimelineEntry, Transfer, WorkOrder

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def client_for(staff, **kw) -> Client:  # type: ignore[no-untyped-def]
    c = Client(**kw)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def url(o: WorkOrder, action: str = "") -> str:
    return f"/orders/{o.number}/" + (f"{action}/" if action else "")


def field_error(body: str, form: str, field: str) -> str:
    m = re.search(rf'id="{form}-{field}-error"[^>]*>([^<]*)<', body)
    return m.group(1) if m else ""


@pytest.fixture
def order(world):  # type: ignore[no-untyped-def]
    c = world.customer(name="王五", phone="13700137000")
    return world.order(c, title="宽带断网", area_id=world.area_n1.pk)


def test_page_shows_header_owner_and_customer(world, order) -> None:  # type: ignore[no-untyped-def]
    actions.do_transfer(world.agent.user, order.pk, to_staff_id=world.technician.pk, reason="上门检修")
    resp = client_for(world.agent).get(url(order))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert order.number in body and "宽带断网" in body
    assert re.search(r'id="order-owner"[^>]*>李客服', body)  # first-contact owner stays the agent
    assert re.search(r'id="order-assignee"[^>]*>孙师傅', body)
    assert "First-contact owner" in body and "Assignee (works on it now)" in body
    assert re.search(r'id="order-department">维修班', body)
    assert re.search(r'id="customer-open-orders">1<', body)
    assert "和平里片区" in body
    for testid in (
        "reply-form",
        "note-form",
        "status-form",
        "transfer-form",
        "escalate-form",
        "presence-notice",
    ):
        assert f'id="{testid}"' in body
    assert 'data-shortcut="r"' in body and 'data-shortcut="n"' in body
    assert 'data-shortcut="t"' in body and 'data-shortcut="e"' in body and 'data-shortcut="/"' in body


def test_page_accepts_id_and_number(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    assert c.get(f"/orders/{order.pk}/").status_code == 200
    assert c.get(f"/orders/{order.number.lower()}/").status_code == 200
    assert c.get("/orders/GD-20000101-999999/").status_code == 404


def test_timeline_shows_every_kind(world, order) -> None:  # type: ignore[no-untyped-def]
    u = world.agent.user
    actions.do_reply(u, order.pk, "您好，已安排师傅", channel="sms")
    actions.do_note(u, order.pk, "内部：客户脾气急")
    actions.do_transition(u, order.pk, "in_progress")
    actions.do_transfer(u, order.pk, to_department_id=world.repair_north.pk, reason="需要上门")
    actions.do_escalate(u, order.pk, "重大影响")
    body = client_for(world.agent).get(url(order)).content.decode()
    kinds = re.findall(r'data-kind="(\w+)"', body)
    assert kinds == ["system", "reply", "note", "status", "transfer", "escalation"]
    assert re.search(r'class="entry entry-note"', body)  # notes are styled apart, never public
    assert "您好，已安排师傅" in body and "内部：客户脾气急" in body
    assert "New → In progress".lower() in body.lower()
    assert "handed the work to 城北分公司 · 维修班" in body and "需要上门" in body
    assert "Escalated to 王经理" in body
    # transfer trail: who → whom → why
    assert re.search(r"李客服: — → 维修班 — 需要上门", body)
    # audit log of the order, newest first
    audit = body[body.index('id="audit-log"') :]
    assert audit.index("order.escalate") < audit.index("order.create")


def test_reply_with_file_and_download(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    upload = SimpleUploadedFile("现场照片.png", PNG, content_type="text/html")
    resp = c.post(
        url(order, "reply"), {"channel": "sms", "body": "已处理", "version": order.version, "files": [upload]}
    )
    assert resp.status_code == 302
    assert resp["Location"] == url(order)
    entry = TimelineEntry.objects.get(workorder=order, kind="reply")
    assert entry.body == "已处理" and entry.public
    att = Attachment.objects.get(workorder=order)
    assert att.entry_id == entry.pk and att.content_type == "image/png"  # sniffed, not the client's claim
    page = c.get(url(order)).content.decode()
    assert f"/orders/attachments/{att.pk}/" in page and "现场照片.png" in page
    dl = c.get(f"/orders/attachments/{att.pk}/")
    assert dl.status_code == 200
    assert dl.getvalue() == PNG
    assert dl["Content-Type"] == "image/png"
    assert dl["Content-Disposition"].startswith("attachment;")
    assert dl["X-Content-Type-Options"] == "nosniff"


def test_other_branch_gets_404_for_order_and_attachment(world, order) -> None:  # type: ignore[no-untyped-def]
    actions.do_note(world.agent.user, order.pk, "附件", files=[SimpleUploadedFile("a.txt", b"hello")])
    att = Attachment.objects.get(workorder=order)
    south = client_for(world.agent_south)
    assert south.get(url(order)).status_code == 404
    assert south.get(f"/orders/{order.pk}/").status_code == 404
    assert south.get(f"/orders/attachments/{att.pk}/").status_code == 404
    assert south.post(url(order, "reply"), {"channel": "sms", "body": "x"}).status_code == 404
    assert south.get(url(order, "presence")).status_code == 404
    assert not TimelineEntry.objects.filter(workorder=order, kind="reply").exists()
    assert client_for(world.supervisor).get(f"/orders/attachments/{att.pk}/").status_code == 200


def test_note_is_internal(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    resp = c.post(url(order, "note"), {"body": "内部备注"})
    assert resp.status_code == 302
    e = TimelineEntry.objects.get(workorder=order, kind="note")
    assert e.body == "内部备注" and not e.public


def test_empty_reply_shows_error_next_to_body(world, order) -> None:  # type: ignore[no-untyped-def]
    resp = client_for(world.agent).post(
        url(order, "reply"), {"channel": "sms", "body": "  ", "version": order.version}
    )
    assert resp.status_code == 400
    assert field_error(resp.content.decode(), "reply", "body") == "The text is empty."
    assert not TimelineEntry.objects.filter(workorder=order, kind="reply").exists()


def test_stale_version_shows_conflict(world, order) -> None:  # type: ignore[no-untyped-def]
    old = order.version
    actions.do_note(world.supervisor.user, order.pk, "主管已看")  # someone else changes the order
    c = client_for(world.agent)
    resp = c.post(url(order, "reply"), {"channel": "sms", "body": "我的回复", "version": old})
    assert resp.status_code == 409
    body = resp.content.decode()
    assert 'id="conflict-notice"' in body
    assert "Someone else changed this order meanwhile" in body
    assert "我的回复" in body  # the text is kept
    assert not TimelineEntry.objects.filter(workorder=order, kind="reply").exists()
    current = WorkOrder.objects.get(pk=order.pk).version
    assert re.search(rf'name="version" value="{current}"', body)  # resubmitting is deliberate
    edit = c.post(
        url(order, "edit"),
        {
            "title": "新标题",
            "description": "d",
            "order_type": "inquiry",
            "priority": "normal",
            "version": old,
        },
    )
    assert edit.status_code == 409
    assert WorkOrder.objects.get(pk=order.pk).title == "宽带断网"


def test_status_change_offers_only_allowed_targets(world, order) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.agent).get(url(order)).content.decode()
    form = body[body.index('id="status-form"') : body.index("</form>", body.index('id="status-form"'))]
    select = form[form.index('name="status"') : form.index("</select>")]
    assert re.findall(r'value="(\w+)"', select) == [
        "in_progress",
        "awaiting_materials",
        "pending_customer",
        "resolved",
        "closed",
    ]


def test_closing_without_reason_shows_the_message(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    resp = c.post(url(order, "status"), {"status": "closed", "version": order.version})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert field_error(body, "status", "close_reason") == "Choose why the order is closed without a solution."
    assert WorkOrder.objects.get(pk=order.pk).status == "new"
    resp = c.post(url(order, "status"), {"status": "resolved", "version": order.version})
    assert (
        field_error(resp.content.decode(), "status", "resolution") == "Describe how the matter was resolved."
    )
    resp = c.post(
        url(order, "status"), {"status": "resolved", "resolution": "重启光猫", "version": order.version}
    )
    assert resp.status_code == 302
    o = WorkOrder.objects.get(pk=order.pk)
    assert o.status == "resolved" and o.resolution == "重启光猫"


def test_status_not_in_allowed_targets_is_a_field_error(world, order) -> None:  # type: ignore[no-untyped-def]
    resp = client_for(world.agent).post(
        url(order, "status"), {"status": "reopened", "version": order.version}
    )
    assert resp.status_code == 400
    assert "Select a valid choice" in field_error(resp.content.decode(), "status", "status")


def test_merged_duplicate_offers_no_status_change(world, order) -> None:  # type: ignore[no-untyped-def]
    """A merged duplicate is closed for good: no status form (reopen would be refused); the survivor
    still offers reopen once closed."""
    dup = world.order(order.customer, title="重复报修")
    actions.do_merge(world.agent.user, dup.pk, order.pk, "重复")
    c = client_for(world.supervisor)
    body = c.get(url(dup)).content.decode()
    assert 'id="status-form"' not in body
    dup.refresh_from_db()
    resp = c.post(
        url(dup, "status"), {"status": "reopened", "reason": "客户再次来电", "version": dup.version}
    )
    assert resp.status_code == 400
    body = resp.content.decode()
    assert 'id="status-form"' not in body
    # the form is not on the page, so its message is shown above it
    assert re.search(r'data-testid="page-error">Select a valid choice\. reopened is not one', body)
    assert WorkOrder.objects.get(pk=dup.pk).status == "closed"
    actions.do_transition(world.agent.user, order.pk, "resolved", resolution="修好")
    actions.do_transition(world.agent.user, order.pk, "closed")
    body = c.get(url(order)).content.decode()
    form = body[body.index('id="status-form"') : body.index("</form>", body.index('id="status-form"'))]
    assert re.findall(r'<option value="(\w+)"', form[form.index('name="status"') :])[:1] == ["reopened"]


def test_transfer_requires_a_receiver(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    resp = c.post(url(order, "transfer"), {"reason": "转维修", "version": order.version})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert (
        field_error(body, "transfer", "to_staff")
        == "Name the staff member or department that receives the work."
    )
    assert re.search(r'<details class="card" id="transfer-section" open>', body)
    assert not Transfer.objects.exists()
    resp = c.post(
        url(order, "transfer"),
        {"to_staff": world.technician.pk, "reason": "转维修", "version": order.version},
    )
    assert resp.status_code == 302
    o = WorkOrder.objects.get(pk=order.pk)
    assert o.assignee_id == world.technician.pk and o.owner_id == world.agent.pk


def test_transfer_without_reason(world, order) -> None:  # type: ignore[no-untyped-def]
    resp = client_for(world.agent).post(
        url(order, "transfer"), {"to_department": world.repair_north.pk, "version": order.version}
    )
    assert field_error(resp.content.decode(), "transfer", "reason") == "A reason is required."


def test_escalate_and_handle(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    resp = c.post(url(order, "escalate"), {"reason": ""})
    assert field_error(resp.content.decode(), "escalate", "reason") == "A reason is required."
    resp = c.post(url(order, "escalate"), {"reason": "客户要求找总经理", "to_president": "on"})
    assert resp.status_code == 302
    esc = Escalation.objects.get(workorder=order)
    assert esc.to_president and esc.leader_id == world.president.pk
    # the leader sees it in the escalations list and handles it
    boss = client_for(world.president)
    page = boss.get("/orders/escalations/").content.decode()
    assert f'id="escalation-{esc.pk}"' in page and order.number in page
    resp = boss.post(f"/orders/escalations/{esc.pk}/handle/", {"response": ""}, follow=True)
    assert f"{order.number}: The text is empty." in resp.content.decode()
    esc.refresh_from_db()
    assert esc.handled_at is None
    resp = boss.post(f"/orders/escalations/{esc.pk}/handle/", {"response": "已致电客户道歉"})
    assert resp.status_code == 302
    esc.refresh_from_db()
    assert esc.handled_at is not None and esc.response == "已致电客户道歉"
    assert f'id="escalation-{esc.pk}"' not in boss.get("/orders/escalations/").content.decode()
    # an agent cannot handle someone else's escalation
    e2 = actions.do_escalate(world.agent.user, order.pk, "再次升级")
    assert c.post(f"/orders/escalations/{e2.pk}/handle/", {"response": "x"}).status_code == 404


def test_link_and_merge(world, order) -> None:  # type: ignore[no-untyped-def]
    other = world.order(order.customer, title="同一问题")
    third = world.order(order.customer, title="重复报修")
    c = client_for(world.agent)
    resp = c.post(url(order, "link"), {"other": "GD-19990101-000001"})
    assert field_error(resp.content.decode(), "link", "other") == "Work order not found."
    resp = c.post(url(order, "link"), {"other": other.number})
    assert resp.status_code == 302
    assert OrderLink.objects.filter(source=order, target=other).exists()
    assert other.number in c.get(url(order)).content.decode().split('id="related-orders"')[1]
    resp = c.post(url(third, "merge"), {"survivor": third.number})
    assert field_error(resp.content.decode(), "merge", "survivor") == "An order cannot be merged into itself."
    resp = c.post(url(third, "merge"), {"survivor": order.number, "reason": "重复"})
    assert resp.status_code == 302 and resp["Location"] == url(order)
    t = WorkOrder.objects.get(pk=third.pk)
    assert t.merged_into_id == order.pk and t.status == "closed"
    page = c.get(url(order)).content.decode()
    assert third.number in page.split('id="related-orders"')[1]


def test_edit(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    data = {
        "title": "宽带断网（已确认）",
        "description": "光猫红灯",
        "order_type": "fault_general",
        "service": world.service_fault.pk,
        "priority": "urgent",
        "area": world.area_n2.pk,
        "version": order.version,
    }
    assert c.post(url(order, "edit"), {**data, "title": ""}).status_code == 400
    resp = c.post(url(order, "edit"), {**data, "order_type": "complaint"})
    assert (
        field_error(resp.content.decode(), "edit", "service") == "The service does not match the order type."
    )
    resp = c.post(url(order, "edit"), data)
    assert resp.status_code == 302
    o = WorkOrder.objects.get(pk=order.pk)
    assert (o.title, o.priority, o.area_id, o.service_id) == (
        "宽带断网（已确认）",
        "urgent",
        world.area_n2.pk,
        world.service_fault.pk,
    )
    assert AuditRecord.objects.filter(workorder_id=o.pk, action="order.update").count() == 1


def test_csrf_is_enforced(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent, enforce_csrf_checks=True)
    resp = c.post(url(order, "note"), {"body": "无令牌"})
    assert resp.status_code == 403
    assert not TimelineEntry.objects.filter(workorder=order, kind="note").exists()
    page = c.get(url(order)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert c.post(url(order, "note"), {"body": "有令牌", "csrfmiddlewaretoken": token}).status_code == 302


def test_inspector_sees_no_work_forms(world, order) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.inspector).get(url(order)).content.decode()
    assert 'id="note-form"' in body
    assert (
        'id="reply-form"' not in body and 'id="status-form"' not in body and 'id="transfer-form"' not in body
    )
    resp = client_for(world.inspector).post(
        url(order, "reply"), {"channel": "sms", "body": "x", "version": order.version}
    )
    assert resp.status_code == 400
    assert "does not allow this" in resp.content.decode()


def test_presence_and_changes_notice(world, order) -> None:  # type: ignore[no-untyped-def]
    agent, sup = client_for(world.agent), client_for(world.supervisor)
    v = order.version
    first = agent.get(url(order, "presence"), {"v": v}).content.decode()
    assert 'id="presence-others"' not in first and 'id="presence-changed"' not in first
    sup.get(url(order, "presence"), {"v": v})
    seen = agent.get(url(order, "presence"), {"v": v}).content.decode()
    assert "王经理" in seen and "also viewing this order" in seen
    actions.do_reply(world.supervisor.user, order.pk, "主管回复", channel="sms")
    changed = agent.get(url(order, "presence"), {"v": v}).content.decode()
    assert 'id="presence-changed"' in changed and "last reply by 王经理" in changed
    page = agent.get(url(order)).content.decode()
    assert f"presence/?v={v + 1}" in page


def test_create_order_page(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer(name="赵六", phone="13600136000", address="和平里3号")
    c = client_for(world.agent)
    page = c.get("/orders/new/", {"customer": cust.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="order-create-form"' in body and "赵六" in body
    assert re.search(r'<option value="phone" selected>', body)
    resp = c.post(f"/orders/new/?customer={cust.pk}", {"order_type": "", "title": "", "channel": "phone"})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert field_error(body, "create", "order_type") == "Choose the type of the order."
    assert field_error(body, "create", "title") == "A short title is required."
    assert not WorkOrder.objects.exists()
    resp = c.post(
        f"/orders/new/?customer={cust.pk}",
        {
            "order_type": "fault_general",
            "service": world.service_fault.pk,
            "channel": "counter",
            "title": "燃气灶打不着火",
            "description": "柜台来访",
            "area": world.area_n2.pk,
            "co_receivers": [world.agent_senior.pk],
        },
    )
    assert resp.status_code == 302
    o = WorkOrder.objects.get()
    assert resp["Location"] == url(o)
    # received together: the most senior (赵客服, grade 3) answers for it
    assert o.owner_id == world.agent_senior.pk and o.channel == "counter" and o.area_id == world.area_n2.pk


def test_create_for_invisible_customer_is_404(world) -> None:  # type: ignore[no-untyped-def]
    south = world.customer(name="南", phone="13500135000", branch=world.south)
    assert client_for(world.agent).get("/orders/new/", {"customer": south.pk}).status_code == 404


def test_service_options_filtered_by_type(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    fault = c.get("/orders/new/services/", {"order_type": "fault_general"}).content.decode()
    assert "宽带故障报修" in fault
    assert "宽带故障报修" not in c.get("/orders/new/services/", {"order_type": "complaint"}).content.decode()


def _count(c: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = c.get(path)
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def _fill(world, o, n: int) -> None:  # type: ignore[no-untyped-def]
    u = world.agent.user
    for i in range(n):
        kind = i % 3
        if kind == 0:
            actions.do_reply(
                u, o.pk, f"回复{i}", files=[SimpleUploadedFile(f"f{i}.txt", b"data")], channel="sms"
            )
        elif kind == 1:
            actions.do_note(world.technician.user, o.pk, f"备注{i}")
        else:
            staff = world.technician if i % 2 else world.agent_senior
            actions.do_transfer(u, o.pk, to_staff_id=staff.pk, reason=f"转{i}")


def test_order_page_query_count_is_fixed(world, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    small, big = world.order(cust, title="少"), world.order(cust, title="多")
    _fill(world, small, 3)
    _fill(world, big, 30)
    actions.do_escalate(world.agent.user, small.pk, "升级")
    actions.do_escalate(world.agent.user, big.pk, "升级")
    c = client_for(world.agent)
    c.get(url(small))  # warm the session
    assert TimelineEntry.objects.filter(workorder=big).count() >= 30
    assert _count(c, url(big)) == _count(c, url(small))
    # 25 for the page itself, +1 for the customer-type panel of complaints (its own fixed-count test
    # is in kefu/complaints/tests/test_views.py), +1 for the notification bell (one COUNT on the partial
    # index notification_unread), +1 the newest live-event id (the page's event stream starts after it:
    # kefu.live, one primary-key look-up), +3 for the "Reaching the customer" card of commitments (clocks,
    # contact attempts, requests for materials beyond the one-time notice)
    with django_assert_max_num_queries(31):
        c.get(url(big))


def test_pages_render_in_the_default_language(world, order) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(world.agent.user)
    for path in (
        url(order),
        "/orders/?tab=team",
        "/orders/escalations/",
        f"/orders/new/?customer={order.customer_id}",
    ):
        resp = c.get(path)
        assert resp.status_code == 200, path
        assert '<html lang="zh-hans">' in resp.content.decode()


def test_htmx_post_redirects_with_header(world, order) -> None:  # type: ignore[no-untyped-def]
    resp = client_for(world.agent).post(url(order, "note"), {"body": "HTMX 备注"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 204
    assert resp["HX-Redirect"] == url(order)
    assert TimelineEntry.objects.filter(workorder=order, kind="note", body="HTMX 备注").exists()
