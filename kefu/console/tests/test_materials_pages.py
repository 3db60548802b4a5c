"""Console materials checklist, the printable one-time notice, and the notice in the customer portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from kefu.channels.models import OutboxMessage
from kefu.commitments.materials import do_check_materials
from kefu.commitments.models import MaterialsNotice, ServiceMaterial
from kefu.testing.factories import make_portal_customer
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world: Any) -> Any:
    s = world.service_fault
    m1 = ServiceMaterial.objects.create(service=s, name="身份证复印件", description="户主本人", order=1)
    m2 = ServiceMaterial.objects.create(service=s, name="房产证", order=2)
    m3 = ServiceMaterial.objects.create(service=s, name="户型图", required=False, order=3)
    customer = world.customer(email="zhang@example.com")
    order = world.order(customer, service_id=s.pk)
    return {"m": [m1, m2, m3], "order": order, "customer": customer}


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def test_order_page_shows_checklist_and_check_creates_notice(world: Any, scene: Any) -> None:
    o, (m1, m2, _m3) = scene["order"], scene["m"]
    c = client_for(world.agent)
    page = c.get(f"/orders/{o.number}/").content.decode()
    assert 'id="materials-form"' in page and "身份证复印件" in page and f'value="{m2.pk}"' in page
    resp = c.post(
        f"/orders/{o.number}/materials/", {"supplied": [str(m2.pk)], "version": o.version, "note": ""}
    )
    assert resp.status_code == 302
    notice = MaterialsNotice.objects.get(workorder=o)
    assert notice.items == ["身份证复印件"]
    assert WorkOrder.objects.get(pk=o.pk).status == "awaiting_materials"
    page = c.get(f"/orders/{o.number}/").content.decode()
    assert f"/orders/{o.number}/notices/{notice.pk}/" in page
    timeline = page[page.index('id="timeline"') : page.index("</ol>", page.index('id="timeline"'))]
    assert "One-time notice of the missing materials given" in timeline and "materials_notice" not in timeline
    # same state posted again: no second notice
    o.refresh_from_db()
    c.post(f"/orders/{o.number}/materials/", {"supplied": [str(m2.pk)], "version": o.version})
    assert MaterialsNotice.objects.filter(workorder=o).count() == 1 and OutboxMessage.objects.count() == 1
    # everything supplied: moves on to in progress
    o.refresh_from_db()
    c.post(f"/orders/{o.number}/materials/", {"supplied": [str(m1.pk), str(m2.pk)], "version": o.version})
    assert WorkOrder.objects.get(pk=o.pk).status == "in_progress"


def test_bad_input_is_a_message_not_an_error_page(world: Any, scene: Any) -> None:
    o = scene["order"]
    c = client_for(world.agent)
    resp = c.post(f"/orders/{o.number}/materials/", {"supplied": ["999999"]}, follow=True)
    assert resp.status_code == 200 and "Unknown material" in resp.content.decode()
    stale = c.post(f"/orders/{o.number}/materials/", {"supplied": [], "version": o.version + 5}, follow=True)
    assert stale.status_code == 200 and MaterialsNotice.objects.count() == 0


def test_printable_notice_page(world: Any, scene: Any) -> None:
    o = scene["order"]
    notice = do_check_materials(world.agent.user, o.number, []).notice
    assert notice is not None
    resp = client_for(world.agent).get(f"/orders/{o.number}/notices/{notice.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert (
        'data-testid="notice-print"' in html
        and "kefu/notice-print" in html
        and '<button type="button" data-print>' in html
    )
    assert "<li>身份证复印件</li>" in html and "<li>房产证</li>" in html and "户型图" not in html
    assert o.number in html and "zhang@example.com" in html and "李客服" in html


def test_other_branch_staff_get_404(world: Any, scene: Any) -> None:
    o = scene["order"]
    notice = do_check_materials(world.agent.user, o.number, []).notice
    assert notice is not None
    south = client_for(world.agent_south)
    assert south.get(f"/orders/{o.number}/notices/{notice.pk}/").status_code == 404
    assert south.post(f"/orders/{o.number}/materials/", {"supplied": []}).status_code == 404
    # a notice id of another order under this order's number is not found either
    other = world.order(world.customer("李四", "13900139000"), service_id=world.service_fault.pk)
    n2 = do_check_materials(world.agent.user, other.number, []).notice
    assert n2 is not None
    assert client_for(world.agent).get(f"/orders/{o.number}/notices/{n2.pk}/").status_code == 404
    assert MaterialsNotice.objects.count() == 2


def test_portal_shows_the_notice_only_to_its_customer(world: Any, scene: Any) -> None:
    o, customer = scene["order"], scene["customer"]
    do_check_materials(world.agent.user, o.number, [], note="请工作日带齐")
    make_portal_customer(world, customer, "cust")
    c = Client()
    c.force_login(customer.user)
    html = c.get(f"/portal/orders/{o.number}/").content.decode()
    assert 'id="portal-notices"' in html and "<li>身份证复印件</li>" in html and "请工作日带齐" in html
    other = world.customer("李四", "13900139000")
    make_portal_customer(world, other, "cust2")
    c2 = Client()
    c2.force_login(other.user)
    assert c2.get(f"/portal/orders/{o.number}/").status_code == 404


def test_create_form_shows_the_services_required_materials(world: Any, scene: Any) -> None:
    c = client_for(world.agent)
    page = c.get(f"/orders/new/?customer={scene['customer'].pk}").content.decode()
    assert 'id="create-materials"' in page and "/orders/new/materials/" in page
    html = c.get(f"/orders/new/materials/?service={world.service_fault.pk}").content.decode()
    assert "身份证复印件" in html and "房产证" in html and "户型图" in html and "optional" in html
    assert c.get("/orders/new/materials/?service=abc").content.decode().strip() == ""
