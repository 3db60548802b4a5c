"""Every reply reaches the customer, or the agent is told it will not.

The use case decides (``do_reply(channel=…)``): written channels the customer is reachable on, the order's
own channel by default, no default for phone and counter orders, a logged call-back instead of a reply."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.customers.actions import add_contact_point
from kefu.customers.models import Contact
from kefu.lib.errors import ValidationFailed
from kefu.testing.factories import make_portal_customer
from kefu.workorders import actions, rules
from kefu.workorders.models import TimelineEntry, WorkOrder


def refused(fn: Any, *args: Any, **kw: Any) -> tuple[str, str | None]:
    with pytest.raises(ValidationFailed) as exc:
        fn(*args, **kw)
    return exc.value.code, exc.value.field


def nothing_recorded(o: WorkOrder) -> bool:
    return (
        not TimelineEntry.objects.filter(workorder=o, kind__in=["reply", "callback"]).exists()
        and not OutboxMessage.objects.filter(workorder=o).exists()
        and not Contact.objects.filter(workorder=o, direction="out").exists()
        and WorkOrder.objects.get(pk=o.pk).first_response_at is None
    )


# --- the pure rules --------------------------------------------------------------------------------


def test_reachable_channels_and_the_default() -> None:
    R = rules.ReplyChannel
    every = rules.reachable_channels(mobile=True, email=True, wecom=True, portal=True)
    assert every == [R.SMS, R.EMAIL, R.WECOM, R.PORTAL]
    assert rules.reachable_channels(mobile=False, email=True, wecom=False, portal=False) == [R.EMAIL]
    assert rules.default_reply_channel("email", every) is R.EMAIL
    assert rules.default_reply_channel("sms", every) is R.SMS
    assert rules.default_reply_channel("chat", every) is R.WECOM
    assert rules.default_reply_channel("portal", every) is R.PORTAL
    # phone and counter orders have no default, whatever the customer has
    assert rules.default_reply_channel("phone", every) is None
    assert rules.default_reply_channel("counter", every) is None
    # an e-mail order whose customer has no address any more: no default either
    assert rules.default_reply_channel("email", [R.SMS]) is None
    # a portal request of someone without a portal login (anonymous report): the e-mail, else the mobile
    assert rules.default_reply_channel("portal", [R.SMS, R.EMAIL]) is R.EMAIL
    assert rules.default_reply_channel("portal", [R.SMS]) is R.SMS
    assert rules.default_reply_channel("portal", []) is None


def test_recipients_are_masked() -> None:
    assert rules.mask_recipient("+8613812341234") == "138****1234"
    assert rules.mask_recipient("13812341234") == "138****1234"
    assert rules.mask_recipient("zhang.san@example.com") == "z***@example.com"


def test_delivery_reason_is_the_first_line_of_a_failure_only() -> None:
    failed = rules.delivery("failed", 3, "ConnectionRefusedError: [Errno 111] refused\nTraceback ...")
    assert (failed.state, failed.retries, failed.reason) == (
        "failed",
        2,
        "ConnectionRefusedError: [Errno 111] refused",
    )
    assert rules.delivery("sent", 1, "").reason == "" and rules.delivery("sent", 1, "").retries == 0


# --- phone orders: a channel or a call-back, never a silent "sent" ----------------------------------


@pytest.mark.django_db
def test_a_phone_order_reply_needs_a_channel(world: Any) -> None:
    o = world.order(world.customer(email="zhang@example.com"))
    assert (o.channel, actions.reply_channels(o)) == ("phone", ["sms", "email"])
    assert refused(actions.do_reply, world.agent.user, o.pk, "您好，师傅明天上门。") == (
        "channel_required",
        "channel",
    )
    assert refused(actions.do_reply, world.agent.user, o.pk, "您好", channel="fax") == (
        "invalid_choice",
        "channel",
    )
    # no portal login, no WeCom account: not reachable there
    assert refused(actions.do_reply, world.agent.user, o.pk, "您好", channel="portal") == (
        "channel_unreachable",
        "channel",
    )
    assert nothing_recorded(o)


@pytest.mark.django_db
def test_a_counter_order_with_a_landline_only_offers_no_written_channel(world: Any) -> None:
    o = world.order(world.customer(phone="010-65529988"), channel="counter")
    assert actions.reply_channels(o) == []
    assert refused(actions.do_reply, world.agent.user, o.pk, "您好", channel="sms") == (
        "channel_unreachable",
        "channel",
    )
    assert refused(actions.do_reply, world.agent.user, o.pk, "您好", channel="email") == (
        "channel_unreachable",
        "channel",
    )
    assert nothing_recorded(o)


@pytest.mark.django_db
def test_reply_by_sms_is_queued_to_the_mobile(world: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    entry = actions.do_reply(world.agent.user, o.pk, "您好，师傅明天上午上门。", channel="sms")
    row = OutboxMessage.objects.get(workorder=o)
    assert (row.channel, row.recipient, row.idempotency_key, row.status) == (
        "sms",
        "+8613812341234",
        f"reply:{entry.pk}",
        "queued",
    )
    assert entry.data == {"channel": "sms", "to": "138****1234", "outbox": f"reply:{entry.pk}"}
    assert TimelineEntry.objects.get(pk=entry.pk).data == entry.data
    contact = Contact.objects.get(workorder=o, direction="out")
    assert (contact.channel, contact.summary) == ("sms", "您好，师傅明天上午上门。")
    assert WorkOrder.objects.get(pk=o.pk).first_response_at is not None
    assert AuditRecord.objects.filter(action="order.reply").latest("id").after == {
        "body": "您好，师傅明天上午上门。",
        "channel": "sms",
    }
    with translation.override("en"):
        assert actions.reply_message(entry) == "Reply queued for SMS to 138****1234."


@pytest.mark.django_db
def test_reply_by_email_on_a_phone_order_goes_to_the_customers_address(world: Any) -> None:
    o = world.order(world.customer(email="zhang@example.com"))
    entry = actions.do_reply(world.agent.user, o.pk, "您好，附上说明。", channel="email")
    row = OutboxMessage.objects.get(workorder=o)
    assert (row.channel, row.recipient) == ("email", "zhang@example.com")
    with translation.override("en"):
        assert actions.reply_message(entry) == "Reply queued for e-mail to z***@example.com."


# --- call-backs ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_call_back_that_reached_the_customer_is_a_response(world: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    assert refused(actions.do_reply, world.agent.user, o.pk, "约好明天上门", channel="callback") == (
        "required",
        "callback_outcome",
    )
    assert refused(
        actions.do_reply, world.agent.user, o.pk, "", channel="callback", callback_outcome="reached"
    ) == ("required", "body")
    assert nothing_recorded(o)
    entry = actions.do_reply(
        world.agent.user, o.pk, "客户同意明天上午上门。", channel="callback", callback_outcome="reached"
    )
    assert (entry.kind, entry.public, entry.body) == ("callback", False, "客户同意明天上午上门。")
    assert entry.data == {"channel": "callback", "outcome": "reached", "to": "138****1234"}
    o.refresh_from_db()
    assert o.first_response_at == entry.created_at and o.last_reply_by == world.agent
    contact = Contact.objects.get(workorder=o, direction="out")
    assert (contact.channel, contact.details["callback"], contact.summary) == (
        "phone",
        "reached",
        "客户同意明天上午上门。",
    )
    assert AuditRecord.objects.get(action="order.callback").after == {
        "outcome": "reached",
        "note": "客户同意明天上午上门。",
    }
    assert not OutboxMessage.objects.filter(workorder=o).exists()  # nothing was written to the customer
    with translation.override("en"):
        assert actions.reply_message(entry) == "Call-back to 138****1234 logged: reached."


@pytest.mark.django_db
def test_an_unanswered_call_back_is_logged_but_is_no_response(world: Any) -> None:
    o = world.order(world.customer(phone="13812341234"))
    entry = actions.do_reply(world.agent.user, o.pk, "", channel="callback", callback_outcome="no_answer")
    assert (entry.kind, entry.data["outcome"]) == ("callback", "no_answer")
    o.refresh_from_db()
    assert o.first_response_at is None and o.last_reply_at is None
    assert Contact.objects.get(workorder=o, direction="out").details["callback"] == "no_answer"


# --- portal, WeCom ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_portal_reply_is_visible_in_the_portal_and_sends_an_email_notice(world: Any, settings: Any) -> None:
    settings.KEFU_PUBLIC_URL = "https://kefu.example.com"
    c = world.customer("张三", "13800138000", email="zhang@example.com")
    make_portal_customer(world, c, "cust")
    o = world.order(c, channel="portal", title="燃气灶打不着火")
    assert actions.reply_channels(o) == ["sms", "email", "portal"]
    entry = actions.do_reply(world.agent.user, o.pk, "您好，师傅明天上门。")  # the order's own channel
    assert entry.data["channel"] == "portal" and entry.public
    (notice,) = OutboxMessage.objects.filter(workorder=o)
    assert (notice.channel, notice.recipient, notice.idempotency_key) == (
        "email",
        "zhang@example.com",
        f"reply-notice:{entry.pk}",
    )
    assert f"https://kefu.example.com/portal/orders/{o.number}/" in notice.body
    assert "师傅明天上门" not in notice.body  # the reply itself stays in the portal
    client = Client()
    client.force_login(c.user)
    page = client.get(reverse("portal:order_detail", kwargs={"number": o.number})).content.decode()
    assert "您好，师傅明天上门。" in page
    with translation.override("en"):
        assert actions.reply_message(entry) == (
            "Reply visible in the customer's portal; a notice is queued for e-mail to z***@example.com."
        )


@pytest.mark.django_db
def test_a_portal_customer_without_email_gets_no_notice(world: Any) -> None:
    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c, "cust")
    o = world.order(c, channel="portal")
    entry = actions.do_reply(world.agent.user, o.pk, "您好，已处理。", channel="portal")
    assert not OutboxMessage.objects.filter(workorder=o).exists()
    with translation.override("en"):
        assert actions.reply_message(entry) == "Reply visible in the customer's portal."


@pytest.mark.django_db
def test_a_portal_order_reply_uses_the_channel_chosen(world: Any) -> None:
    c = world.customer("张三", "13800138000", email="zhang@example.com")
    make_portal_customer(world, c, "cust")
    o = world.order(c, channel="portal")
    entry = actions.do_reply(world.agent.user, o.pk, "您好，短信通知您。", channel="sms")
    (row,) = OutboxMessage.objects.filter(workorder=o)
    assert (row.channel, row.recipient, row.idempotency_key) == ("sms", "+8613800138000", f"reply:{entry.pk}")


@pytest.mark.django_db
def test_wecom_is_offered_to_customers_with_a_wecom_account_and_sent_by_the_chat_adapter(world: Any) -> None:
    c = world.customer()
    o = world.order(c)
    assert "wecom" not in actions.reply_channels(o)
    add_contact_point(c, "wechat", "wm-external-1")
    assert actions.reply_channels(o) == ["sms", "wecom"]
    # the console and the API hand WeCom replies to channels.chat.send_reply, which calls do_reply after
    # WeCom took the message; anything else asking for WeCom is refused
    assert refused(actions.do_reply, world.agent.user, o.pk, "您好", channel="wecom") == (
        "wecom_via_chat",
        "channel",
    )
    entry = actions.do_reply(world.agent.user, o.pk, "您好", channel="wecom", source="chat")
    assert entry.data == {"channel": "wecom"} and not OutboxMessage.objects.filter(workorder=o).exists()
    assert Contact.objects.get(workorder=o, direction="out").channel == "chat"


# --- anonymous reports ----------------------------------------------------------------------------------


def report(**kw: Any) -> Any:
    data = {"name": "赵六", "phone": "", "email": "", "description": "门口的燃气管漏气", "service": ""}
    data.update(kw)
    return Client().post(reverse("portal:report"), data, REMOTE_ADDR="10.9.0.7")


@pytest.mark.django_db
def test_an_anonymous_report_is_answered_by_the_email_it_gave(world: Any) -> None:
    # the report matches an existing customer by phone whose record has no (or another) e-mail
    c = world.customer("张三", "13800138000", email="old@example.com")
    assert report(phone="13800138000", email="Zhao.New@Example.com").status_code == 302
    o = WorkOrder.objects.get()
    assert (o.customer_id, o.channel, o.reply_phone, o.reply_email) == (
        c.pk,
        "portal",
        "+8613800138000",
        "zhao.new@example.com",
    )
    entry = actions.do_reply(world.agent.user, o.pk, "您好，抢修人员已出发。")  # no portal login: by e-mail
    row = OutboxMessage.objects.get(idempotency_key=f"reply:{entry.pk}")
    assert (row.channel, row.recipient) == ("email", "zhao.new@example.com")


@pytest.mark.django_db
def test_an_anonymous_report_with_a_mobile_only_is_answered_by_sms(world: Any) -> None:
    assert report(phone="13700137000").status_code == 302
    o = WorkOrder.objects.get()
    entry = actions.do_reply(world.agent.user, o.pk, "您好，抢修人员已出发。")
    row = OutboxMessage.objects.get(idempotency_key=f"reply:{entry.pk}")
    assert (row.channel, row.recipient) == ("sms", "+8613700137000")


@pytest.mark.django_db
def test_an_anonymous_report_with_a_landline_is_called_back(world: Any) -> None:
    assert report(phone="010-65529988").status_code == 302
    o = WorkOrder.objects.get()
    assert actions.reply_channels(o) == []
    assert refused(actions.do_reply, world.agent.user, o.pk, "您好") == ("channel_required", "channel")
    entry = actions.do_reply(
        world.agent.user, o.pk, "已电话告知抢修时间。", channel="callback", callback_outcome="reached"
    )
    assert entry.data["to"] == "010****9988"
