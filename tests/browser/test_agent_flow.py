"""The agent's day in a real browser: queue → order → reply (shortcut r) → resolve; transfer; errors."""

import re

import pytest
from playwright.sync_api import expect

from kefu.testing.factories import PASSWORD
from kefu.workorders.models import TimelineEntry, Transfer, WorkOrder
from tests.browser.conftest import login, new_context_page, seed_orders, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_replies_with_shortcut_and_resolves(page, world):
    orders = seed_orders(world)
    o = orders["broadband"]
    login(page, "agent", PASSWORD)
    page.goto("/orders/?tab=mine")
    rows = page.locator("#queue-table tbody tr[data-number]")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.number)")) == sorted(
        x.number for x in orders.values()
    )
    expect(page.locator("#queue-count")).to_contain_text("4")
    page.locator(f"#order-row-{o.pk} a").first.click()
    expect(page.locator("#order-number")).to_have_text(o.number)
    expect(page.locator("#order-owner")).to_contain_text("李客服")

    # r (outside a field) puts the cursor in the reply box
    page.locator("h1").click()
    page.keyboard.press("r")
    expect(page.locator("#reply-body")).to_be_focused()
    page.keyboard.type("您好，师傅今天下午两点上门检查线路。")
    page.check("[data-testid=reply-channel-sms]")  # a phone order: the agent says how it reaches them
    page.click("#reply-submit")
    reply = page.locator("#timeline [data-kind=reply]")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("师傅今天下午两点上门检查线路")
    entry = TimelineEntry.objects.get(workorder=o, kind="reply")
    assert entry.public and entry.author_staff_id == world.agent.pk
    assert page.locator(f"#entry-{entry.pk}").count() == 1

    page.select_option("#status-status", "resolved")
    page.fill("#status-resolution", "更换分光器后恢复上网")
    page.click("#status-submit")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "resolved")
    expect(page.locator("#order-status")).to_have_text(zh("resolved"))
    o.refresh_from_db()
    assert o.status == "resolved" and o.resolution == "更换分光器后恢复上网"


def test_transfer_keeps_owner_and_refuses_nobody(page, world):
    o = seed_orders(world)["refund"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")

    # a transfer without a receiving party: error next to the field, nothing changes
    version = o.version
    page.locator("h1").click()
    page.keyboard.press("t")
    expect(page.locator("#transfer-form")).to_be_visible()
    page.fill("#transfer-reason", "需要维修班处理")
    page.click("#transfer-submit")
    err = page.locator("#transfer-to_staff-error")
    expect(err).to_be_visible()
    assert err.inner_text().strip()
    expect(page.locator("#transfer-form")).to_be_visible()  # the form stays open with the error
    assert page.locator("#transfer-reason").input_value() == "需要维修班处理"
    o.refresh_from_db()
    assert o.version == version and o.assignee_id == world.agent.pk
    assert not Transfer.objects.filter(workorder=o).exists()

    # now to the repair department, with a reason
    page.select_option("#transfer-to_staff", "")
    page.select_option("#transfer-to_department", str(world.repair_north.pk))
    page.click("#transfer-submit")
    expect(page.locator("#order-department")).to_have_text("维修班")
    expect(page.locator("#order-owner")).to_contain_text("李客服")
    expect(page.locator("#order-assignee")).to_have_text("—")
    trail = page.locator("#transfers li.transfer")
    expect(trail).to_have_count(1)
    expect(trail).to_contain_text(re.compile(r"李客服.*→ 维修班.*需要维修班处理"))
    expect(page.locator("#timeline [data-kind=transfer]")).to_have_count(1)
    o.refresh_from_db()
    assert o.owner_id == world.agent.pk
    assert o.assignee_id is None and o.department_id == world.repair_north.pk
    t = Transfer.objects.get(workorder=o)
    assert (t.from_staff_id, t.to_department_id, t.reason) == (
        world.agent.pk,
        world.repair_north.pk,
        "需要维修班处理",
    )


def test_escalation_reaches_the_supervisor_who_handles_it(page, browser, live_server, world):
    o = seed_orders(world)["refund"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.locator("h1").click()
    page.keyboard.press("e")
    expect(page.locator("#escalate-reason")).to_be_focused()
    page.keyboard.type("客户第三次来电投诉，情绪激动，要求经理回电")
    page.click("#escalate-submit")
    expect(page.locator("#escalations li")).to_contain_text("王经理")
    o.refresh_from_db()
    assert o.escalated
    esc = o.escalations.get()
    assert esc.leader_id == world.supervisor.pk and esc.handled_at is None

    sup = new_context_page(browser, live_server, "sup", PASSWORD)
    try:
        sup.goto("/orders/escalations/")
        row = sup.locator(f"#escalation-{esc.pk}")
        expect(row).to_contain_text(o.number)
        expect(row).to_contain_text("情绪激动")
        expect(row).to_contain_text("李客服")
        # "Order" here is a work order, not Django's "Order" (= sort order, 排序)
        expect(sup.locator("#escalations-table thead th").first).not_to_have_text("排序")
        sup.click(f"#handle-open-{esc.pk}")
        expect(sup.locator("#handle-dialog")).to_be_visible()
        sup.fill("#handle-response", "已回电客户，同意退还多扣费用")
        sup.click("#handle-submit")
        expect(sup.locator(f"#escalation-{esc.pk}")).to_have_count(0)
        sup.goto("/orders/escalations/?status=handled")
        expect(sup.locator(f"#escalation-{esc.pk}")).to_contain_text(o.number)
        esc.refresh_from_db()
        assert esc.handled_at is not None and esc.response == "已回电客户，同意退还多扣费用"
        o.refresh_from_db()
        assert o.escalations.filter(handled_at__isnull=True).count() == 0
    finally:
        sup.context.close()


def test_south_agent_gets_404_for_a_north_order(page, world):
    o = seed_orders(world)["broadband"]
    login(page, "agent_s", PASSWORD)
    resp = page.goto(f"/orders/{o.number}/")
    assert resp is not None and resp.status == 404
    assert o.title not in page.content()
    assert "张三" not in page.content()
    # the queue does not list it either, nor does search
    page.goto(f"/orders/?tab=team&q={o.number}")
    expect(page.locator("#queue-table tbody tr[data-number]")).to_have_count(0)


def test_language_switch_on_the_queue(page, world):
    seed_orders(world)
    login(page, "agent", PASSWORD)
    page.goto("/orders/?tab=team")
    expect(page.locator("#tab-team")).to_contain_text(zh("Team queue"))
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "tab=team" in page.url
    expect(page.locator("#tab-mine")).to_contain_text("My queue")
    expect(page.locator("#tab-team")).to_contain_text("Team queue")
    expect(page.locator("#queue-table thead")).to_contain_text("First-contact owner")
    with page.expect_navigation():
        page.select_option("#lang-select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator("#tab-mine")).to_contain_text(zh("My queue"))
    expect(page.locator("#queue-table thead")).to_contain_text(zh("First-contact owner"))
    expect(page.locator("#lang-select option:checked")).to_have_text("简体中文")
    assert WorkOrder.objects.count() == 4


def test_note_shortcut_and_search_shortcut(page, world):
    orders = seed_orders(world)
    o, other = orders["install"], orders["refund"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.locator("h1").click()
    page.keyboard.press("n")
    expect(page.locator("#note-body")).to_be_focused()
    page.keyboard.type("客户要求周六上午，已和安装班确认。")
    page.click("#note-submit")
    note = page.locator("#timeline [data-kind=note]")
    expect(note).to_contain_text("已和安装班确认")
    expect(note.locator(".badge-internal")).to_have_count(1)
    entry = TimelineEntry.objects.get(workorder=o, kind="note")
    assert not entry.public

    # "/" jumps to the search box in the top bar; an exact order number opens that order
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#nav-search")).to_be_focused()
    page.keyboard.type(other.number.lower())
    page.keyboard.press("Enter")
    expect(page.locator("#order-number")).to_have_text(other.number)
    # typing a shortcut key inside a field types the letter instead
    page.locator("#reply-body").click()
    page.keyboard.type("rn")
    assert page.locator("#reply-body").input_value() == "rn"
    expect(page.locator("#reply-body")).to_be_focused()
