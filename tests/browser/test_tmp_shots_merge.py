import pytest
from django.db import transaction

from kefu.channels.actions import create_channel_customer
from kefu.customers import merge
from kefu.customers.models import ContactPoint
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_shots(page, world):
    real = world.customer("张伟", "13800138000", address="和平里东街5号")
    other = world.customer("李娜", "13900139000", address="安定路8号")
    with transaction.atomic():
        ph = create_channel_customer(name="WeChat user 8a3f2c1d", branch=world.north, summary="chat")
        ph2 = create_channel_customer(name="WeChat user 77b1e0aa", branch=world.north, summary="chat")
    ContactPoint.objects.create(customer=ph, kind="wechat", value="wm8a3f2c1d", normalized="wm8a3f2c1d")
    ContactPoint.objects.create(customer=ph2, kind="phone", value="13900139000", normalized="+8613900139000")
    world.order(ph, title="微信：燃气表读数核对")
    merge.do_merge(world.supervisor.user, real.pk, [ph.pk], reason="同一人")
    login(page, "sup", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/customers/{real.pk}/")
    screenshot(page, "tmp-survivor")
    page.goto(f"/customers/{other.pk}/")
    screenshot(page, "tmp-dup")
    page.goto("/customers/duplicates/")
    screenshot(page, "tmp-queue")
    o = world.order(other, title="报装进度")
    page.goto(f"/customers/move-order/{o.number}/")
    screenshot(page, "tmp-move")
