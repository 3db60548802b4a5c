"""Browser tests of the customer pages: search by a phone typed with spaces, duplicate warning and
"save anyway", adding a payment from the customer page, a new order from the customer page, shortcuts."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kefu.customers import actions
from kefu.customers.models import Customer, Payment
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import add_archive, login, screenshot, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_and_customer_page(page, world):
    zhang = world.customer("张三", "13800138000", address="和平里东街5号")
    world.customer("张三丰", "13900139000", address="北苑路12号")
    world.customer("南城张三", "13500135000", branch=world.south)
    add_archive(world, zhang)
    actions.do_add_record(
        world.agent.user, zhang.pk, "person", {"name": "张太太", "title": "家属", "phone": "13811112222"}
    )
    actions.do_add_note(world.agent.user, zhang.pk, "老用户，上午不在家，请下午联系。")
    actions.do_log_contact(world.agent.user, zhang.pk, "counter", "到营业厅咨询200M套餐资费")
    world.order(zhang, title="宽带无法上网")
    world.order(zhang, order_type="inquiry", title="咨询套餐资费")
    login(page, "agent", PASSWORD)

    page.goto("/customers/")
    page.locator("h1").click()  # move the focus away from the autofocused search box
    page.keyboard.press("/")
    expect(page.locator("#cs-q")).to_be_focused()
    page.keyboard.type("张三")
    page.keyboard.press("Enter")
    rows = page.locator("#customer-table tbody tr[data-customer]")
    expect(rows).to_have_count(2)  # the southern 张三 is another branch's
    page.fill("#cs-q", "138 0013 8000")
    page.click("#customer-search-submit")
    expect(rows).to_have_count(1)
    rows.first.locator("a").first.click()

    expect(page.locator("#customer-name")).to_have_text("张三")
    expect(page.locator("#customer-area")).to_have_text("和平里片区")
    expect(page.locator("#customer-orders tbody tr[data-number]")).to_have_count(2)
    expect(page.locator("#payment-table tbody tr")).to_have_count(3)
    expect(page.locator("#payment-summary")).to_contain_text("1")
    expect(page.locator("#people-table")).to_contain_text("张太太")
    expect(page.locator("#contact-history")).to_contain_text("到营业厅咨询200M套餐资费")
    expect(page.locator("#customer-notes")).to_contain_text("老用户")
    expect(page.locator("#tier-section")).to_be_visible()
    screenshot(page, "customer", for_docs=True)

    # add a late payment through the form: the tier/churn are recomputed and the table grows
    page.click("#payment-toggle")
    due = timezone.localdate() - dt.timedelta(days=40)
    page.fill("#payment-description", "宽带月费补缴")
    page.fill("#payment-amount", "99")
    page.fill("#payment-due_date", due.isoformat())
    page.fill("#payment-paid_on", (due + dt.timedelta(days=20)).isoformat())
    page.click("#payment-submit")
    expect(page.locator("#payment-table tbody tr")).to_have_count(4)
    expect(page.locator("#payment-table")).to_contain_text("宽带月费补缴")
    assert Payment.objects.filter(customer=zhang).count() == 4

    # a bad amount is refused next to the field and nothing is saved
    page.click("#payment-toggle")
    page.fill("#payment-amount", "-5")
    page.fill("#payment-due_date", due.isoformat())
    page.click("#payment-submit")
    expect(page.locator("[data-testid=error-payment-amount]")).to_be_visible()
    assert Payment.objects.filter(customer=zhang).count() == 4

    # o = new order for this customer
    page.goto(f"/customers/{zhang.pk}/")
    page.keyboard.press("o")
    expect(page).to_have_url(f"{page.url.split('/customers/')[0]}/orders/new/?customer={zhang.pk}")
    expect(page.locator("#create-customer")).to_contain_text("张三")


def test_duplicate_warning_and_create_anyway(page, world):
    old = world.customer("李四", "13900139000", address="北苑路12号")
    login(page, "agent", PASSWORD)
    page.goto("/customers/new/")
    page.fill("#cust-name", "李四的儿子")
    page.fill("#cust-phone", "+86 139-0013-9000")
    page.fill("#cust-address", "北苑路12号2单元")
    page.click("#customer-save")
    warning = page.locator("#duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning.locator(f"[data-duplicate='{old.number}']")).to_have_text("李四")
    assert Customer.objects.count() == 1
    screenshot(page, "customer-create-duplicate", for_docs=True)

    page.check("#cust-allow_duplicate")
    page.click("#customer-save")
    expect(page.locator("#customer-name")).to_have_text("李四的儿子")
    expect(page.locator("#customer-area")).to_have_text("北苑片区")
    new = Customer.objects.get(name="李四的儿子")
    assert new.phone_e164 == old.phone_e164 == "+8613900139000"


def test_field_errors_in_chinese_and_edit(page, world):
    cust = world.customer("王五", "13700137000")
    login(page, "agent", PASSWORD)
    page.goto("/customers/new/")
    page.fill("#cust-phone", "12345")
    page.click("#customer-save")
    expect(page.locator("[data-testid=error-cust-name]")).to_have_text(zh("Name is required."))
    expect(page.locator("[data-testid=error-cust-phone]")).to_be_visible()

    page.goto(f"/customers/{cust.pk}/")
    page.keyboard.press("e")
    page.fill("#cust-address", "安定路8号")
    page.click("#customer-save")
    # the agent sees the saved address masked (docs/privacy.md), on the page and in the service log
    expect(page.locator("#customer-address [data-testid=pd-masked]")).to_have_text("安定路***")
    expect(page.locator("#customer-area")).to_have_text("和平里片区")
    expect(page.locator("#audit-log")).to_contain_text("安定路***")
    expect(page.locator("#audit-log")).not_to_contain_text("安定路8号")
