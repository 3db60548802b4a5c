"""SMS and e-mail consent (docs/privacy.md): message classes on the outbox, opt-out by SMS
reply and by one-click e-mail unsubscribe (RFC 8058), checked at send time; service notices still go.

Real components: the signed inbound SMS webhook, a real HTTP SMS gateway on loopback (``test_sms.Gateway``),
a real SMTP server (aiosmtpd) for e-mail, the portal's unsubscribe page through Django's test client."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.channels import outbox
from kefu.channels.models import GatewayMessage, OptOut, OutboxMessage, OutboxStatus, SmsTemplate
from kefu.channels.outbox import consent, sms, sms_template_edit
from kefu.channels.tests.test_sms import SECRET, Gateway
from kefu.commitments import proactive
from kefu.customers.actions import do_add_record
from kefu.customers.models import Customer
from kefu.lib.errors import ValidationFailed
from kefu.testing.factories import World
from kefu.testing.shell import free_port
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
PHONE = "+8613900139000"


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    gw = Gateway()
    settings.KEFU_OUTBOX_SMS_TRANSPORT = "http"
    settings.KEFU_SMS_HTTP_URL = gw.url
    settings.KEFU_SMS_HTTP_SECRET = SECRET
    settings.KEFU_SMS_BRANCH = ""
    yield gw
    gw.close()


def texts(gw: Gateway) -> list[tuple[str, str]]:
    """(to, text) of every SMS the gateway received."""
    return [(json.loads(body)["to"], json.loads(body)["text"]) for _headers, body in gw.requests]


def inbound(message_id: str, text: str, sender: str = "13900139000") -> Any:
    data = json.dumps({"id": message_id, "from": sender, "text": text}, ensure_ascii=False).encode()
    ts = int(time.time())
    return Client().post(
        "/api/v1/sms/inbound",
        data=data,
        content_type="application/json",
        headers={"X-Kefu-Signature": sms.sign(SECRET, data, ts), "X-Kefu-Timestamp": str(ts)},
    )


def subscription(world: World, customer: Customer, expiry: dt.date, product: str = "有线电视") -> Any:
    return do_add_record(
        world.agent.user,
        customer.pk,
        "subscription",
        {
            "product": product,
            "start_date": dt.date(2025, 1, 1),
            "expiry_date": expiry,
            "monthly_fee": Decimal("30"),
        },
    )


def announce(world: World) -> Any:
    starts = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SH)
    return proactive.do_announce_maintenance(
        world.agent.user,
        branch_id=world.north.pk,
        area_ids=[world.area_n1.pk],
        title="燃气管道检修",
        description="检修期间停气，请关闭阀门。",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=6),
        now=dt.datetime(2026, 3, 9, 9, 0, tzinfo=SH),
    )


# --- the acceptance test: TD stops the next fee reminder, the maintenance notice still arrives -----------


def test_td_stops_the_next_fee_reminder_while_the_maintenance_notice_still_arrives(
    world: World, gateway: Gateway
) -> None:
    SmsTemplate.objects.create(code="opt_out", language="zh-hans", text="拒收请回复R")
    li = world.customer(name="李四", phone="13900139000", address="安定路2号")
    subscription(world, li, dt.date(2026, 12, 1))

    # a reminder before the opt-out carries the opt-out text and is delivered
    assert proactive.send_fee_reminders(dt.date(2026, 11, 20), 15) == 1
    assert outbox.send_due() == 1
    ((to, first),) = texts(gateway)
    assert to == PHONE and "有线电视" in first and first.endswith(" 拒收请回复R")

    r = inbound("gw-td-1", "TD")
    assert r.status_code == 201, r.json()
    assert r.json()["order"] is None  # an opt-out is not a request for the service centre
    assert not WorkOrder.objects.filter(customer=li).exists()
    assert GatewayMessage.objects.get(external_id="gw-td-1").payload["outcome"] == "opted_out"
    assert set(
        OptOut.objects.filter(channel="sms", address=PHONE, withdrawn_at__isnull=True).values_list(
            "message_class", flat=True
        )
    ) == {"reminder", "marketing"}
    assert AuditRecord.objects.filter(action="consent.opt_out", customer_id=li.pk).count() == 1
    # confirmed once: a second TD changes nothing and sends nothing
    assert inbound("gw-td-2", "退订").status_code == 201
    assert OptOut.objects.count() == 2
    confirmations = OutboxMessage.objects.filter(idempotency_key__startswith="opt-out-confirm:")
    assert confirmations.count() == 1 and confirmations.get().message_class == "service"

    # the next reminder (renewed to a new expiry) is queued but never handed to the gateway
    subscription(world, li, dt.date(2026, 12, 5), product="燃气保险")
    assert proactive.send_fee_reminders(dt.date(2026, 11, 23), 15) == 1
    reminder = OutboxMessage.objects.get(idempotency_key__startswith="fee-expiry:", body__contains="燃气保险")
    assert reminder.message_class == "reminder"
    # the planned-maintenance notice (service class) goes to the same number
    m = announce(world)
    notice = OutboxMessage.objects.get(idempotency_key=f"maintenance:{m.pk}:{li.pk}")
    assert notice.message_class == "service" and notice.channel == "sms" and "拒收" not in notice.body

    gateway.requests.clear()
    assert outbox.send_due() == 2  # the confirmation and the maintenance notice
    received = texts(gateway)
    assert [t for _to, t in received if "燃气保险" in t] == []
    assert any("燃气管道检修" in t for to, t in received if to == PHONE)
    assert any("START" in t for to, t in received if to == PHONE)  # how to subscribe again
    reminder.refresh_from_db()
    assert reminder.status == OutboxStatus.SUPPRESSED and reminder.last_error == "suppressed: opted out"
    assert reminder.sent_at is None and reminder.attempts == 0
    assert outbox.send_due() == 0  # suppressed is final: never tried again


def test_start_subscribes_again_and_a_sentence_with_stop_is_an_ordinary_message(
    world: World, gateway: Gateway
) -> None:
    li = world.customer(name="李四", phone="13900139000", address="安定路2号")
    assert inbound("gw-1", "R").status_code == 201
    assert consent.opted_out_classes("sms", PHONE) == {"reminder", "marketing"}
    assert inbound("gw-2", "start").status_code == 201
    assert consent.opted_out_classes("sms", PHONE) == set()
    assert OptOut.objects.filter(withdrawn_at__isnull=False).count() == 2  # the history is kept
    assert OutboxMessage.objects.filter(idempotency_key__startswith="opt-in-confirm:").count() == 1
    assert AuditRecord.objects.filter(action="consent.opt_in", customer_id=li.pk).count() == 1
    # a reminder reaches the number again
    subscription(world, li, dt.date(2026, 12, 1))
    assert proactive.send_fee_reminders(dt.date(2026, 11, 20), 15) == 1
    gateway.requests.clear()
    outbox.send_due()
    assert any("有线电视" in t for _to, t in texts(gateway))
    # Hungarian and English words, with accents and punctuation
    assert inbound("gw-3", "Leiratkozás!").status_code == 201
    assert consent.opted_out_classes("sms", PHONE) == {"reminder", "marketing"}
    # "stop" inside a sentence is a request to read, not an opt-out
    r = inbound("gw-4", "Please stop the gas leak at my door", sender="13700137000")
    assert r.status_code == 201 and r.json()["order"] is not None
    assert consent.opted_out_classes("sms", "+8613700137000") == set()


def test_opt_out_text_per_language_and_only_on_refusable_classes(world: World) -> None:
    SmsTemplate.objects.create(code="opt_out", language="zh-hans", text="拒收请回复R")
    SmsTemplate.objects.create(code="opt_out", language="hu", text="Leiratkozás: válasz R")
    zh = world.customer(name="李四", phone="13900139000", address="安定路2号")
    hu = world.customer(name="Kovács Anna", phone="13700137000", address="安定路3号")
    Customer.objects.filter(pk=hu.pk).update(language="hu")
    hu.refresh_from_db()
    with transaction.atomic():
        rows = {
            key: outbox.enqueue(
                channel="sms",
                recipient=c.phone_e164,
                body="正文" if c == zh else "Szöveg",
                idempotency_key=key,
                customer=c,
                message_class=cls,
            )[0]
            for key, c, cls in [
                ("zh-reminder", zh, "reminder"),
                ("hu-reminder", hu, "reminder"),
                ("zh-marketing", zh, "marketing"),
                ("zh-service", zh, "service"),
            ]
        }
    assert rows["zh-reminder"].body == "正文 拒收请回复R"
    assert rows["hu-reminder"].body == "Szöveg Leiratkozás: válasz R"
    assert rows["zh-marketing"].body == "正文 拒收请回复R"
    assert rows["zh-service"].body == "正文"
    # without a configured wording: the built-in sentence of the language
    with translation.override("en"):
        assert consent.sms_body("Hello", "reminder") == "Hello Reply R to unsubscribe"
    with pytest.raises(ValueError), transaction.atomic():
        outbox.enqueue(channel="sms", recipient=PHONE, body="x", idempotency_key="k", message_class="spam")


def test_senders_name_their_class(world: World) -> None:
    """Which existing sender produces which class (docs/privacy.md lists them)."""
    zhang = world.customer(name="张三", phone="13800138000", email="zhang@example.com", address="和平里1号")
    subscription(world, zhang, dt.date(2026, 12, 1))
    proactive.send_fee_reminders(dt.date(2026, 11, 20), 15)
    m = announce(world)
    o = world.order(zhang)
    from kefu.workorders import actions as wo_actions

    entry = wo_actions.do_reply(world.agent.user, o.pk, "您好，师傅明天上门。", channel="sms")
    classes = dict(OutboxMessage.objects.values_list("idempotency_key", "message_class"))
    assert classes[f"maintenance:{m.pk}:{zhang.pk}"] == "service"
    assert classes[f"reply:{entry.pk}"] == "service"
    assert [c for k, c in classes.items() if k.startswith("fee-expiry:")] == ["reminder"]


# --- marketing needs prior consent --------------------------------------------------------------------


def test_marketing_without_consent_is_never_sent(
    world: World, gateway: Gateway, settings: Any, tmp_path: Path
) -> None:
    settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "file"
    settings.KEFU_OUTBOX_DIR = str(tmp_path / "outbox")
    zhang = world.customer(name="张三", phone="13800138000", email="zhang@example.com")
    assert consent.has_marketing_consent(zhang) is False  # no consent recorded (or no field at all)
    with transaction.atomic():
        for channel, recipient in (("sms", zhang.phone_e164), ("email", "zhang@example.com")):
            outbox.enqueue(
                channel=channel,
                recipient=recipient,
                subject="新春优惠",
                body="宽带续费八折",
                idempotency_key=f"promo:{channel}",
                customer=zhang,
                message_class="marketing",
            )
        # marketing to an address with no customer behind it: nobody consented
        outbox.enqueue(
            channel="sms",
            recipient="+8613700137000",
            body="宽带续费八折",
            idempotency_key="promo:anon",
            message_class="marketing",
        )
    assert outbox.send_due() == 0
    assert gateway.requests == []
    rows = OutboxMessage.objects.filter(idempotency_key__startswith="promo:")
    assert {(r.status, r.last_error) for r in rows} == {
        (OutboxStatus.SUPPRESSED, "suppressed: no marketing consent")
    }
    assert not (tmp_path / "outbox").exists()  # the file transport never wrote the e-mail


@pytest.mark.skipif(
    not any(f.name == "marketing_consent" for f in Customer._meta.get_fields()),
    reason="Customer.marketing_consent comes with the customer-rights work (docs/privacy.md)",
)
def test_marketing_with_consent_is_sent_unless_opted_out(world: World, gateway: Gateway) -> None:
    zhang = world.customer(name="张三", phone="13800138000")
    Customer.objects.filter(pk=zhang.pk).update(**dict.fromkeys(["marketing_consent"], True))
    with transaction.atomic():
        outbox.enqueue(
            channel="sms",
            recipient=zhang.phone_e164,
            body="宽带续费八折",
            idempotency_key="promo:1",
            customer=zhang,
            message_class="marketing",
        )
    assert outbox.send_due() == 1 and len(gateway.requests) == 1
    assert inbound("gw-m", "TD", sender="13800138000").status_code == 201
    with transaction.atomic():
        outbox.enqueue(
            channel="sms",
            recipient=zhang.phone_e164,
            body="宽带续费七折",
            idempotency_key="promo:2",
            customer=zhang,
            message_class="marketing",
        )
    outbox.send_due()
    assert OutboxMessage.objects.get(idempotency_key="promo:2").status == OutboxStatus.SUPPRESSED


# --- e-mail: List-Unsubscribe one-click (RFC 8058) ----------------------------------------------------


@pytest.fixture
def smtp(settings: Any) -> Iterator[list[Any]]:
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    port = free_port()
    controller = controller_mod.Controller(
        Keep(message_class=email.message.EmailMessage), hostname="127.0.0.1", port=port
    )
    controller.start()
    settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "smtp"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.DEFAULT_FROM_EMAIL = "客服中心 <kefu@north.example.cn>"
    settings.KEFU_PUBLIC_URL = "https://kefu.example.cn"
    try:
        yield received
    finally:
        controller.stop()


def parsed(message: Any) -> email.message.EmailMessage:
    out = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(out, email.message.EmailMessage)
    return out


def test_bulk_email_carries_one_click_unsubscribe_and_the_post_records_the_opt_out(
    world: World, smtp: list[Any]
) -> None:
    zhang = world.customer(name="张三", phone="13800138000", email="Zhang@Example.com", address="和平里1号")
    subscription(world, zhang, dt.date(2026, 12, 1))
    assert proactive.send_fee_reminders(dt.date(2026, 11, 20), 15) == 1
    m = announce(world)
    assert outbox.send_due() == 2
    by_subject = {str(parsed(r)["Subject"]): parsed(r) for r in smtp}
    (reminder,) = [v for k, v in by_subject.items() if "燃气管道检修" not in k]
    (notice,) = [v for k, v in by_subject.items() if "燃气管道检修" in k]
    # the reminder: RFC 8058 one-click; the maintenance notice (service) offers no unsubscribe
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(reminder["List-Unsubscribe"])
    assert link.startswith("<https://kefu.example.cn/portal/unsubscribe/") and link.endswith("/>")
    assert notice["List-Unsubscribe"] is None and notice["List-Unsubscribe-Post"] is None
    path = link[1:-1].removeprefix("https://kefu.example.cn")

    # GET (a link scanner, or the customer) only shows the page with a button
    page = Client().get(path)
    assert page.status_code == 200 and 'id="unsubscribe-confirm"' in page.content.decode()
    assert "zhang@example.com" in page.content.decode()
    assert not OptOut.objects.exists()

    # the mail provider's one-click POST: no session, no CSRF token (Django's CSRF check is on)
    client = Client(enforce_csrf_checks=True)
    r = client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200 and 'id="unsubscribe-done"' in r.content.decode()
    (row,) = OptOut.objects.all()
    assert (row.channel, row.address, row.message_class, row.source, row.customer_id) == (
        "email",
        "zhang@example.com",
        "reminder",
        "email_one_click",
        zhang.pk,
    )
    assert row.evidence == "List-Unsubscribe=One-Click"
    assert AuditRecord.objects.filter(action="consent.opt_out", customer_id=zhang.pk).count() == 1
    # posting again (the provider retries) changes nothing
    assert (
        client.post(
            path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )
    assert OptOut.objects.count() == 1
    assert 'id="unsubscribe-already"' in Client().get(path).content.decode()

    # the next reminder e-mail is suppressed; a maintenance notice still arrives
    smtp.clear()
    subscription(world, zhang, dt.date(2026, 12, 5), product="燃气保险")
    assert proactive.send_fee_reminders(dt.date(2026, 11, 23), 15) == 1
    starts = dt.datetime(2026, 3, 20, 9, 0, tzinfo=SH)
    proactive.do_announce_maintenance(
        world.agent.user,
        branch_id=world.north.pk,
        area_ids=[world.area_n1.pk],
        title="水表更换",
        description="更换期间停水。",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        now=dt.datetime(2026, 3, 9, 9, 0, tzinfo=SH),
    )
    assert outbox.send_due() == 1
    assert ["水表更换" in str(parsed(r)["Subject"]) for r in smtp] == [True]
    second = OutboxMessage.objects.get(idempotency_key__startswith="fee-expiry:", body__contains="燃气保险")
    assert (second.status, second.last_error) == (OutboxStatus.SUPPRESSED, "suppressed: opted out")
    assert m.pk  # the first notice was queued for this customer too


def test_unsubscribe_page_button_and_forged_links(world: World) -> None:
    token = consent.unsubscribe_token("li@example.com", "marketing")
    path = f"/portal/unsubscribe/{token}/"
    r = Client(enforce_csrf_checks=True).post(path)  # the page's own button (a form POST)
    assert r.status_code == 200 and 'id="unsubscribe-done"' in r.content.decode()
    assert consent.opted_out_classes("email", "LI@example.com") == {"marketing"}
    assert OptOut.objects.get().evidence == "unsubscribe page"
    # a tampered token, or one naming a class nobody may refuse, does nothing
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().post(f"/portal/unsubscribe/{forged}/").status_code == 400
    service = consent.unsubscribe_token("li@example.com", "service")
    assert Client().post(f"/portal/unsubscribe/{service}/").status_code == 400
    assert OptOut.objects.count() == 1


def test_suppressed_status_is_shown_truthfully_in_the_outbox_admin(world: World, gateway: Gateway) -> None:
    assert inbound("gw-1", "TD").status_code == 201
    with transaction.atomic():
        outbox.enqueue(
            channel="sms",
            recipient=PHONE,
            body="您的宽带即将到期",
            idempotency_key="fee-expiry:admin",
            message_class="reminder",
        )
    outbox.send_due()
    c = Client()
    c.force_login(world.admin.user)
    with translation.override("en"):
        page = c.get("/admin/channels/outboxmessage/?status=suppressed", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "suppressed, not sent" in html and "您的宽带即将到期" in html
    detail = c.get(
        f"/admin/channels/outboxmessage/{OutboxMessage.objects.get(idempotency_key='fee-expiry:admin').pk}/change/",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "suppressed: opted out" in detail.content.decode()
    optouts = c.get("/admin/channels/optout/", HTTP_ACCEPT_LANGUAGE="en")
    assert optouts.status_code == 200 and PHONE in optouts.content.decode()


def test_a_registered_reminder_template_must_carry_the_opt_out_text(world: World) -> None:
    SmsTemplate.objects.create(code="opt_out", language="zh-hans", text="拒收请回复R")
    admin = world.admin.user
    base = {"signature": "【城市燃气】", "active": "1"}
    with pytest.raises(ValidationFailed) as missing:
        sms_template_edit.do_save_template(
            admin,
            "fee_reminder",
            {
                **base,
                "text": "{customer_name}您好，您的{product}将于{due}到期。",
                "provider_template_id": "SMS_1",
            },
        )
    assert missing.value.field == "text" and "拒收请回复R" in str(missing.value.message)
    sms_template_edit.do_save_template(
        admin,
        "fee_reminder",
        {
            **base,
            "text": "{customer_name}您好，您的{product}将于{due}到期。拒收请回复R",
            "provider_template_id": "SMS_1",
        },
    )
    # without a provider template Kefu appends the sentence itself; a service kind needs none
    sms_template_edit.do_save_template(
        admin, "fee_reminder", {**base, "text": "{product}将于{due}到期", "provider_template_id": ""}
    )
    sms_template_edit.do_save_template(
        admin, "maintenance", {**base, "text": "{title}：{start}至{end}停气", "provider_template_id": "SMS_2"}
    )
    assert SmsTemplate.objects.get(code="fee_reminder").text == "{product}将于{due}到期"


@pytest.mark.django_db(transaction=True)
def test_two_opt_outs_at_the_same_moment_are_recorded_and_confirmed_once(
    world: World, gateway: Gateway
) -> None:
    from django.db import connection

    from kefu.testing.threads import together

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL (SQLite serialises them)")
    world.customer(name="李四", phone="13900139000")

    def reply(i: int) -> int:
        return int(inbound(f"gw-race-{i}", ["TD", "退订"][i]).status_code)

    assert sorted(together(reply, range(2))) == [201, 201]
    assert consent.opted_out_classes("sms", PHONE) == {"reminder", "marketing"}
    assert OptOut.objects.count() == 2
    assert OutboxMessage.objects.filter(idempotency_key__startswith="opt-out-confirm:").count() == 1
