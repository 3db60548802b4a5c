"""Media from the channels (docs/media.md): WeCom images, voice messages and files and MMS images arrive
as attachments of the customer's message, fetched from a real media gateway on loopback, within the size
and type limits; a failed download is retried by the job and never loses the message; images are
previewed on the console and portal order pages."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from kefu.api.tests.conftest import api_for
from kefu.audit.models import AuditRecord
from kefu.channels.chat import wecom as chat
from kefu.channels.outbox import sms
from kefu.jobs.registry import JOBS
from kefu.jobs.runner import load_job_modules
from kefu.lib import clock
from kefu.media import fetch as media
from kefu.media.models import MediaFetch
from kefu.media.tests.gateway import AMR, EXE, SVG, MediaGateway, png
from kefu.testing.factories import World, make_portal_customer
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db
SMS_SECRET = "mms-secret"
PNG = png()


@pytest.fixture
def gw(settings: Any) -> Iterator[MediaGateway]:
    fake = MediaGateway(SMS_SECRET)
    settings.KEFU_CHAT_API_BASE = fake.base
    settings.KEFU_CHAT_CORP_ID = "ww-corp"
    settings.KEFU_CHAT_SECRET = "sec"
    settings.KEFU_SMS_HTTP_SECRET = SMS_SECRET
    settings.KEFU_SMS_BRANCH = ""
    settings.KEFU_SMS_MEDIA_URL = fake.base + "/mms/{id}"
    settings.KEFU_MEDIA_MAX_BYTES = 100_000
    cache.delete(chat.TOKEN_CACHE_KEY)
    fake.media.update(
        {
            "IMG-1": (200, PNG, "image/jpeg"),  # the gateway's claim is wrong: the bytes decide
            "VOICE-1": (200, AMR, "voice/amr"),
            "EXE-1": (200, EXE, "image/png"),
            "SVG-1": (200, SVG, "image/svg+xml"),
            "BIG-1": (200, b"\xff\xd8\xff\xe0" + b"\x00" * 150_000, "image/jpeg"),
        }
    )
    yield fake
    fake.close()
    cache.delete(chat.TOKEN_CACHE_KEY)


def wecom_msg(msgid: str, msgtype: str, sub: dict[str, Any], user: str = "wmPhoto01") -> dict[str, Any]:
    return {
        "msgid": msgid,
        "open_kfid": "wkKF001",
        "external_userid": user,
        "send_time": int(time.time()),
        "origin": 3,
        "msgtype": msgtype,
        msgtype: sub,
    }


def post_chat(world: World, *msgs: dict[str, Any]) -> Any:
    r = api_for(world.agent.user).post("/chat/inbound", {"errcode": 0, "msg_list": list(msgs)})
    assert r.status_code == 200, r.body
    return r.body["results"]


def test_an_image_becomes_an_attachment_of_the_message(world: World, gw: MediaGateway) -> None:
    results = post_chat(
        world,
        wecom_msg("t-1", "text", {"content": "燃气表漏气，拍了照片"}),
        wecom_msg("i-1", "image", {"media_id": "IMG-1"}),
    )
    assert [r["msgtype"] for r in results] == ["text", "image"]
    assert results[1]["media"] == [
        {
            "kind": "image",
            "state": "done",
            "attachment_id": results[1]["media"][0]["attachment_id"],
            "error": "",
        }
    ]
    o = WorkOrder.objects.get(number=results[1]["order"])
    assert results[0]["order"] == o.number
    att = Attachment.objects.get(pk=results[1]["media"][0]["attachment_id"])
    assert (att.workorder_id, att.content_type, att.size, att.public) == (o.pk, "image/png", len(PNG), True)
    assert att.filename == "image-i-1.png" and att.file.read() == PNG
    assert att.entry is not None
    entry = att.entry
    assert (entry.kind, entry.body) == ("customer", "(Image)")
    # fetched through media/get with the access token
    media_calls = [q for path, q, _h in gw.requests if path == "/cgi-bin/media/get"]
    assert media_calls == [{"access_token": ["TOKEN-M"], "media_id": ["IMG-1"]}]
    # a redelivery of the same message fetches nothing again
    again = post_chat(world, wecom_msg("i-1", "image", {"media_id": "IMG-1"}))
    assert again[0]["created"] is False and again[0]["media"][0]["state"] == "done"
    assert (
        Attachment.objects.count() == 1
        and len([p for p, _q, _h in gw.requests if p.endswith("media/get")]) == 1
    )


def test_voice_and_file_named_by_their_bytes(world: World, gw: MediaGateway) -> None:
    gw.media["FILE-1"] = (200, PNG, "application/octet-stream")
    results = post_chat(
        world,
        wecom_msg("v-1", "voice", {"media_id": "VOICE-1"}),
        wecom_msg("f-1", "file", {"media_id": "FILE-1", "file_name": "漏水照片.exe"}),
    )
    voice = Attachment.objects.get(pk=results[0]["media"][0]["attachment_id"])
    photo = Attachment.objects.get(pk=results[1]["media"][0]["attachment_id"])
    assert (voice.content_type, voice.filename) == ("audio/amr", "voice-v-1.amr")
    assert (photo.content_type, photo.filename) == ("image/png", "漏水照片.png")
    bodies = list(TimelineEntry.objects.filter(kind="customer").order_by("id").values_list("body", flat=True))
    assert bodies == ["(Voice message)", "(File)"]


@pytest.mark.parametrize(
    ("media_id", "reason"), [("EXE-1", "type"), ("SVG-1", "type"), ("BIG-1", "too_large"), ("NONE-1", "gone")]
)
def test_refused_media_keep_the_message_and_say_why(
    world: World, gw: MediaGateway, media_id: str, reason: str
) -> None:
    if (
        media_id == "SVG-1"
    ):  # a script in an "image": stored as text would be inert, but text is not allowed here
        from django.conf import settings

        settings.KEFU_MEDIA_TYPES = ["image/png", "image/jpeg"]
    results = post_chat(world, wecom_msg("r-" + media_id, "image", {"media_id": media_id}))
    assert results[0]["media"][0]["state"] == "refused"
    assert results[0]["media"][0]["error"].startswith(reason)
    o = WorkOrder.objects.get(number=results[0]["order"])
    assert not Attachment.objects.exists()
    assert o.timeline.filter(kind="customer", body="(Image)").exists()
    problem = o.timeline.get(kind="system", data__event="media_refused")
    assert problem.data["reason"] == reason and not problem.public
    assert AuditRecord.objects.filter(action="media.refused", workorder_id=o.pk).count() == 1
    page = _staff_client(world).get(f"/orders/{o.number}/").content.decode()
    assert 'data-testid="media-problem"' in page


def test_a_failed_download_is_retried_by_the_job(world: World, gw: MediaGateway, settings: Any) -> None:
    settings.KEFU_MEDIA_FETCH_ATTEMPTS = 3
    gw.media["SLOW-1"] = (200, PNG, "image/png")
    gw.failures["SLOW-1"] = 1
    load_job_modules()  # as the worker does: the job is registered by kefu/media/jobs.py
    results = post_chat(world, wecom_msg("s-1", "image", {"media_id": "SLOW-1"}))
    assert results[0]["media"][0]["state"] == "pending"  # the message is recorded; the photo follows
    row = MediaFetch.objects.get()
    assert (row.attempts, row.last_error) == (1, "HTTP 500")
    assert row.next_attempt_at > clock.now()
    JOBS["media.fetch"].func()  # not due yet: nothing happens
    assert MediaFetch.objects.get().state == "pending"
    MediaFetch.objects.update(next_attempt_at=clock.now() - dt.timedelta(seconds=1))
    JOBS["media.fetch"].func()
    row.refresh_from_db()
    assert row.state == "done" and row.attachment is not None and row.attachment.content_type == "image/png"


def test_media_given_up_after_the_attempts(world: World, gw: MediaGateway, settings: Any) -> None:
    settings.KEFU_MEDIA_FETCH_ATTEMPTS = 2
    gw.media["DOWN-1"] = (200, PNG, "image/png")
    gw.failures["DOWN-1"] = 5
    post_chat(world, wecom_msg("d-1", "image", {"media_id": "DOWN-1"}))
    MediaFetch.objects.update(next_attempt_at=clock.now() - dt.timedelta(seconds=1))
    assert media.run_due() == 1
    row = MediaFetch.objects.get()
    assert (row.state, row.attempts) == ("failed", 2)
    assert row.workorder.timeline.filter(kind="system", data__event="media_failed").count() == 1


def test_an_expired_token_is_a_retry_not_an_attachment(world: World, gw: MediaGateway) -> None:
    cache.set(chat.TOKEN_CACHE_KEY, "OLD-TOKEN", 600)
    results = post_chat(world, wecom_msg("k-1", "image", {"media_id": "IMG-1"}))
    assert results[0]["media"][0]["state"] == "pending"
    assert "40014" in MediaFetch.objects.get().last_error
    assert not Attachment.objects.exists()


def test_events_are_skipped_other_types_recorded(world: World, gw: MediaGateway) -> None:
    results = post_chat(
        world,
        {"msgid": "e-1", "msgtype": "event", "event": {"event_type": "enter_session"}},
        {"msgid": "x-1"},
        wecom_msg("l-1", "location", {"name": "幸福小区", "address": "南湖乡幸福村8号"}),
        wecom_msg("b-1", "business_card", {"userid": "x"}),
    )
    assert [(r["msgtype"], r["skipped"], r["created"]) for r in results] == [
        ("event", True, False),
        ("event", True, False),
        ("location", False, True),
        ("business_card", False, True),
    ]
    bodies = list(TimelineEntry.objects.filter(kind="customer").order_by("id").values_list("body", flat=True))
    assert bodies[0] == "(Location) 幸福小区 南湖乡幸福村8号"
    assert "business_card" in bodies[1]


def _mms(body: dict[str, Any]) -> Any:
    data = json.dumps(body, ensure_ascii=False).encode()
    ts = int(time.time())
    headers = {sms.SIGNATURE_HEADER: sms.sign(SMS_SECRET, data, ts), sms.TIMESTAMP_HEADER: str(ts)}
    r: Any = Client().post("/api/v1/sms/inbound", data=data, content_type="application/json", headers=headers)
    r.body = r.json()
    return r


def test_mms_images_through_the_signed_media_url(world: World, gw: MediaGateway) -> None:
    r = _mms(
        {
            "id": "mms-1",
            "from": "13800138111",
            "text": "",
            "media": [{"id": "IMG-1", "filename": "meter.jpg"}],
        }
    )
    assert r.status_code == 201, r.body
    assert r.body["media"][0]["state"] == "done"
    att = Attachment.objects.get()
    assert (att.filename, att.content_type) == ("meter.png", "image/png")
    with translation.override("zh-hans"):  # the gateway's request carries no language: the first one
        expected = gettext("(MMS without text)")
    assert att.entry is not None and att.entry.body == expected
    mms_requests = [h for path, _q, h in gw.requests if path.startswith("/mms/")]
    assert len(mms_requests) == 1 and mms_requests[0][sms.SIGNATURE_HEADER].startswith("sha256=")
    # a malformed media list is refused before anything is stored
    bad = _mms(
        {"id": "mms-2", "from": "13800138111", "text": "x", "media": [{"url": "http://169.254.169.254/"}]}
    )
    assert bad.status_code == 400 and bad.body["error"]["field"] == "media"


def test_mms_without_a_media_url_keeps_the_text(world: World, gw: MediaGateway, settings: Any) -> None:
    settings.KEFU_SMS_MEDIA_URL = ""
    r = _mms({"id": "mms-3", "from": "13800138112", "text": "水表照片", "media": [{"id": "IMG-1"}]})
    assert r.status_code == 201 and r.body["media"][0]["state"] == "refused"
    assert TimelineEntry.objects.filter(kind="customer", body="水表照片").count() == 1


def _staff_client(world: World, who: str = "agent") -> Client:
    c = Client()
    c.force_login(getattr(world, who).user)
    return c


def test_preview_on_console_and_portal_access_checked(world: World, gw: MediaGateway) -> None:
    results = post_chat(world, wecom_msg("p-1", "image", {"media_id": "IMG-1"}))
    o = WorkOrder.objects.get(number=results[0]["order"])
    att = Attachment.objects.get()
    console = _staff_client(world)
    page = console.get(f"/orders/{o.number}/").content.decode()
    assert f'src="/orders/attachments/{att.pk}/?inline=1"' in page
    inline = console.get(f"/orders/attachments/{att.pk}/?inline=1")
    assert inline.status_code == 200 and inline["Content-Type"] == "image/png"
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["X-Content-Type-Options"] == "nosniff" and "sandbox" in inline["Content-Security-Policy"]
    assert b"".join(inline.streaming_content) == PNG  # type: ignore[attr-defined]
    download = console.get(f"/orders/attachments/{att.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    # another branch's agent: not found
    assert (
        _staff_client(world, "agent_south").get(f"/orders/attachments/{att.pk}/?inline=1").status_code == 404
    )
    # the customer on the portal sees the preview of their own photo
    make_portal_customer(world, o.customer, "wxcust")
    portal = Client()
    portal.force_login(o.customer.user)  # type: ignore[arg-type]
    ppage = portal.get(f"/portal/orders/{o.number}/")
    assert ppage.status_code == 200, ppage.status_code
    assert f"/portal/files/{att.pk}/?inline=1" in ppage.content.decode()
    pinline = portal.get(f"/portal/files/{att.pk}/?inline=1")
    assert pinline["Content-Disposition"].startswith("inline") and pinline["Content-Type"] == "image/png"


def test_a_non_image_is_never_inline(world: World, gw: MediaGateway) -> None:
    results = post_chat(world, wecom_msg("n-1", "voice", {"media_id": "VOICE-1"}))
    att = Attachment.objects.get(pk=results[0]["media"][0]["attachment_id"])
    r = _staff_client(world).get(f"/orders/attachments/{att.pk}/?inline=1")
    assert r["Content-Disposition"].startswith("attachment") and r["Content-Type"] == "audio/amr"
    page = _staff_client(world).get(f"/orders/{results[0]['order']}/").content.decode()
    assert f"/orders/attachments/{att.pk}/?inline=1" not in page


def test_email_photo_previewed_and_a_program_refused(world: World) -> None:
    from email.message import EmailMessage

    from kefu.channels.mail import inbound as email_in
    from kefu.channels.models.mail import Mailbox

    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn", imap_host="127.0.0.1")
    m = EmailMessage()
    m["From"] = "zhao@example.cn"
    m["Subject"] = "漏水照片"
    m["Message-ID"] = "<leak@x>"
    m.set_content("厨房漏水，照片见附件")
    m.add_attachment(PNG, maintype="image", subtype="jpeg", filename="leak.jpg")
    m.add_attachment(EXE, maintype="image", subtype="png", filename="photo.png")
    r = email_in.ingest(box, m.as_bytes())
    assert r.order is not None
    att = Attachment.objects.get(workorder=r.order)
    assert (att.filename, att.content_type, att.previewable) == ("leak.jpg", "image/png", True)
    body = r.order.timeline.get(kind="customer").body
    assert "photo.png (application/x-msdownload)" in body
    page = _staff_client(world).get(f"/orders/{r.order.number}/").content.decode()
    assert f'src="/orders/attachments/{att.pk}/?inline=1"' in page


def test_an_mms_file_name_over_200_characters_is_refused(world: World, gw: MediaGateway) -> None:
    r = _mms(
        {
            "id": "mms-2",
            "from": "13800138112",
            "text": "表",
            "media": [{"id": "IMG-2", "filename": "x" * 201}],
        }
    )
    assert r.status_code == 400 and r.body["error"]["field"] == "media", r.body
    r = _mms({"id": "mms-3", "from": "13800138112", "text": "表", "media": None})
    assert r.status_code == 400 and r.body["error"]["field"] == "media", r.body
    assert not Attachment.objects.exists()
