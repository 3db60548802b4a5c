"""Customer portal: only one's own rows, public timeline, replies, submissions, limits."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.customers.models import Contact, Payment, Subscription
from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders import actions as wo
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def portal(world: Any) -> Any:
    """Two portal customers of the north branch (area n1) and a south customer; each has an order."""
    c1 = world.customer("张三", "13800138000", address="和平里3号")
    c2 = world.customer("李四", "13900139000", address="北苑5号")
    u1 = make_portal_customer(world, c1, "cust")
    u2 = make_portal_customer(world, c2, "cust2")
    o1 = world.order(c1, title="燃气灶打不着火")
    o2 = world.order(c2, title="邻居的秘密工单")
    client = Client()
    assert client.login(username="cust", password=PASSWORD)

    class P:
        pass

    p = P()
    p.c1, p.c2, p.u1, p.u2, p.o1, p.o2, p.client = c1, c2, u1, u2, o1, o2, client  # type: ignore[attr-defined]
    return p


def _without_tokens(html: bytes) -> bytes:
    """The page without its per-response CSRF tokens."""
    return re.sub(rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", html)


def detail_url(o: WorkOrder) -> str:
    return reverse("portal:order_detail", kwargs={"number": o.number})


# ---------------------------------------------------------------------------------------------------
# Who may use the portal


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(world: Any) -> None:
    for url in [reverse("portal:home"), reverse("portal:submit"), "/portal/orders/GD-20250101-000001/"]:
        resp = Client().get(url)
        assert resp.status_code == 302
        assert resp["Location"].startswith("/login/?next=")


@pytest.mark.django_db
def test_staff_are_sent_to_the_console(world: Any, portal: Any) -> None:
    c = Client()
    c.force_login(world.agent.user)
    for url in [reverse("portal:home"), reverse("portal:submit"), detail_url(portal.o1)]:
        resp = c.get(url)
        assert resp.status_code == 302
        assert resp["Location"] == reverse("console:home")


@pytest.mark.django_db
def test_login_without_customer_record_is_refused(world: Any) -> None:
    from kefu.testing.factories import make_user

    make_user("nobody")
    c = Client()
    c.login(username="nobody", password=PASSWORD)
    resp = c.get(reverse("portal:home"))
    assert resp.status_code == 403


@pytest.mark.django_db
def test_customer_login_lands_on_portal(world: Any, portal: Any) -> None:
    resp = Client().post("/login/", {"username": "cust", "password": PASSWORD})
    assert resp.status_code == 302
    assert resp["Location"] == reverse("portal:home")


# ---------------------------------------------------------------------------------------------------
# Home


@pytest.mark.django_db
def test_home_lists_only_own_orders_and_archive(world: Any, portal: Any) -> None:
    today = timezone.localdate()
    Subscription.objects.create(
        customer=portal.c1,
        product="百兆宽带",
        start_date=today - dt.timedelta(days=300),
        expiry_date=today + dt.timedelta(days=10),
        created_at=portal.o1.created_at,
    )
    Payment.objects.create(
        customer=portal.c1, amount=Decimal("88.00"), due_date=today - dt.timedelta(days=40), paid_on=today
    )
    Payment.objects.create(customer=portal.c2, amount=Decimal("77.00"), due_date=today, paid_on=today)
    resp = portal.client.get(reverse("portal:home"))
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'id="portal-orders"' in html
    assert portal.o1.number in html and "燃气灶打不着火" in html
    assert portal.o2.number not in html and "邻居的秘密工单" not in html
    assert [o.pk for o in resp.context["open_orders"]] == [portal.o1.pk]
    assert "百兆宽带" in html
    assert "88.00" in html and "77.00" not in html
    assert [r["state"] for r in resp.context["payments"]] == ["late"]
    assert resp.context["subscriptions"][0]["expiring"] is True
    assert "13800138000" in html and "13900139000" not in html


@pytest.mark.django_db
def test_home_in_english_and_chinese(world: Any, portal: Any) -> None:
    zh = portal.client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in zh
    portal.client.cookies["django_language"] = "en"
    en = portal.client.get(reverse("portal:home")).content.decode()
    assert '<html lang="en">' in en
    assert "Open requests" in en


# ---------------------------------------------------------------------------------------------------
# Order page


@pytest.mark.django_db
def test_other_customers_order_is_404_like_a_missing_one(world: Any, portal: Any) -> None:
    other = portal.client.get(detail_url(portal.o2))
    missing = portal.client.get("/portal/orders/GD-19990101-999999/")
    by_id = portal.client.get(f"/portal/orders/{portal.o2.pk}/")
    assert other.status_code == missing.status_code == by_id.status_code == 404
    assert _without_tokens(other.content).replace(portal.o2.number.encode(), b"N") == _without_tokens(
        missing.content
    ).replace(b"GD-19990101-999999", b"N")
    assert "邻居的秘密工单" not in other.content.decode()
    reply = portal.client.post(
        reverse("portal:order_reply", kwargs={"number": portal.o2.number}), {"body": "x"}
    )
    assert reply.status_code == 404
    assert not TimelineEntry.objects.filter(workorder=portal.o2, kind="customer").exists()


@pytest.mark.django_db
def test_internal_notes_never_shown(world: Any, portal: Any) -> None:
    wo.do_note(
        world.agent.user,
        portal.o1.pk,
        "内部备注：客户很难缠",
        files=[SimpleUploadedFile("内部.txt", b"secret")],
    )
    wo.do_reply(world.agent.user, portal.o1.pk, "您好，师傅明天上门", channel="sms")
    resp = portal.client.get(detail_url(portal.o1))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "师傅明天上门" in html
    assert "内部备注" not in html and "内部.txt" not in html
    assert all(row["e"] is None or row["e"].public for row in resp.context["timeline"])


@pytest.mark.django_db
def test_attachments_download_own_public_only(world: Any, portal: Any) -> None:
    wo.do_reply(
        world.agent.user, portal.o1.pk, "请看附件", files=[SimpleUploadedFile("说明.png", PNG)], channel="sms"
    )
    wo.do_note(world.agent.user, portal.o1.pk, "内部", files=[SimpleUploadedFile("internal.txt", b"secret")])
    wo.do_reply(
        world.agent.user,
        portal.o2.pk,
        "别人的",
        files=[SimpleUploadedFile("other.txt", b"other")],
        channel="sms",
    )
    mine = Attachment.objects.get(filename="说明.png")
    internal = Attachment.objects.get(filename="internal.txt")
    others = Attachment.objects.get(filename="other.txt")
    html = portal.client.get(detail_url(portal.o1)).content.decode()
    assert reverse("portal:attachment", kwargs={"pk": mine.pk}) in html
    resp = portal.client.get(reverse("portal:attachment", kwargs={"pk": mine.pk}))
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/png"
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Disposition"].startswith("attachment")
    assert b"".join(resp.streaming_content) == PNG
    for att in (internal, others):
        assert portal.client.get(reverse("portal:attachment", kwargs={"pk": att.pk})).status_code == 404
    assert portal.client.get(reverse("portal:attachment", kwargs={"pk": 999999})).status_code == 404


@pytest.mark.django_db
def test_reply_appears_and_resumes_pending_order(world: Any, portal: Any) -> None:
    wo.do_transition(world.agent.user, portal.o1.pk, "pending_customer", reason="请提供表号")
    url = reverse("portal:order_reply", kwargs={"number": portal.o1.number})
    resp = portal.client.post(url, {"body": "表号是 12345", "files": [SimpleUploadedFile("meter.png", PNG)]})
    assert resp.status_code == 302
    assert resp["Location"] == detail_url(portal.o1)
    portal.o1.refresh_from_db()
    assert portal.o1.status == "in_progress"
    entry = TimelineEntry.objects.get(workorder=portal.o1, kind="customer")
    assert entry.body == "表号是 12345" and entry.public and entry.author_customer_id == portal.c1.pk
    assert entry.attachments.get().filename == "meter.png"
    html = portal.client.get(detail_url(portal.o1)).content.decode()
    assert "表号是 12345" in html and "meter.png" in html


@pytest.mark.django_db
def test_reply_requires_csrf(world: Any, portal: Any) -> None:
    c = Client(enforce_csrf_checks=True)
    c.force_login(portal.u1)
    url = reverse("portal:order_reply", kwargs={"number": portal.o1.number})
    assert c.post(url, {"body": "没有令牌"}).status_code == 403
    assert not TimelineEntry.objects.filter(workorder=portal.o1, kind="customer").exists()
    page = c.get(detail_url(portal.o1))
    token = page.cookies["csrftoken"].value
    resp = c.post(url, {"body": "有令牌", "csrfmiddlewaretoken": token})
    assert resp.status_code == 302
    assert TimelineEntry.objects.filter(workorder=portal.o1, kind="customer", body="有令牌").exists()


@pytest.mark.django_db
def test_reply_file_too_large_is_refused(world: Any, portal: Any, settings: Any) -> None:
    settings.KEFU_MAX_ATTACHMENT_BYTES = 1024 * 1024
    url = reverse("portal:order_reply", kwargs={"number": portal.o1.number})
    big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))
    resp = portal.client.post(url, {"body": "大文件", "files": [big]})
    assert resp.status_code == 400
    assert "big.bin" in resp.content.decode()
    assert resp.context["form"].errors["files"]
    assert not TimelineEntry.objects.filter(workorder=portal.o1, kind="customer").exists()
    assert not Attachment.objects.filter(workorder=portal.o1).exists()


@pytest.mark.django_db
def test_resolution_shown_and_closed_order_has_no_form(world: Any, portal: Any) -> None:
    wo.do_transition(world.agent.user, portal.o1.pk, "resolved", resolution="更换了点火针")
    html = portal.client.get(detail_url(portal.o1)).content.decode()
    assert 'id="portal-resolution"' in html and "更换了点火针" in html
    assert 'id="portal-reply-form"' in html
    wo.do_transition(world.agent.user, portal.o1.pk, "closed")
    html = portal.client.get(detail_url(portal.o1)).content.decode()
    assert 'id="portal-reply-form"' not in html and 'id="portal-closed-notice"' in html
    resp = portal.client.post(
        reverse("portal:order_reply", kwargs={"number": portal.o1.number}), {"body": "再问"}
    )
    assert resp.status_code == 400


# ---------------------------------------------------------------------------------------------------
# Submit


def submit(client: Client, meta: dict[str, str] | None = None, **kw: Any) -> Any:
    data = {"order_type": "fault", "title": "家里没有网络", "description": "从今天早上开始断网", **kw}
    return client.post(reverse("portal:submit"), data, **(meta or {}))  # type: ignore[arg-type]


@pytest.mark.django_db
def test_submit_form_renders(world: Any, portal: Any) -> None:
    resp = portal.client.get(reverse("portal:submit"))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'id="portal-submit-form"' in html
    assert [v for v, _label in resp.context["form"].fields["order_type"].choices][1:] == [
        "inquiry",
        "fault",
        "installation",
        "complaint",
        "suggestion",
        "praise",
    ]
    assert world.service_fault.name in html


@pytest.mark.django_db
def test_submit_creates_portal_order(world: Any, portal: Any) -> None:
    resp = submit(portal.client, files=[SimpleUploadedFile("router.png", PNG)])
    assert resp.status_code == 302
    o = WorkOrder.objects.exclude(pk__in=[portal.o1.pk, portal.o2.pk]).get()
    assert resp["Location"] == detail_url(o)
    assert o.channel == "portal"
    assert o.customer_id == portal.c1.pk
    assert o.order_type == "fault_general"
    assert o.created_by_id == portal.u1.pk
    entry = o.timeline.get(kind="customer")
    assert entry.public and entry.body == "从今天早上开始断网"
    assert entry.attachments.get().filename == "router.png"
    assert Contact.objects.filter(customer=portal.c1, workorder=o, channel="portal").count() == 1
    rec = AuditRecord.objects.get(action="order.create", workorder_id=o.pk)
    assert rec.actor_id == portal.u1.pk
    html = portal.client.get(resp["Location"]).content.decode()
    assert o.number in html and "从今天早上开始断网" in html


@pytest.mark.django_db
def test_submit_with_service_and_installation_in_rural_area(world: Any, portal: Any) -> None:
    assert submit(portal.client, service=str(world.service_fault.pk)).status_code == 302
    o = WorkOrder.objects.filter(channel="portal").get()
    assert o.service_id == world.service_fault.pk and o.order_type == "fault_general"
    # a service of another family is refused next to the field
    resp = submit(portal.client, order_type="praise", service=str(world.service_fault.pk))
    assert resp.status_code == 400
    assert resp.context["form"].errors["service"]
    # installation: rural or urban after the customer's area
    rural = world.customer("王五", "13700137000", address="南湖乡8号", branch=world.south)
    make_portal_customer(world, rural, "rural")
    c = Client()
    c.force_login(rural.user)
    assert submit(c, order_type="installation").status_code == 302
    assert WorkOrder.objects.get(customer=rural, channel="portal").order_type == "install_rural"


@pytest.mark.django_db
def test_submit_validation_errors_name_fields(world: Any, portal: Any) -> None:
    resp = submit(portal.client, order_type="hack", title="", description="")
    assert resp.status_code == 400
    errors = resp.context["form"].errors
    assert set(errors) >= {"order_type", "title", "description"}
    assert not WorkOrder.objects.filter(channel="portal").exists()


@pytest.mark.django_db
def test_submit_file_too_large_refused_nothing_saved(world: Any, portal: Any, settings: Any) -> None:
    settings.KEFU_MAX_ATTACHMENT_BYTES = 1024 * 1024
    resp = submit(portal.client, files=[SimpleUploadedFile("huge.png", PNG + b"\x00" * (1024 * 1024))])
    assert resp.status_code == 400
    assert "huge.png" in " ".join(resp.context["form"].errors["files"])
    assert not WorkOrder.objects.filter(channel="portal").exists()
    assert not Contact.objects.filter(channel="portal").exists()


@pytest.mark.django_db
def test_submit_rate_limit_per_customer(world: Any, portal: Any, settings: Any) -> None:
    settings.KEFU_PORTAL_SUBMIT_PER_HOUR = 2
    # a different address each time: the customer's own counter is what stops the third one
    assert submit(portal.client, {"REMOTE_ADDR": "10.0.0.1"}).status_code == 302
    assert submit(portal.client, {"REMOTE_ADDR": "10.0.0.2"}).status_code == 302
    resp = submit(portal.client, {"REMOTE_ADDR": "10.0.0.3"})
    assert resp.status_code == 429
    assert "2" in resp.content.decode() and 'id="portal-submit-errors"' in resp.content.decode()
    assert WorkOrder.objects.filter(channel="portal").count() == 2


@pytest.mark.django_db
def test_submit_rate_limit_per_address(world: Any, portal: Any, settings: Any) -> None:
    settings.KEFU_PORTAL_SUBMIT_PER_HOUR = 1
    assert submit(portal.client, {"REMOTE_ADDR": "10.0.0.7"}).status_code == 302
    other = Client()
    other.force_login(portal.u2)
    assert submit(other, {"REMOTE_ADDR": "10.0.0.7"}).status_code == 429
    assert submit(other, {"REMOTE_ADDR": "10.0.0.8"}).status_code == 302


@pytest.mark.django_db
def test_staff_cannot_submit_through_the_action(world: Any) -> None:
    from kefu.channels.actions import PortalRequest, do_portal_submit
    from kefu.lib.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        do_portal_submit(world.agent.user, PortalRequest("fault", "t", "d"))


# ---------------------------------------------------------------------------------------------------
# Query counts (no N+1 on the portal's pages)


@pytest.mark.django_db
def test_home_and_detail_query_counts_do_not_grow(world: Any, portal: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert portal.client.get(url).status_code == 200
        return len(ctx.captured_queries)

    today = timezone.localdate()
    count(reverse("portal:home"))  # warm up: the first request stores the session's time zone
    home_before = count(reverse("portal:home"))
    detail_before = count(detail_url(portal.o1))
    for i in range(4):
        world.order(portal.c1, title=f"工单{i}")
        Payment.objects.create(customer=portal.c1, amount=Decimal("10.00"), due_date=today, paid_on=today)
        wo.do_reply(
            world.agent.user,
            portal.o1.pk,
            f"回复{i}",
            files=[SimpleUploadedFile(f"f{i}.txt", b"x")],
            channel="sms",
        )
        wo.do_note(world.agent.user, portal.o1.pk, f"备注{i}")
    assert count(reverse("portal:home")) == home_before
    assert count(detail_url(portal.o1)) == detail_before
    assert detail_before <= 12
