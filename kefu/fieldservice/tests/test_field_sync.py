"""The technician's day and the phone's action endpoint (docs/field-service.md, "The technician's day on a
phone"): exactly-once application of each action id, the visit's order of steps, least privilege, and the
errors a broken or hostile client gets."""

from __future__ import annotations

import datetime as dt
import struct
import uuid
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.commitments.models.materials import ServiceMaterial, ServiceStep
from kefu.fieldservice.models import Appointment, AppointmentStatus, FieldAction, Visit
from kefu.privacy.models import AccessRecord
from kefu.rights.erasure import anonymise
from kefu.testing.clock import freeze, sh
from kefu.testing.factories import PASSWORD, make_staff
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

URL = "/field/actions/"


def png_bytes(width: int = 40, height: int = 20) -> bytes:
    """A real PNG image (a grey rectangle)."""
    raw = b"".join(b"\x00" + bytes((128, 128, 128)) * width for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Any:
    return freeze(monkeypatch, sh(2026, 3, 2, 11, 0))  # a Monday morning in Shanghai


@pytest.fixture
def tech(world: Any) -> Client:
    c = Client()
    assert c.login(username="tech", password=PASSWORD)
    return c


def appointment(
    world: Any, start_hour: int, *, technician: Any = None, day: int = 2, **order: Any
) -> Appointment:
    customer = world.customer("张三", "13800138000", address="和平里东街5号3单元201")
    o = world.order(customer, service_id=world.service_fault.pk, **order)
    return Appointment.objects.create(
        order=o,
        technician=technician or world.technician,
        window_start=sh(2026, 3, day, start_hour),
        window_end=sh(2026, 3, day, start_hour + 2),
        source="agent",
    )


def post(
    client: Client,
    visit: str,
    kind: str,
    *,
    action_id: str | None = None,
    at: dt.datetime | None = None,
    **extra: Any,
) -> Any:
    data = {
        "action_id": action_id or str(uuid.uuid4()),
        "visit": visit,
        "kind": kind,
        "at": (at or sh(2026, 3, 2, 9, 0)).isoformat(),
        **extra,
    }
    return client.post(URL, data)


def photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("meter.png", png_bytes(), content_type="image/png")


def test_a_whole_visit_resolves_the_order_and_marks_the_appointment_visited(
    world: Any, now: Any, tech: Client
) -> None:
    a = appointment(world, 10)
    key = f"a{a.pk}"
    assert post(tech, key, "start_travel", at=sh(2026, 3, 2, 9, 40)).status_code == 200
    assert post(tech, key, "arrive", at=sh(2026, 3, 2, 10, 5)).status_code == 200
    r = post(tech, key, "photo", at=sh(2026, 3, 2, 10, 10), file=photo())
    assert r.status_code == 200, r.content
    sig = SimpleUploadedFile("signature.png", png_bytes(300, 130), content_type="image/png")
    assert (
        post(tech, key, "signature", at=sh(2026, 3, 2, 10, 40), file=sig, signed_by="张三").status_code == 200
    )
    r = post(tech, key, "finish", at=sh(2026, 3, 2, 10, 45), outcome="done", text="更换了光猫")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["replayed"] is False
    assert body["result"]["visit"]["state"] == "finished"
    assert body["result"]["visit"]["order_status"] == "resolved"

    v = Visit.objects.get(appointment=a)
    assert (v.travel_started_at, v.arrived_at, v.finished_at) == (
        sh(2026, 3, 2, 9, 40),
        sh(2026, 3, 2, 10, 5),
        sh(2026, 3, 2, 10, 45),
    )
    assert v.outcome == "done" and v.signed_by == "张三"
    assert v.signature is not None and v.signature.content_type == "image/png"
    assert "[10:45] 更换了光猫" in v.notes
    a.refresh_from_db()
    assert a.status == AppointmentStatus.DONE
    o = WorkOrder.objects.get(pk=a.order_id)
    assert o.status == "resolved" and o.resolution == "更换了光猫"
    assert FieldAction.objects.filter(visit=v).count() == 5
    photos = Attachment.objects.filter(workorder=o).exclude(pk=v.signature.pk)
    assert [p.content_type for p in photos] == ["image/png"]
    assert not photos[0].public  # photos of the customer's home are internal
    steps = list(
        TimelineEntry.objects.filter(workorder=o, data__visit=v.pk).values_list("data__step", flat=True)
    )
    assert steps == ["start_travel", "arrive", "photo", "signature", "finish"]
    actions = set(AuditRecord.objects.filter(workorder_id=o.pk).values_list("action", flat=True))
    assert {
        "visit.start_travel",
        "visit.arrive",
        "visit.signature",
        "visit.finish",
        "appointment.visited",
    } <= actions
    assert {"order.start", "order.resolve", "order.attachment"} <= actions


def test_a_replayed_action_is_applied_once_and_answered_the_same(world: Any, now: Any, tech: Client) -> None:
    a = appointment(world, 10)
    key = f"a{a.pk}"
    post(tech, key, "arrive")
    photo_id = str(uuid.uuid4())
    first = post(tech, key, "photo", action_id=photo_id, file=photo())
    again = post(tech, key, "photo", action_id=photo_id, file=photo())
    assert first.status_code == again.status_code == 200
    assert first.json()["result"] == again.json()["result"]
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert Attachment.objects.filter(workorder_id=a.order_id).count() == 1
    assert FieldAction.objects.filter(action_id=photo_id).count() == 1
    # a replay of the arrival after the visit moved on changes nothing and answers what it answered then
    note_id = str(uuid.uuid4())
    post(tech, key, "note", action_id=note_id, text="表箱生锈")
    replay = post(tech, key, "note", action_id=note_id, text="表箱生锈")
    assert replay.json()["replayed"] is True
    assert Visit.objects.get(appointment=a).notes.count("表箱生锈") == 1
    assert TimelineEntry.objects.filter(workorder_id=a.order_id, kind="note", body="表箱生锈").count() == 1


def test_actions_out_of_order_are_refused_and_stored_nowhere(world: Any, now: Any, tech: Client) -> None:
    a = appointment(world, 10)
    key = f"a{a.pk}"
    finish_id = str(uuid.uuid4())
    r = post(tech, key, "finish", action_id=finish_id, outcome="customer_absent", text="敲门无人")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "wrong_state"
    assert r.json()["error"]["field"] == "kind"
    assert not FieldAction.objects.exists()
    assert post(tech, key, "photo", file=photo()).status_code == 409  # photos are taken on site
    assert post(tech, key, "arrive").status_code == 200
    assert post(tech, key, "start_travel").status_code == 409  # already there
    # the refused id was not spent: the same action sent again after arriving is applied
    r = post(
        tech,
        key,
        "finish",
        action_id=finish_id,
        outcome="customer_absent",
        text="敲门无人",
        at=sh(2026, 3, 2, 10, 20),
    )
    assert r.status_code == 200, r.content
    a.refresh_from_db()
    assert (a.status, a.missed_reason, a.missed_note) == ("missed", "customer_absent", "敲门无人")
    assert WorkOrder.objects.get(pk=a.order_id).status == "in_progress"  # still open: a new visit is needed
    assert post(tech, key, "note", text="再来").status_code == 409  # the visit is finished


def test_needs_another_visit_keeps_the_order_open(world: Any, now: Any, tech: Client) -> None:
    a = appointment(world, 14)
    key = f"a{a.pk}"
    post(tech, key, "arrive")
    r = post(tech, key, "finish", outcome="another_visit", text="需要更换表具，下次带新表")
    assert r.status_code == 200
    a.refresh_from_db()
    assert a.status == AppointmentStatus.DONE
    o = WorkOrder.objects.get(pk=a.order_id)
    assert o.status == "in_progress"
    last = TimelineEntry.objects.filter(workorder=o).order_by("-id").first()
    assert last is not None and last.data["outcome"] == "another_visit"
    assert "需要更换表具" in last.body


def test_done_needs_the_customers_signature(world: Any, now: Any, tech: Client) -> None:
    a = appointment(world, 10)
    post(tech, f"a{a.pk}", "arrive")
    r = post(tech, f"a{a.pk}", "finish", outcome="done")
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "signature"
    assert WorkOrder.objects.get(pk=a.order_id).status == "in_progress"


def test_another_technicians_visit_is_not_found(world: Any, now: Any, tech: Client) -> None:
    other = make_staff("tech_b", "technician", world.north, name="马师傅")
    a = appointment(world, 10, technician=other)
    r = post(tech, f"a{a.pk}", "arrive")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    # nor an order assigned to someone else, nor a made-up key
    o = world.order(world.customer("李四", "13900139000"))
    assert post(tech, f"o{o.pk}", "arrive").status_code == 404
    assert post(tech, "x1", "arrive").status_code == 404
    assert tech.get(f"/field/visits/a{a.pk}/").status_code == 404
    # an id already used on another visit is a conflict, never someone else's answer
    mine = appointment(world, 12)
    used = str(uuid.uuid4())
    assert post(tech, f"a{mine.pk}", "arrive", action_id=used).status_code == 200
    other_client = Client()
    other_client.login(username="tech_b", password=PASSWORD)
    r = post(other_client, f"a{a.pk}", "arrive", action_id=used)
    assert r.status_code == 409 and r.json()["error"]["code"] == "id_taken"
    assert not Visit.objects.filter(appointment=a).exists()


def test_only_technicians_use_the_endpoint(world: Any, now: Any) -> None:
    a = appointment(world, 10)
    agent = Client()
    agent.login(username="agent", password=PASSWORD)
    r = post(agent, f"a{a.pk}", "arrive")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_technician"
    assert agent.get("/field/").status_code == 404
    assert Client().post(URL, {}).status_code == 302  # not logged in: to the login page


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"action_id": "not-a-uuid"}, 400, "action_id"),
        ({"kind": "teleport"}, 400, "kind"),
        ({"at": "yesterday"}, 400, "at"),
        ({"at": "2026-03-02T10:00:00"}, 400, "at"),  # no time zone
        ({"at": sh(2026, 3, 2, 11, 30).isoformat()}, 400, "at"),  # 30 minutes ahead of the server
        ({"at": sh(2026, 2, 26, 9, 0).isoformat()}, 400, "at"),  # four days old
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    world: Any, now: Any, tech: Client, changes: dict[str, str], status: int, field: str
) -> None:
    a = appointment(world, 10)
    data = {
        "action_id": str(uuid.uuid4()),
        "visit": f"a{a.pk}",
        "kind": "arrive",
        "at": sh(2026, 3, 2, 9, 0).isoformat(),
    }
    data.update(changes)
    r = tech.post(URL, data)
    assert r.status_code == status
    assert r["Content-Type"] == "application/json"
    assert r.json()["error"]["field"] == field
    assert not FieldAction.objects.exists()


def test_files_must_be_what_they_claim(world: Any, now: Any, tech: Client) -> None:
    a = appointment(world, 10)
    key = f"a{a.pk}"
    post(tech, key, "arrive")
    fake = SimpleUploadedFile("meter.jpg", b"<svg onload=alert(1)></svg>", content_type="image/jpeg")
    r = post(tech, key, "photo", file=fake)
    assert r.status_code == 400 and r.json()["error"]["field"] == "file"
    r = post(tech, key, "photo")
    assert r.status_code == 400 and r.json()["error"]["field"] == "file"
    r = post(tech, key, "finish", outcome="maybe")
    assert r.status_code == 400 and r.json()["error"]["field"] == "outcome"
    r = post(tech, key, "note", text="x" * 2001)
    assert r.status_code == 400 and r.json()["error"]["field"] == "text"
    assert not Attachment.objects.filter(workorder_id=a.order_id).exists()


def test_the_day_lists_todays_appointments_by_window_then_open_orders(
    world: Any, now: Any, tech: Client
) -> None:
    late = appointment(world, 15, title="下午：燃气表更换")
    early = appointment(world, 8, title="上午：安检")
    appointment(world, 9, day=3, title="明天的预约")
    other = make_staff("tech_c", "technician", world.north)
    appointment(world, 11, technician=other, title="别人的预约")
    cancelled = appointment(world, 12, title="已取消")
    Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled")
    loose = world.order(
        world.customer("王五", "13700137000"), title="无预约的报修", assignee_id=world.technician.pk
    )
    r = tech.get("/field/")
    assert r.status_code == 200
    html = r.content.decode()
    titles = ["上午：安检", "下午：燃气表更换", "无预约的报修"]
    positions = [html.index(t) for t in titles]
    assert positions == sorted(positions)
    for absent in ("明天的预约", "别人的预约", "已取消"):
        assert absent not in html
    assert (
        f'data-key="a{early.pk}"' in html
        and f'data-key="o{loose.pk}"' in html
        and f'data-key="a{late.pk}"' in html
    )
    assert "和平里东街5号3单元201" in html  # the address in full: the technician is going there
    # each showing is an access record with the reason "visiting on site"
    records = AccessRecord.objects.filter(kind="reveal", reason="site_visit", where="field")
    assert set(records.values_list("field", flat=True)) == {"phone", "address"}
    assert records.filter(customer_id=loose.customer_id).count() == 2


def test_an_urgent_order_without_appointment_comes_first_marked_and_overdue_shows(
    world: Any, now: Any, tech: Client
) -> None:
    appointment(world, 8, title="上午：安检")
    routine = world.order(
        world.customer("王五", "13700137000"), title="无预约的报修", assignee_id=world.technician.pk
    )
    leak = world.order(
        world.customer("赵六", "13600136000"),
        title="燃气泄漏抢修",
        priority="urgent",
        assignee_id=world.technician.pk,
    )
    WorkOrder.objects.filter(pk=leak.pk).update(due_at=sh(2026, 3, 2, 10, 30))  # passed at 11:00
    html = tech.get("/field/").content.decode()
    positions = [html.index(t) for t in ("燃气泄漏抢修", "上午：安检", "无预约的报修")]
    assert positions == sorted(positions)
    card = html[html.index(f'data-key="o{leak.pk}"') :]
    card = card[: card.index("</li>")]
    assert "vflag-urgent" in card and 'data-testid="field-overdue"' in card
    assert "已超时" in card and "逾期未缴" not in card  # past its time limit, not an unpaid fee
    plain = html[html.index(f'data-key="o{routine.pk}"') :]
    assert "vflag" not in plain[: plain.index("</li>")]
    visit = tech.get(f"/field/visits/o{leak.pk}/").content.decode()
    assert "vflag-urgent" in visit and "vflag-overdue" in visit


def test_the_visit_page_shows_checklist_materials_and_a_callable_phone(
    world: Any, now: Any, tech: Client
) -> None:
    ServiceStep.objects.create(service=world.service_fault, order=1, title="检查光猫指示灯")
    ServiceMaterial.objects.create(service=world.service_fault, name="户主身份证")
    a = appointment(world, 10)
    r = tech.get(f"/field/visits/a{a.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "检查光猫指示灯" in html and "户主身份证" in html
    assert 'href="tel:13800138000"' in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html


def test_the_app_is_installable(world: Any, tech: Client) -> None:
    m = tech.get("/field/manifest.webmanifest")
    assert m["Content-Type"] == "application/manifest+json"
    body = m.json()
    assert (body["start_url"], body["scope"], body["display"]) == ("/field/", "/field/", "standalone")
    assert {i["sizes"] for i in body["icons"]} == {"192x192", "512x512"}
    sw = tech.get("/field/sw.js")
    assert sw.status_code == 200
    assert sw["Content-Type"].startswith("text/javascript")
    assert sw["Cache-Control"] == "no-cache"
    assert "KEFU_SHELL" in sw.content.decode()
    page = tech.get("/field/")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "img-src 'self' data: blob:;" in policy  # a queued photo is shown from the phone's copy
    assert 'rel="manifest" href="/field/manifest.webmanifest"' in page.content.decode()


PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


def test_a_technician_on_a_phone_lands_on_todays_visits(world: Any, tech: Client) -> None:
    assert tech.get("/", headers={"User-Agent": PHONE_UA})["Location"] == "/field/"
    assert tech.get("/", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"})["Location"] == "/orders/"
    queue = tech.get("/orders/?tab=mine").content.decode()
    assert 'id="nav-field"' in queue and 'href="/field/"' in queue  # "My visits today" in the console
    agent = Client()
    agent.login(username="agent", password=PASSWORD)
    assert agent.get("/", headers={"User-Agent": PHONE_UA})["Location"] == "/orders/"
    assert 'id="nav-field"' not in agent.get("/orders/?tab=mine").content.decode()


def test_the_day_costs_the_same_statements_for_three_or_seven_visits(
    world: Any, now: Any, tech: Client
) -> None:
    for hour in (8, 10):
        appointment(world, hour)
    world.order(world.customer("赵六", "13600136000"), assignee_id=world.technician.pk)
    tech.get("/field/")  # the session's first page also stores its time zone
    with CaptureQueriesContext(connection) as two:
        assert tech.get("/field/").status_code == 200
    for hour in (12, 14, 16):
        appointment(world, hour)
    world.order(world.customer("王五", "13700137000"), assignee_id=world.technician.pk)
    with CaptureQueriesContext(connection) as six:
        assert tech.get("/field/").content.decode().count('class="vcard"') == 7
    assert len(six) == len(two) <= 12


def test_erasing_the_customer_anonymises_the_visit(world: Any, now: Any, tech: Client) -> None:
    a = appointment(world, 10)
    key = f"a{a.pk}"
    post(tech, key, "arrive")
    post(tech, key, "note", text="张三说打13800138000前先敲门")
    sig = SimpleUploadedFile("signature.png", png_bytes(300, 130), content_type="image/png")
    post(tech, key, "signature", file=sig, signed_by="张三")
    customer = WorkOrder.objects.select_related("customer").get(pk=a.order_id).customer
    with transaction.atomic():
        outcome = anonymise(customer, sh(2026, 3, 2, 11, 0))
    v = Visit.objects.get(appointment=a)
    assert v.signed_by == "" and v.signature is None  # the signature image was deleted with the attachments
    assert "13800138000" not in v.notes and "张三" not in v.notes and v.arrived_at is not None
    assert any("fieldservice.Visit" in label for label in outcome)


def test_arriving_on_the_phone_keeps_the_lateness_sweep_off_the_visit(
    world: Any, now: Any, tech: Client
) -> None:
    from kefu.fieldservice import booking

    kept = appointment(world, 10)  # window 10:00-12:00 on 2 March
    late = appointment(world, 14)  # window 14:00-16:00, nobody arrives
    r = post(tech, f"a{kept.pk}", "arrive", at=sh(2026, 3, 2, 10, 50))
    assert r.status_code == 200, r.content
    kept.refresh_from_db()
    assert kept.arrived_at == sh(2026, 3, 2, 10, 50)
    assert booking.sweep_late(now=sh(2026, 3, 2, 23, 0)) == 1  # the tolerance after 16:00 has passed
    kept.refresh_from_db()
    late.refresh_from_db()
    assert kept.status == AppointmentStatus.BOOKED and kept.missed_reason == ""
    assert late.status == AppointmentStatus.MISSED and late.missed_reason == "technician_late"


def test_customer_absent_on_the_phone_is_the_missed_visit_staff_record(
    world: Any, now: Any, tech: Client
) -> None:
    """One path for a missed visit: the phone's "customer absent" goes through ``booking.do_record_missed`` —
    the timeline entry staff get, the audit, the customer's message with a link to book again — at the
    action's time; the offline queue sending the action again sends nothing twice."""
    a = appointment(world, 10)  # window 10:00-12:00 on 2 March; the customer's mobile 13800138000
    key = f"a{a.pk}"
    assert post(tech, key, "arrive", at=sh(2026, 3, 2, 9, 55)).status_code == 200
    early = post(tech, key, "finish", outcome="customer_absent", text="敲门无人", at=sh(2026, 3, 2, 9, 58))
    assert early.status_code == 400  # before the window opened nobody missed anything
    assert early.json()["error"]["code"] == "not_yet"
    assert not FieldAction.objects.filter(kind="finish").exists()
    assert not OutboxMessage.objects.filter(idempotency_key__startswith="appt-missed:").exists()

    finish_id = str(uuid.uuid4())
    first = post(
        tech,
        key,
        "finish",
        action_id=finish_id,
        outcome="customer_absent",
        text="敲门无人，电话未接",
        at=sh(2026, 3, 2, 10, 25),
    )
    assert first.status_code == 200, first.content
    again = post(
        tech,
        key,
        "finish",
        action_id=finish_id,
        outcome="customer_absent",
        text="敲门无人，电话未接",
        at=sh(2026, 3, 2, 10, 25),
    )
    assert again.json()["replayed"] is True and again.json()["result"] == first.json()["result"]
    assert first.json()["result"]["visit"]["appointment_status"] == "missed"

    a.refresh_from_db()
    assert (a.status, a.missed_reason, a.missed_note, a.missed_at) == (
        "missed",
        "customer_absent",
        "敲门无人，电话未接",
        sh(2026, 3, 2, 10, 25),
    )
    missed = TimelineEntry.objects.filter(workorder_id=a.order_id, data__event="appointment.missed")
    assert [(e.data["event"], e.created_at) for e in missed] == [
        ("appointment.missed", sh(2026, 3, 2, 10, 25))
    ]
    assert AuditRecord.objects.filter(action="appointment.missed", object_id=str(a.pk)).count() == 1
    messages = list(
        OutboxMessage.objects.filter(workorder_id=a.order_id, idempotency_key__startswith="appt-")
    )
    assert [(m.idempotency_key, m.channel, m.recipient) for m in messages] == [
        (f"appt-missed:{a.pk}:0", "sms", "+8613800138000")
    ]
    order = WorkOrder.objects.get(pk=a.order_id)
    assert order.number in messages[0].body and "/visit/" in messages[0].body  # the link to book again
