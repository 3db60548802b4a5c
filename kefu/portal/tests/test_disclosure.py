"""The public service disclosure page (R-17): no login, published services only, outlets, areas with the
responsible staff's photo and badge number, hotline; Chinese and English; photos only if they are images."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.commitments.models import Service
from kefu.organization.models import Outlet

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def anon(lang: str = "zh-hans") -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


@pytest.fixture
def published(world):  # type: ignore[no-untyped-def]
    Service.objects.create(
        code="install-urban",
        name="城区燃气开户安装",
        name_en="Urban gas installation",
        order_type="install_urban",
        paid=True,
        fee="300.00",
        description="新建住宅通气开户",
    )
    Service.objects.create(code="internal-audit", name="内部稽核", order_type="inquiry", public=False)
    Outlet.objects.create(
        branch=world.north,
        name="和平里营业厅",
        address="和平里东街1号",
        phone="010-64001234",
        opening_hours="8:30–17:30",
    )
    world.area_n1.responsible.add(world.agent, world.technician)
    world.technician.photo.save("tech.png", ContentFile(PNG))
    world.agent_senior.is_active = False
    world.agent_senior.save()
    world.area_n2.responsible.add(world.agent_senior)
    world.customer(name="保密客户", phone="13800138000")
    return world


def test_public_page_without_login(published) -> None:  # type: ignore[no-untyped-def]
    w = published
    resp = anon().get("/disclosure/")
    assert resp.status_code == 200
    body = resp.content.decode()
    for text in (
        "96777",
        "城区燃气开户安装",
        "¥300.00",
        "宽带故障报修",
        "和平里营业厅",
        "010-64001234",
        "8:30–17:30",
    ):
        assert text in body, text
    assert "内部稽核" not in body  # not published
    assert "保密客户" not in body and "13800138000" not in body  # never customer data
    area = body[body.index('id="area-n1"') : body.index('id="area-n2"')]
    assert w.agent.name in area and w.agent.badge_no in area
    assert w.technician.name in area and f"/disclosure/staff/{w.technician.badge_no}/photo/" in area
    assert f"/disclosure/staff/{w.agent.badge_no}/photo/" not in area  # no photo: a placeholder
    assert w.agent_senior.name not in body  # inactive staff are not published
    assert 'lang="zh-hans"' in body


def test_commitments_materials_steps_and_fees_are_published(published) -> None:  # type: ignore[no-untyped-def]
    from kefu.commitments.clocks import ensure_defaults
    from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep

    ensure_defaults()  # the R-13 limits seeded by migration (some tests flush tables)
    svc = Service.objects.get(code="install-urban")
    ServiceMaterial.objects.create(service=svc, name="身份证复印件", required=True, order=0)
    ServiceMaterial.objects.create(service=svc, name="户型图", required=False, order=1)
    ServiceStep.objects.create(service=svc, order=0, title="受理")
    ServiceStep.objects.create(service=svc, order=1, title="上门安装")
    ServiceFee.objects.create(service=svc, name="超出3米的管道", amount="45.00", unit="每米")
    body = anon("en").get("/disclosure/").content.decode()
    row = body[body.index('id="service-install-urban"') :]
    row = row[: row.index("</tr>")]
    assert 'data-limit="resolution"' in row and "within 5 working days" in row
    assert "身份证复印件" in row and "户型图" in row and "(if available)" in row
    assert "受理 → 上门安装" in row and "超出3米的管道: ¥45.00 / 每米" in row
    fault = body[body.index('id="service-broadband-fault"') :]
    fault = fault[: fault.index("</tr>")]
    assert "within 24 calendar hours" in fault  # general fault resolved within 24 hours
    assert "within 12 calendar hours" in fault  # shorter for VIP customers


def test_english(published) -> None:  # type: ignore[no-untyped-def]
    body = anon("en").get("/disclosure/").content.decode()
    assert "Urban gas installation" in body and "Service disclosure" in body
    assert "Broadband fault repair" in body


def test_staff_photo_is_served_only_when_it_is_an_image(published) -> None:  # type: ignore[no-untyped-def]
    w = published
    resp = anon().get(f"/disclosure/staff/{w.technician.badge_no}/photo/")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert resp.getvalue().startswith(b"\x89PNG")
    assert resp["X-Content-Type-Options"] == "nosniff"
    w.agent.photo.save("evil.png", ContentFile(b"<script>alert(1)</script>"))
    assert anon().get(f"/disclosure/staff/{w.agent.badge_no}/photo/").status_code == 404
    assert anon().get("/disclosure/staff/NOPE/photo/").status_code == 404
    w.agent_senior.photo.save("old.png", ContentFile(PNG))  # inactive
    assert anon().get(f"/disclosure/staff/{w.agent_senior.badge_no}/photo/").status_code == 404


def test_query_count_does_not_grow_with_areas_and_staff(published) -> None:  # type: ignore[no-untyped-def]
    from kefu.organization.models import ServiceArea
    from kefu.testing.factories import make_staff

    c = anon()
    c.get("/disclosure/")
    with CaptureQueriesContext(connection) as few:
        c.get("/disclosure/")
    for i in range(6):
        area = ServiceArea.objects.create(
            branch=published.south, code=f"s{i + 10}", name=f"南区{i}", households=1000
        )
        area.responsible.add(make_staff(f"extra{i}", "technician", published.south, name=f"师傅{i}"))
        Outlet.objects.create(branch=published.south, name=f"网点{i}", address="南湖乡")
    with CaptureQueriesContext(connection) as many:
        assert c.get("/disclosure/").status_code == 200
    assert len(many) == len(few) <= 16
