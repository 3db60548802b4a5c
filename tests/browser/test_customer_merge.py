"""Browser test of the customer merge: the supervisor finds the WeChat placeholder as a possible duplicate on
the customer page, opens the merge preview (what moves, the identities, a choice per differing value),
merges, sees the merged record's page lead to the survivor, and undoes the merge."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from kefu.channels.actions import create_channel_customer
from kefu.customers.models import ContactPoint, Customer
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import WorkOrder
from tests.browser.conftest import login, screenshot, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_merge_preview_merge_and_undo(page, world):
    real = world.customer("张伟", "13800138000", address="和平里东街5号")
    with transaction.atomic():
        ph = create_channel_customer(name="WeChat user Zhang0001", branch=world.north, summary="chat")
    ContactPoint.objects.create(customer=ph, kind="wechat", value="wmZhang0001", normalized="wmZhang0001")
    ContactPoint.objects.create(customer=ph, kind="phone", value="13800138000", normalized="+8613800138000")
    o = world.order(ph, title="微信：燃气表读数核对")
    login(page, "sup", PASSWORD)

    page.goto(f"/customers/{real.pk}/")
    section = page.locator("#duplicates-section")
    expect(section.locator(f'[data-duplicate="{ph.number}"]')).to_contain_text(zh("same phone number"))
    section.get_by_role("link", name=zh("Review merge")).click()

    moves = page.locator("#merge-moves")
    expect(moves.locator('[data-key="workorders.WorkOrder.customer"]')).to_contain_text("1")
    # masked like everywhere else (docs/privacy.md): the kind and the first character
    expect(page.locator('#merge-identities [data-identity="wechat"]')).to_contain_text(
        zh("WeChat") + ": w***"
    )
    expect(page.locator('#merge-identities [data-identity="phone"]')).to_contain_text(
        zh("already on this record")
    )
    name_choice = page.locator('#merge-choices [data-field="name"]')
    expect(name_choice.locator("input[type=radio]")).to_have_count(2)
    expect(name_choice.locator(f'input[value="{real.pk}"]')).to_be_checked()
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "customer-merge-preview", for_docs=True)
    page.fill("#merge-reason", "客户在微信里留了电话，是同一人")
    page.click("#merge-submit")

    expect(page.locator("#customer-name")).to_have_text("张伟")
    expect(page.locator(f'#customer-orders tr[data-number="{o.number}"]')).to_be_visible()
    expect(page.locator("#contact-points")).to_contain_text(zh("from a merged record"))
    assert WorkOrder.objects.get(pk=o.pk).customer_id == real.pk

    page.goto(f"/customers/{ph.pk}/")  # the merged record leads to the survivor
    expect(page.locator("#customer-number")).to_have_text(real.number)

    page.locator("#customer-merges button[data-undo]").click()
    expect(page.locator(f'#customer-orders tr[data-number="{o.number}"]')).to_have_count(0)
    assert Customer.objects.get(pk=ph.pk).merged_into_id is None
    assert WorkOrder.objects.get(pk=o.pk).customer_id == ph.pk
