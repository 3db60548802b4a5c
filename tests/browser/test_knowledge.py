"""Knowledge base in a real browser: a customer on a phone searches the portal FAQ with a 2-character
Chinese term and opens the answer; an agent sees a suggested article on an order page, and the list follows
the reply being written."""

import pytest
from playwright.sync_api import expect

from kefu.knowledge.actions import ArticleInput, do_save_article
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def articles(world):  # type: ignore[no-untyped-def]
    def save(title: str, body: str, **kw):  # type: ignore[no-untyped-def]
        return do_save_article(
            world.supervisor.user, ArticleInput(title=title, body=body, published=True, **kw)
        )

    return {
        "refund": save(
            "如何申请退款？",
            "拨打热线或到营业厅办理，退款三个工作日内原路退回。",
            service_terms="办理退款免费",
        ),
        "broadband": save(
            "宽带无法上网怎么办？",
            "请先重启光猫和路由器；若指示灯不亮，请在网上报修。",
            service_terms="保修期内免费；保修期外上门费50元起",
        ),
        "internal": save("退款审批流程（内部）", "超过500元的退款需主管审批。", audience="internal"),
    }


def test_customer_searches_the_faq_on_a_phone(phone_page, world):  # type: ignore[no-untyped-def]
    kb = articles(world)
    page = phone_page
    page.goto("/portal/faq/")
    expect(page.locator("[data-testid=faq-item]")).to_have_count(2)
    page.fill("#faq-q", "退款")
    page.click("#faq-submit")
    items = page.locator("[data-testid=faq-item]")
    expect(items).to_have_count(1)  # the internal article is not shown
    expect(items).to_have_text("如何申请退款？")
    screenshot(page, "faq-search-phone", for_docs=True)
    # the page fits the phone's width (no horizontal scrolling)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    items.first.locator("a").click()
    expect(page.locator("#faq-article h1")).to_have_text("如何申请退款？")
    expect(page.locator("#faq-terms")).to_contain_text("办理退款免费")
    assert page.url.endswith(f"/portal/faq/{kb['refund'].pk}/?q=%E9%80%80%E6%AC%BE")
    page.click("#faq-back")
    expect(page.locator("#faq-q")).to_have_value("退款")


def test_agent_sees_suggested_articles_on_the_order_page(page, world):  # type: ignore[no-untyped-def]
    kb = articles(world)
    o = seed_orders(world)["broadband"]
    login(page, "agent", PASSWORD)
    page.goto(f"/orders/{o.number}/")
    card = page.locator("[data-testid=kb-suggestions-card]")
    expect(card.locator("[data-testid=kb-suggestion]").first).to_contain_text("宽带无法上网怎么办？")
    expect(card).to_contain_text("保修期外上门费50元起")
    screenshot(page, "knowledge-suggestions", for_docs=True)
    # writing about a refund brings the refund articles to the top
    page.locator("#reply-body").press_sequentially("您好，您的退款")
    expect(card.locator("[data-testid=kb-suggestion]").first).to_contain_text("退款", timeout=10_000)
    expect(card).to_contain_text("退款审批流程（内部）")
    with page.context.expect_page() as new_tab:
        card.get_by_role("link", name="如何申请退款？").click()
    tab = new_tab.value
    expect(tab.locator("#kb-article h1")).to_have_text("如何申请退款？")
    assert tab.url.endswith(f"/knowledge/{kb['refund'].pk}/")
