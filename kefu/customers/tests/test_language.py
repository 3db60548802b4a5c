"""Customer-facing text is written in the customer's language (a field on the customer, defaulting to the
branch's), never in the language of the agent's screen or of whoever runs the job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from kefu.channels.mail import inbound as email_in
from kefu.channels.models import OutboxMessage
from kefu.channels.models.mail import Mailbox
from kefu.commitments import proactive
from kefu.customers.actions import CustomerInput, do_add_record, do_create_customer, do_update_customer
from kefu.customers.models import Customer

pytestmark = pytest.mark.django_db


def console(staff: Any, lang: str) -> Client:
    c = Client()
    c.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang
    c.force_login(staff.user)
    return c


def test_a_new_customer_takes_the_branchs_language_unless_one_is_given(world: Any) -> None:
    assert world.north.language == "zh-hans"  # the default of a new branch: settings.LANGUAGE_CODE
    world.south.language = "hu"
    world.south.save(update_fields=["language"])
    hu = do_create_customer(world.agent_south.user, CustomerInput(name="Kovács Anna", phone="13712345678"))
    en = do_create_customer(
        world.agent_south.user, CustomerInput(name="John Smith", phone="13712345679", language="en")
    )
    assert (hu.language, en.language) == ("hu", "en")
    # an edit that does not name the language keeps it
    do_update_customer(world.agent_south.user, en.pk, CustomerInput(name="John Smith", phone="13712345679"))
    assert Customer.objects.get(pk=en.pk).language == "en"
    # a record made outside the actions (empty language) reads the branch's
    raw = Customer.objects.get(pk=hu.pk)
    raw.language = ""
    assert raw.language_code == "hu"


def test_the_customer_form_edits_the_language(world: Any) -> None:
    c = world.customer("张三", "13800138000")
    client = console(world.agent, "en")
    form = client.get(f"/customers/{c.pk}/edit/").content.decode()
    assert 'name="language"' in form and '<option value="hu">Magyar</option>' in form
    resp = client.post(
        f"/customers/{c.pk}/edit/",
        {
            "name": "张三",
            "kind": "person",
            "relationship": "individual",
            "phone": "13800138000",
            "branch": world.north.pk,
            "language": "hu",
            "version": c.version,
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert Customer.objects.get(pk=c.pk).language == "hu"
    assert "Magyar" in client.get(f"/customers/{c.pk}/").content.decode()


@pytest.mark.parametrize(
    ("customer_language", "agent_language", "subject"),
    [("hu", "en", "Vá: [{n}] 燃气表不走字"), ("en", "zh-hans", "Re: [{n}] 燃气表不走字")],
)
def test_a_reply_subject_is_in_the_customers_language_not_the_agents(
    world: Any, customer_language: str, agent_language: str, subject: str
) -> None:
    c = world.customer("张三", "13800138000", email="zhang@example.com", language=customer_language)
    o = world.order(c, title="燃气表不走字")
    resp = console(world.agent, agent_language).post(
        f"/orders/{o.number}/reply/", {"channel": "email", "body": "您好", "version": o.version}
    )
    assert resp.status_code == 302
    assert OutboxMessage.objects.get(workorder=o).subject == subject.format(n=o.number)


def test_the_mail_acknowledgement_is_in_the_customers_language(world: Any) -> None:
    world.customer("Kovács Anna", "13712345678", email="anna@example.hu", language="hu")
    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn", imap_host="127.0.0.1")
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = (
        "anna@example.hu",
        "kefu@north.example.cn",
        "Gázszivárgás",
        "<hu-1@example.hu>",
    )
    m.set_content("Gázszag van a lépcsőházban.")
    with translation.override("en"):  # whatever the process runs in
        order = email_in.ingest(box, m.as_bytes()).order
    assert order is not None
    ack = OutboxMessage.objects.get(idempotency_key__startswith="mail-ack:")
    assert ack.subject == f"[{order.number}] Megkaptuk e-mailjét"


def test_fee_reminders_are_written_per_customer_language(world: Any) -> None:
    hu = world.customer("Kovács Anna", "13712345678", email="anna@example.hu", language="hu")
    zh = world.customer("张三", "13800138000", email="zhang@example.com")
    for c in (hu, zh):
        do_add_record(
            world.agent.user,
            c.pk,
            "subscription",
            {
                "product": "宽带200M",
                "start_date": dt.date(2025, 1, 1),
                "expiry_date": dt.date(2026, 12, 3),
                "monthly_fee": Decimal("99"),
            },
        )
    with translation.override("en"):
        assert proactive.send_fee_reminders(dt.date(2026, 11, 23), 15) == 2
    subjects = dict(OutboxMessage.objects.values_list("customer_id", "subject"))
    assert subjects == {hu.pk: "Előfizetése hamarosan lejár", zh.pk: "您的业务即将到期"}


def test_a_maintenance_notice_is_written_per_customer_language(world: Any) -> None:
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    hu = world.customer("Kovács Anna", "13712345678", address="和平里1号", language="hu")
    zh = world.customer("张三", "13800138000", address="和平里2号")
    with translation.override("en"):  # the announcing supervisor's screen
        proactive.do_announce_maintenance(
            world.agent.user,
            branch_id=world.north.pk,
            area_ids=[world.area_n1.pk],
            title="燃气管道检修",
            description="检修期间停气。",
            starts_at=dt.datetime(2026, 3, 10, 9, 0, tzinfo=sh),
            ends_at=dt.datetime(2026, 3, 10, 15, 0, tzinfo=sh),
            now=dt.datetime(2026, 3, 9, 9, 0, tzinfo=sh),
        )
    subjects = dict(OutboxMessage.objects.values_list("customer_id", "subject"))
    assert subjects == {hu.pk: "Tervezett karbantartás: 燃气管道检修", zh.pk: "计划检修：燃气管道检修"}
