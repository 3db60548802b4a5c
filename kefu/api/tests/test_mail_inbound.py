"""POST /api/v1/mail/inbound/{mailbox_id}: raw e-mail from an MTA, token-authenticated."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kefu.api.tests.conftest import BASE, api_for, assert_error
from kefu.channels.models import OutboxMessage
from kefu.channels.models.mail import DeadLetter, InboundMessage, Mailbox
from kefu.testing.dblock import database_locked, on_lockable_database
from kefu.workorders.models import Attachment, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def box(world: Any) -> Mailbox:
    return Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn")


def raw_mail(msgid: str = "<mta1@example.cn>") -> bytes:
    m = EmailMessage()
    m["From"] = "刘女士 <liu@example.cn>"
    m["To"] = "kefu@north.example.cn"
    m["Subject"] = "燃气表不走字"
    m["Message-ID"] = msgid
    m.set_content("燃气表从昨天起不走字了。")
    return m.as_bytes()


def post(user: Any, mailbox_id: int, data: bytes) -> Any:
    api = api_for(user)
    return api.client.post(
        f"{BASE}/mail/inbound/{mailbox_id}", data=data, content_type="message/rfc822", headers=api.headers
    )


def test_mta_delivers_new_mail_then_duplicate(world: Any, box: Mailbox) -> None:
    r = post(world.supervisor.user, box.pk, raw_mail())
    assert r.status_code == 201, r.content
    body = r.json()
    o = WorkOrder.objects.get()
    assert body["status"] == "new_order" and body["order"] == o.number and body["acknowledged"] is True
    assert o.channel == "email" and o.customer.email == "liu@example.cn"
    again = post(world.supervisor.user, box.pk, raw_mail())
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["order"] == o.number
    assert WorkOrder.objects.count() == 1 and OutboxMessage.objects.count() == 1


def test_malformed_is_accepted_as_dead_letter(world: Any, box: Mailbox) -> None:
    r = post(world.supervisor.user, box.pk, b"\r\n\r\nnot an e-mail")
    assert r.status_code == 202 and r.json()["status"] == "dead_letter"
    assert DeadLetter.objects.get().pk == r.json()["dead_letter_id"]


def test_authentication_and_permissions(world: Any, box: Mailbox) -> None:
    anon = Client().post(f"{BASE}/mail/inbound/{box.pk}", data=raw_mail(), content_type="message/rfc822")
    assert anon.status_code == 401
    assert_error(post(world.technician.user, box.pk, raw_mail()), 403)
    # another branch's staff do not see the mailbox
    assert_error(post(world.supervisor_south.user, box.pk, raw_mail()), 404, "not_found")
    assert_error(post(world.supervisor.user, 99999, raw_mail()), 404, "not_found")
    assert_error(post(world.supervisor.user, box.pk, b"  "), 400, "required")
    assert not WorkOrder.objects.exists()


def test_too_large(world: Any, box: Mailbox, settings: Any) -> None:
    settings.KEFU_MAIL_MAX_BYTES = 1000
    assert_error(post(world.supervisor.user, box.pk, raw_mail() + b"x" * 2000), 413, "too_large")


def test_mta_delivers_mail_that_failed_dmarc(world: Any, box: Mailbox, settings: Any) -> None:
    settings.KEFU_MAIL_TRUSTED_AUTHSERV_IDS = ["mx.north.example.cn"]
    first = post(world.supervisor.user, box.pk, raw_mail())
    assert first.status_code == 201 and first.json()["sender_check"] == ""
    number = first.json()["order"]
    verdict = b"Authentication-Results: mx.north.example.cn; dmarc=fail header.from=example.cn\r\n"
    reply = raw_mail("<mta2@example.cn>").replace(b"Subject: ", f"Subject: Re: [{number}] ".encode(), 1)
    r = post(world.supervisor.user, box.pk, verdict + reply)
    assert r.status_code == 201, r.content
    assert r.json()["sender_check"] == "fail" and r.json()["status"] == "new_order"
    assert r.json()["order"] != number and WorkOrder.objects.count() == 2


def raw_with_attachment(msgid: str = "<att@example.cn>") -> bytes:
    m = EmailMessage()
    m["From"] = "刘女士 <liu@example.cn>"
    m["To"] = "kefu@north.example.cn"
    m["Subject"] = "燃气表照片"
    m["Message-ID"] = msgid
    m.set_content("照片见附件")
    m.add_attachment(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, maintype="image", subtype="png", filename="gas.png")
    return m.as_bytes()


def assert_retry_later(r: Any) -> None:
    assert r.status_code == 503, r.content
    assert r["Retry-After"] == "30"
    error = r.json()["error"]
    assert error["code"] == "temporarily_unavailable" and error["field"] is None
    assert "nothing was saved" in error["message"]


@pytest.mark.django_db(transaction=True)
def test_database_locked_answers_503_and_stores_nothing(world: Any, box: Mailbox, tmp_path: Path) -> None:
    api = api_for(world.supervisor.user)
    assert api.get("/orders").status_code == 200  # the token's last use is recorded now, not while locked
    with on_lockable_database(tmp_path):
        with database_locked(tmp_path, "channels_mailbox", box.pk):
            r = api.client.post(
                f"{BASE}/mail/inbound/{box.pk}",
                data=raw_mail(),
                content_type="message/rfc822",
                headers=api.headers,
            )
        assert_retry_later(r)
        assert r.json()["error"]["message"].startswith("The message cannot be taken in right now")
        assert not DeadLetter.objects.exists() and not InboundMessage.objects.exists()
        assert not WorkOrder.objects.exists()
        # the MTA delivers again once the lock is gone: taken in once
        again = api.client.post(
            f"{BASE}/mail/inbound/{box.pk}",
            data=raw_mail(),
            content_type="message/rfc822",
            headers=api.headers,
        )
        assert again.status_code == 201 and again.json()["status"] == "new_order"
        assert WorkOrder.objects.count() == 1 and not DeadLetter.objects.exists()


def test_attachment_directory_unavailable_answers_503(
    world: Any, box: Mailbox, settings: Any, tmp_path: Path
) -> None:
    good_media = settings.MEDIA_ROOT
    blocker = tmp_path / "unmounted"
    blocker.write_text("not a directory")  # a volume that is not mounted: the directory cannot be made
    settings.MEDIA_ROOT = blocker / "media"
    r = post(world.supervisor.user, box.pk, raw_with_attachment())
    assert_retry_later(r)
    assert not DeadLetter.objects.exists() and not InboundMessage.objects.exists()
    assert not WorkOrder.objects.exists() and not OutboxMessage.objects.exists()
    settings.MEDIA_ROOT = good_media
    again = post(world.supervisor.user, box.pk, raw_with_attachment())
    assert again.status_code == 201 and again.json()["status"] == "new_order"
    assert Attachment.objects.get().filename == "gas.png"
