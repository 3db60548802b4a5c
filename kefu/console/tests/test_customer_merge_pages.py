"""The console's merge pages: the preview with its field choices, the merge, the undo button, the
supervisor's merge queue, the duplicate suggestions on the customer page and the order-move page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from kefu.channels.actions import create_channel_customer
from kefu.customers.models import ContactPoint, Customer, CustomerMerge
from kefu.testing.factories import World
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def client_for(staff, lang: str = "en") -> Client:  # type: ignore[no-untyped-def]
    c = Client(enforce_csrf_checks=False)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    c.force_login(staff.user)
    return c


def _pair(world: World) -> tuple[Customer, Customer]:
    real = world.customer(name="张伟", phone="13800138000", email="zw@example.com")
    ph = create_channel_customer(name="WeChat user Zhang0001", branch=world.north, summary="chat")
    ContactPoint.objects.create(customer=ph, kind="wechat", value="wmZhang0001", normalized="wmZhang0001")
    # the agent noted the phone the chat customer gave: a shared identity
    ContactPoint.objects.create(customer=ph, kind="phone", value="138 0013 8000", normalized="+8613800138000")
    return real, ph


def test_customer_page_suggests_the_duplicate_and_the_queue_lists_the_pair(world: World) -> None:
    real, ph = _pair(world)
    page = client_for(world.supervisor).get(f"/customers/{real.pk}/").content.decode()
    assert f'data-duplicate="{ph.number}"' in page
    assert "same phone number" in page
    assert f"/customers/{real.pk}/merge/?with={ph.pk}" in page
    queue = client_for(world.supervisor).get("/customers/duplicates/")
    assert queue.status_code == 200
    assert f'data-pair="{real.number}-{ph.number}"' in queue.content.decode()
    assert client_for(world.agent).get("/customers/duplicates/").status_code == 404  # nothing to probe
    # the south supervisor does not see the north branch's records
    assert (
        f"{real.number}"
        not in client_for(world.supervisor_south).get("/customers/duplicates/").content.decode()
    )


def test_preview_merge_and_undo_through_the_pages(world: World) -> None:
    real, ph = _pair(world)
    o = world.order(ph, title="微信报修")
    c = client_for(world.supervisor)
    preview = c.get(f"/customers/{real.pk}/merge/?with={ph.number}")
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'data-key="workorders.WorkOrder.customer"><strong>1</strong>' in html
    assert 'data-identity="wechat"' in html
    assert 'name="choice_name"' in html and 'name="choice_email"' not in html  # only the survivor has one
    r = c.post(
        f"/customers/{real.pk}/merge/",
        {"with": [str(ph.pk)], "choice_name": str(real.pk), "reason": "客户在微信里报了电话"},
    )
    assert r.status_code == 302 and r["Location"] == f"/customers/{real.pk}/"
    assert WorkOrder.objects.get(pk=o.pk).customer_id == real.pk
    record = CustomerMerge.objects.get(survivor=real)
    page = c.get(f"/customers/{real.pk}/").content.decode()
    assert f'data-undo="{record.pk}"' in page
    assert c.get(f"/customers/{ph.pk}/").status_code == 302
    r = c.post(f"/customers/merges/{record.pk}/undo/", {"next": f"/customers/{real.pk}/"})
    assert r.status_code == 302
    assert WorkOrder.objects.get(pk=o.pk).customer_id == ph.pk
    assert c.get(f"/customers/{ph.pk}/").status_code == 200


def test_merge_page_refusals(world: World) -> None:
    real, ph = _pair(world)
    assert client_for(world.agent).get(f"/customers/{real.pk}/merge/?with={ph.pk}").status_code == 404
    r = client_for(world.supervisor).get(f"/customers/{real.pk}/merge/?with=KH99999999")
    assert r.status_code == 404 and 'data-testid="merge-error"' in r.content.decode()
    r = client_for(world.supervisor).post(f"/customers/{real.pk}/merge/", {"with": [str(real.pk)]})
    assert r.status_code == 400
    assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_order_move_page(world: World) -> None:
    real, ph = _pair(world)
    o = world.order(ph, title="微信报修")
    page = client_for(world.agent).get(f"/customers/move-order/{o.number}/").content.decode()
    assert f'data-suggestion="{real.number}"' in page
    r = client_for(world.agent).post(
        f"/customers/move-order/{o.number}/", {"customer": real.number, "reason": ""}
    )
    assert r.status_code == 400
    r = client_for(world.agent).post(
        f"/customers/move-order/{o.number}/", {"customer": real.number, "reason": "同一客户"}
    )
    assert r.status_code == 302
    assert WorkOrder.objects.get(pk=o.pk).customer_id == real.pk
    assert client_for(world.agent_senior).get(f"/customers/move-order/{o.number}/").status_code == 403
