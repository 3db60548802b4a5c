"""Service standards in a real browser: a standard phrase goes into the reply box; a forbidden phrase is
stopped with the match and the suggestion; with a reason it is sent and recorded for the supervisor."""

import pytest
from playwright.sync_api import expect

from kefu.standards.models import StandardPhrase, StandardsViolation
from kefu.standards.services import ensure_defaults
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import TimelineEntry
from tests.browser.conftest import login, new_context_page, screenshot, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_forbidden_phrase_is_stopped_then_sent_with_a_reason(page, world, browser, live_server):
    ensure_defaults()  # the migration's rows are gone after earlier flushing tests
    o = seed_orders(world)["broadband"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")

    # a standard phrase, inserted at the cursor
    wait = StandardPhrase.objects.get(text_zh="请稍候，我马上给您办理。")
    page.fill("#reply-body", "您好，")
    page.select_option("#phrase-select", f"{wait.pk}-zh")
    page.click("[data-testid=phrase-insert]")
    expect(page.locator("#reply-body")).to_have_value("您好，请稍候，我马上给您办理。")

    # a forbidden phrase, traditional characters with spaces: the live hint shows it while typing
    page.fill("#reply-body", "")
    page.locator("#reply-body").press_sequentially("您好，你 去，投 訴好了")
    expect(page.locator("[data-testid=standards-live-match]")).to_contain_text("你 去，投 訴好了")

    page.check("[data-testid=reply-channel-sms]")
    page.click("#reply-submit")
    stop = page.locator("[data-testid=standards-stop]")
    expect(stop).to_be_visible()
    expect(stop.locator("mark")).to_have_text("你 去，投 訴好了")
    expect(stop.locator("[data-testid=standards-suggestion]")).to_contain_text("我马上为您处理")
    expect(page.locator("#reply-body-error")).to_be_visible()
    expect(page.locator("[data-testid=override-reason]")).to_be_visible()
    assert not TimelineEntry.objects.filter(workorder=o, kind="reply").exists()
    screenshot(page, "standards-stopped")

    page.fill("[data-testid=override-reason]", "客户要求按原话转达投诉渠道")
    page.click("#reply-submit")
    expect(page.locator("#timeline")).to_contain_text("您好，你 去，投 訴好了")
    expect(page.locator("[data-testid=standards-stop]")).to_have_count(0)
    v = StandardsViolation.objects.get()
    assert (v.workorder_id, v.staff_id, v.reason, v.source) == (
        o.pk,
        world.agent.pk,
        "客户要求按原话转达投诉渠道",
        "console",
    )
    assert [p["phrase"] for p in v.phrases] == ["你去投诉好了"]

    # the supervisor sees it on the standards page
    sup = new_context_page(browser, live_server, "sup", PASSWORD)
    try:
        sup.goto("/standards/violations/")
        row = sup.locator("[data-testid=violation-row]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(o.number)
        expect(row).to_contain_text("客户要求按原话转达投诉渠道")
    finally:
        sup.context.close()


def test_suggestion_replaces_the_forbidden_phrase(page, world):
    ensure_defaults()
    o = seed_orders(world)["refund"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    page.fill("#reply-body", "您好，我不管，問別人去")
    page.check("[data-testid=reply-channel-sms]")
    page.click("#reply-submit")
    page.locator("[data-testid=standards-stop] button").first.click()
    expect(page.locator("#reply-body")).to_have_value("您好，请稍候，我马上帮您联系负责的同事。")
    page.click("#reply-submit")
    expect(page.locator("#timeline")).to_contain_text("请稍候，我马上帮您联系负责的同事。")
    assert not StandardsViolation.objects.exists()
