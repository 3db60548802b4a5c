"""A technician's visit on a phone (390×844, touch): the day's list, set off, arrived, a photo from the
camera taken without network and sent later exactly once (also when the first answer is lost), the
customer's signature drawn on the screen, finished — and the database holds each action once."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

import pytest
from playwright.sync_api import expect

from kefu.commitments.models.materials import ServiceMaterial, ServiceStep
from kefu.fieldservice.models import Appointment, FieldAction, Visit
from kefu.lib import clock
from kefu.testing.factories import PASSWORD
from kefu.workorders.models import Attachment, WorkOrder
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def camera_png(width: int = 2400, height: int = 1800) -> bytes:
    """A real PNG as a phone camera might give (larger than 1600 px: the page scales it down)."""
    row = b"\x00" + bytes((70, 130, 180)) * (width // 2) + bytes((230, 230, 230)) * (width - width // 2)
    raw = row * height

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def seed(world):  # type: ignore[no-untyped-def]
    ServiceStep.objects.create(service=world.service_fault, order=1, title="检查入户光纤和光猫指示灯")
    ServiceStep.objects.create(service=world.service_fault, order=2, title="测速并请客户确认")
    ServiceMaterial.objects.create(service=world.service_fault, name="备用光猫")
    now = clock.now()
    first = world.customer("张三", "13800138000", address="和平里东街5号3单元201")
    o = world.order(first, service_id=world.service_fault.pk, title="宽带无法上网，光猫红灯")
    a = Appointment.objects.create(
        order=o,
        technician=world.technician,
        window_start=now - dt.timedelta(minutes=10),
        window_end=now + dt.timedelta(minutes=50),
        source="agent",
    )
    second = world.customer("李四", "13900139000", address="北苑路12号")
    o2 = world.order(second, service_id=world.service_fault.pk, title="机顶盒无信号")
    Appointment.objects.create(
        order=o2,
        technician=world.technician,
        window_start=now + dt.timedelta(minutes=60),
        window_end=now + dt.timedelta(minutes=120),
        source="agent",
    )
    return a


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("window.scrollTo(0, 0)")  # the sticky bar at the top of the picture
    screenshot(page, name, for_docs=True)


def wait_synced(page):  # type: ignore[no-untyped-def]
    expect(page.locator("#sync-status")).to_have_attribute("data-state", "synced", timeout=15_000)


def test_a_visit_with_a_photo_taken_offline_is_synced_exactly_once(phone_page, world):  # type: ignore[no-untyped-def]
    page = phone_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    a = seed(world)
    key = f"a{a.pk}"
    login(page, "tech", PASSWORD)
    page.goto("/field/")
    cards = page.locator(".vcard")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("宽带无法上网")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shot(page, "field-today")

    # installed as an app: the worker of /field/ keeps today's visit pages for reading without network
    cached = """async (url) => {
        const reg = await navigator.serviceWorker.ready;
        for (let i = 0; i < 50; i++) {
            const hit = await caches.open("kefu-field-pages").then((c) => c.match(new URL(url, location).href));
            if (hit) return reg.scope;
            await new Promise((r) => setTimeout(r, 200));
        }
        return null;
    }"""
    assert page.evaluate(cached, f"/field/visits/{key}/").endswith("/field/")
    cards.first.locator("a").click()
    expect(page.locator("#visit")).to_have_attribute("data-key", key)
    expect(page.locator("#call-link")).to_have_attribute("href", "tel:13800138000")
    expect(page.locator(".checklist")).to_contain_text("测速并请客户确认")
    expect(page.locator(".mats")).to_contain_text("备用光猫")
    shot(page, "field-visit-planned")

    page.click("#btn-start")
    expect(page.locator("#btn-arrive")).to_be_visible()  # the screen moves on at once, sent or not
    wait_synced(page)
    assert Visit.objects.get(appointment=a).state == "travelling"
    assert WorkOrder.objects.get(pk=a.order_id).status == "in_progress"
    page.click("#btn-arrive")
    expect(page.locator("label[for=photo-input]")).to_be_visible()
    wait_synced(page)

    # in the cellar: no network; the photo waits on the phone
    page.context.set_offline(True)
    page.set_input_files(
        "#photo-input", files=[{"name": "meter.png", "mimeType": "image/png", "buffer": camera_png()}]
    )
    status = page.locator("#sync-status")
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_have_attribute("data-count", "1")
    expect(page.locator(".thumb-waiting")).to_have_count(1)
    assert not Attachment.objects.filter(workorder_id=a.order_id).exists()
    shot(page, "field-offline")

    # back online: the first answer is lost on the way (the server applied it), so the phone sends again
    lost: list[int] = []

    def lose_first_answer(route):  # type: ignore[no-untyped-def]
        if not lost:
            lost.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    page.route("**/field/actions/", lose_first_answer)
    page.context.set_offline(False)
    expect(status).not_to_have_attribute("data-state", "offline")
    page.wait_for_timeout(500)
    page.click("#sync-status")  # tap: send now
    wait_synced(page)
    assert lost == [200]
    photos = Attachment.objects.filter(workorder_id=a.order_id)
    assert photos.count() == 1  # sent twice, stored once
    p = photos.get()
    assert p.content_type == "image/jpeg" and p.size < 400_000
    assert FieldAction.objects.filter(visit__appointment=a, kind="photo").count() == 1
    expect(page.locator(".thumb-waiting")).to_have_count(0)
    page.unroute("**/field/actions/")
    page.click("#sync-status")  # close the list again

    # the customer signs with a finger
    pad = page.locator("#sig-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(box["x"] + 30 + i * 12, box["y"] + 120 + (30 if i % 2 else -30))
    page.mouse.up()
    page.fill("#sig-name", "张三")
    page.click("#sig-save")
    expect(page.locator("#visit")).to_have_attribute("data-signed", "1")
    expect(page.locator("#signed-ok")).to_be_visible()
    wait_synced(page)
    page.locator("label.outcome", has=page.locator("input[value=done]")).click()
    page.fill("#finish-text", "更换光猫，测速 198M，客户确认")
    shot(page, "field-visit-on-site")
    page.click("#btn-finish")
    expect(page.locator("#finished-note")).to_be_visible()
    wait_synced(page)
    shot(page, "field-visit-finished")

    v = Visit.objects.get(appointment=a)
    assert (v.state, v.outcome, v.signed_by) == ("finished", "done", "张三")
    assert v.travel_started_at and v.arrived_at and v.finished_at
    assert v.travel_started_at <= v.arrived_at <= v.finished_at
    assert v.signature is not None and v.signature.content_type == "image/png"
    kinds = list(
        FieldAction.objects.filter(visit=v).order_by("received_at", "id").values_list("kind", flat=True)
    )
    assert kinds == ["start_travel", "arrive", "photo", "signature", "finish"]
    a.refresh_from_db()
    assert a.status == "done"
    o = WorkOrder.objects.get(pk=a.order_id)
    assert o.status == "resolved" and o.resolution == "更换光猫，测速 198M，客户确认"

    # the day's list shows the finished visit; at 360 and 414 px nothing runs off the screen
    page.goto("/field/")
    expect(page.locator(f'.vcard[data-key="{key}"]')).to_have_attribute("data-state", "finished")
    for width in (360, 414):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"/field/visits/a{Appointment.objects.exclude(pk=a.pk).get().pk}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = page.locator("#btn-start").bounding_box()
        assert box is not None and box["height"] >= 64 and box["width"] >= width - 60  # a big target
        screenshot(page, f"field-visit-{width}")
    assert errors == []
