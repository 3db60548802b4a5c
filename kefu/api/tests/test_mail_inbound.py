"""POST /api/v1/mail/inbound/{mailbox_id}: raw e-mail from an MTA, token-authenticated."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client

from kefu.api.tests.conftest import BASE, api_for, assert_error
from kefu.channels.models import OutboxMessage
from kefu.channels.models.mail import DeadLetter, Mailbox
from kefu.workorders.models import WorkOrder

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
