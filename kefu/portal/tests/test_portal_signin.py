"""Portal sign-in by one-time link, registration, anonymous reports, the service-materials fragment
and deadlines on the portal order page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.channels.models import OutboxMessage
from kefu.commitments.models.materials import ServiceMaterial
from kefu.customers.models import Customer
from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders.models import WorkOrder

SIGNIN = "/portal/signin/"


def ask(client: Client, address: str, name: str = "", ip: str = "10.0.0.1") -> Any:
    return client.post(SIGNIN, {"address": address, "name": name}, REMOTE_ADDR=ip)


def last_link(recipient: str) -> str:
    msg = OutboxMessage.objects.filter(recipient=recipient).order_by("-id").first()
    assert msg is not None, f"no message to {recipient}"
    m = re.search(r"http://testserver(/portal/signin/link/[^/\s]+/)", msg.body)
    assert m, msg.body
    return m.group(1)


def _without_tokens(html: bytes) -> bytes:
    return re.sub(rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", html)


# ---------------------------------------------------------------------------------------------------
# One-time link


@pytest.mark.django_db
def test_link_signs_in_existing_customer_and_creates_their_login(world: Any) -> None:
    c = world.customer("张三", "13800138000", email="zhang@example.com")
    assert c.user is None
    resp = ask(Client(), "Zhang@Example.com ")
    assert resp.status_code == 200
    msg = OutboxMessage.objects.get(recipient="zhang@example.com")
    assert msg.channel == "email" and msg.customer_id == c.pk
    url = last_link("zhang@example.com")
    browser = Client()
    page = browser.get(url)  # a GET (mail scanners) does not spend the link
    assert page.status_code == 200 and b'id="portal-link-confirm"' in page.content
    resp = browser.post(url)
    assert resp.status_code == 302 and resp["Location"] == reverse("portal:password")
    c.refresh_from_db()
    assert c.user is not None and not c.user.has_usable_password()
    assert Customer.objects.count() == 1
    assert browser.get(reverse("portal:home")).status_code == 200


@pytest.mark.django_db
def test_link_for_a_phone_goes_by_sms_to_the_normalised_number(world: Any) -> None:
    c = world.customer("李四", "139-0013-9000")
    ask(Client(), "13900139000")
    msg = OutboxMessage.objects.get(recipient="+8613900139000")
    assert msg.channel == "sms" and msg.customer_id == c.pk
    browser = Client()
    assert browser.post(last_link("+8613900139000")).status_code == 302
    c.refresh_from_db()
    assert c.user is not None


@pytest.mark.django_db
def test_link_uses_the_configured_public_address(world: Any, settings: Any) -> None:
    settings.KEFU_PUBLIC_URL = "https://kefu.example.cn"
    ask(Client(), "a@example.com")
    assert (
        "https://kefu.example.cn/portal/signin/link/"
        in OutboxMessage.objects.get(recipient="a@example.com").body
    )


@pytest.mark.django_db
def test_link_cannot_be_used_twice(world: Any) -> None:
    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c, "cust")
    ask(Client(), "13800138000")
    url = last_link("+8613800138000")
    assert Client().post(url).status_code == 302
    replay = Client().post(url)
    assert replay.status_code == 400
    with translation.override("zh-hans"):  # the page is in the default language
        refused = translation.gettext(
            "This sign-in link is not valid any more: it has expired or was already used. Ask for a new one."
        )
    assert refused in replay.content.decode()
    assert "_auth_user_id" not in replay.client.session
    assert Client().get(url).status_code == 400


@pytest.mark.django_db
def test_new_address_registers_a_new_customer_once(world: Any, settings: Any) -> None:
    settings.KEFU_PORTAL_DEFAULT_BRANCH = "south"
    ask(Client(), "new@example.com", name="王五")
    url = last_link("new@example.com")
    assert Client().post(url).status_code == 302
    c = Customer.objects.get(email="new@example.com")
    assert c.name == "王五" and c.branch == world.south and c.user is not None
    assert c.contact_points.filter(kind="email", normalized="new@example.com").exists()
    # the same link again: now a customer has the address, the state differs → refused, nothing new
    assert Client().post(url).status_code == 400
    assert Customer.objects.filter(email="new@example.com").count() == 1


@pytest.mark.django_db
def test_link_expires(world: Any, settings: Any, monkeypatch: Any) -> None:
    world.customer("张三", "13800138000")
    ask(Client(), "13800138000")
    url = last_link("+8613800138000")
    settings.KEFU_PORTAL_LINK_MINUTES = 30
    real = signing.TimestampSigner.unsign

    def later(self: Any, value: str, max_age: Any = None) -> str:
        import time

        monkeypatch.setattr(time, "time", lambda: 10**10)
        return real(self, value, max_age)

    monkeypatch.setattr(signing.TimestampSigner, "unsign", later)
    resp = Client().post(url)
    assert resp.status_code == 400
    assert Customer.objects.get(phone_e164="+8613800138000").user is None


@pytest.mark.django_db
def test_tampered_link_is_refused(world: Any) -> None:
    world.customer("张三", "13800138000")
    ask(Client(), "13800138000")
    url = last_link("+8613800138000")
    bad = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    assert Client().post(bad).status_code == 400


@pytest.mark.django_db
def test_same_answer_whether_or_not_the_address_is_known(world: Any) -> None:
    world.customer("张三", "13800138000", email="known@example.com")
    known = ask(Client(), "known@example.com", ip="10.0.0.2")
    unknown = ask(Client(), "unknown@example.com", ip="10.0.0.3")
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.content) == _without_tokens(unknown.content)


@pytest.mark.django_db
def test_link_requests_limited_per_address(world: Any, settings: Any) -> None:
    settings.KEFU_PORTAL_LINK_PER_HOUR_ADDRESS = 2
    for i in range(2):
        assert ask(Client(), "x@example.com", ip=f"10.1.0.{i}").status_code == 200
    resp = ask(Client(), "X@example.com", ip="10.1.0.9")
    assert resp.status_code == 429
    assert OutboxMessage.objects.filter(recipient="x@example.com").count() == 2
    assert ask(Client(), "y@example.com", ip="10.1.0.9").status_code == 200


@pytest.mark.django_db
def test_link_requests_limited_per_ip(world: Any, settings: Any) -> None:
    settings.KEFU_PORTAL_LINK_PER_HOUR_IP = 3
    for i in range(3):
        assert ask(Client(), f"p{i}@example.com", ip="10.2.0.1").status_code == 200
    assert ask(Client(), "p9@example.com", ip="10.2.0.1").status_code == 429
    assert not OutboxMessage.objects.filter(recipient="p9@example.com").exists()
    assert ask(Client(), "p9@example.com", ip="10.2.0.2").status_code == 200


@pytest.mark.django_db
def test_invalid_address_is_refused(world: Any) -> None:
    resp = ask(Client(), "not an address")
    assert resp.status_code == 400
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_set_password_then_password_login_works(world: Any) -> None:
    c = world.customer("张三", "13800138000")
    ask(Client(), "13800138000")
    browser = Client()
    browser.post(last_link("+8613800138000"))
    resp = browser.post(
        reverse("portal:password"), {"new_password1": "a-long-secret-77", "new_password2": "a-long-secret-77"}
    )
    assert resp.status_code == 302
    c.refresh_from_db()
    assert Client().login(username=c.user.username, password="a-long-secret-77")


@pytest.mark.django_db
def test_staff_address_never_gives_a_staff_session(world: Any) -> None:
    c = world.customer("张三", "13800138000")
    c.user = world.agent.user
    c.save(update_fields=["user"])
    ask(Client(), "13800138000")
    resp = Client().post(last_link("+8613800138000"))
    assert resp.status_code == 400


# ---------------------------------------------------------------------------------------------------
# Anonymous report


def report(client: Client, ip: str = "10.9.0.1", **kw: Any) -> Any:
    data = {
        "name": "赵六",
        "phone": "",
        "email": "",
        "description": "门口的光缆断了\n从早上开始",
        "service": "",
    }
    data.update(kw)
    return client.post(reverse("portal:report"), data, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_anonymous_report_matches_customer_and_shows_number(world: Any) -> None:
    c = world.customer("张三", "13800138000")
    client = Client()
    resp = report(client, phone="138 0013 8000", service=str(world.service_fault.pk))
    assert resp.status_code == 302
    o = WorkOrder.objects.get()
    assert o.customer_id == c.pk and o.channel == "portal" and o.service_id == world.service_fault.pk
    assert o.title == "门口的光缆断了"
    done = client.get(resp["Location"])
    assert o.number.encode() in done.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_anonymous_report_creates_customer_with_phone_and_email(world: Any) -> None:
    assert report(Client(), phone="13700137000", email="Zhao@Example.com").status_code == 302
    c = Customer.objects.get(phone_e164="+8613700137000")
    assert c.email == "zhao@example.com" and c.name == "赵六"
    assert WorkOrder.objects.get().customer_id == c.pk


@pytest.mark.django_db
def test_anonymous_report_needs_a_contact(world: Any) -> None:
    resp = report(Client())
    assert resp.status_code == 400
    assert not WorkOrder.objects.exists()


@pytest.mark.django_db
def test_anonymous_report_limit_per_ip_and_per_address(world: Any, settings: Any) -> None:
    settings.KEFU_PORTAL_REPORT_PER_HOUR_IP = 2
    settings.KEFU_PORTAL_REPORT_PER_HOUR_ADDRESS = 1
    assert report(Client(), ip="10.3.0.1", phone="13700137001").status_code == 302
    # the same phone from another address
    assert report(Client(), ip="10.3.0.2", phone="137-0013-7001").status_code == 429
    assert report(Client(), ip="10.3.0.1", phone="13700137002").status_code == 302
    # the client address has used its two
    assert report(Client(), ip="10.3.0.1", phone="13700137003").status_code == 429
    assert WorkOrder.objects.count() == 2


# ---------------------------------------------------------------------------------------------------
# Service materials and deadlines


@pytest.fixture
def materials(world: Any) -> Any:
    s = world.service_fault
    ServiceMaterial.objects.create(service=s, name="身份证复印件", order=1)
    ServiceMaterial.objects.create(service=s, name="故障照片", order=2, required=False)
    return s


@pytest.mark.django_db
def test_service_materials_fragment(world: Any, materials: Any) -> None:
    url = reverse("portal:service_materials")
    resp = Client().get(url, {"service": materials.pk}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    assert "身份证复印件" in resp.content.decode() and "故障照片" in resp.content.decode()
    hidden = materials.__class__.objects.create(
        code="secret", name="内部服务", order_type="inquiry", public=False
    )
    ServiceMaterial.objects.create(service=hidden, name="内部材料")
    assert "内部材料" not in Client().get(url, {"service": hidden.pk}).content.decode()
    assert 'class="portal-material"' not in Client().get(url, {"service": "x"}).content.decode()


@pytest.mark.django_db
def test_submit_form_lists_materials_without_javascript(world: Any, materials: Any) -> None:
    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c, "cust")
    client = Client()
    assert client.login(username="cust", password=PASSWORD)
    page = client.get(reverse("portal:submit"))
    assert b'hx-get="/portal/services/materials/"' in page.content
    preview = client.post(
        reverse("portal:submit"),
        {"preview": "1", "order_type": "fault", "service": str(materials.pk), "title": "断网"},
    )
    assert preview.status_code == 200
    assert "身份证复印件" in preview.content.decode()
    assert not WorkOrder.objects.exists()


@pytest.mark.django_db
def test_order_page_shows_clock_deadline(world: Any) -> None:
    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c, "cust")
    o = world.order(c, title="断网")
    client = Client()
    assert client.login(username="cust", password=PASSWORD)
    html = client.get(reverse("portal:order_detail", kwargs={"number": o.number})).content.decode()
    clocks = list(o.clocks.all())
    assert clocks, "the world's order types have time limits"
    assert 'id="portal-deadlines"' in html
    for clock in clocks:
        m = re.search(rf'id="portal-clock-{clock.kind}" data-status="(\w+)">(.*?)</li>', html, re.S)
        assert m and m.group(1) == clock.status
        if clock.due_at and clock.status != "not_started":
            shown = re.search(r'<time datetime="([^"]+)"', m.group(2))
            assert shown and dt.datetime.fromisoformat(shown.group(1)) == clock.due_at


@pytest.mark.django_db
def test_submit_with_documents_attaches_them_and_marks_nothing_supplied(world: Any, materials: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kefu.commitments.models.materials import OrderMaterial

    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c, "cust")
    client = Client()
    assert client.login(username="cust", password=PASSWORD)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    resp = client.post(
        reverse("portal:submit"),
        {
            "order_type": "fault",
            "service": str(materials.pk),
            "title": "断网",
            "description": "附身份证",
            "files": [SimpleUploadedFile("id.png", png, content_type="image/png")],
        },
    )
    assert resp.status_code == 302
    o = WorkOrder.objects.get()
    assert o.service_id == materials.pk and [a.filename for a in o.attachments.all()] == ["id.png"]
    # staff decide what is supplied (the console's materials check), never the customer's upload
    assert not OrderMaterial.objects.filter(workorder=o, supplied=True).exists()
