"""Staff notifications by WeCom (企业微信): the preference, the outbox channel ``wecom`` and the application
message (gettoken, message/send) against a real HTTP server on loopback (kefu.testing.wecom_server)."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from kefu.channels import outbox
from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.commitments import clocks
from kefu.lib import clock
from kefu.notifications.models import Notification, NotificationPreference
from kefu.testing.wecom_server import WecomServer
from kefu.workorders import actions
from kefu.workorders.hooks import StaffEventKind as K

pytestmark = pytest.mark.django_db

CORP, SECRET, AGENT = "ww0123456789abcdef", "app-secret-for-tests", 1000002


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()


@pytest.fixture
def wecom(settings: Any) -> Iterator[WecomServer]:
    with WecomServer(CORP, SECRET, AGENT, users={"zhaoli"}) as server:
        settings.KEFU_OUTBOX_WECOM_TRANSPORT = "api"
        settings.KEFU_WECOM_API_BASE = server.url
        settings.KEFU_WECOM_CORP_ID = CORP
        settings.KEFU_WECOM_AGENT_ID = str(AGENT)
        settings.KEFU_WECOM_SECRET = SECRET
        settings.KEFU_PUBLIC_URL = "https://kefu.example.cn"
        yield server


def _wecom_user(staff: Any, userid: str = "zhaoli") -> None:
    staff.wecom_userid = userid
    staff.save(update_fields=["wecom_userid"])
    NotificationPreference.objects.create(staff=staff, kind=K.ASSIGNED, wecom=True)


def _transfer(world: Any, to: Any, reason: str = "请赵客服跟进") -> Any:
    o = world.order(world.customer())
    actions.do_transfer(world.agent.user, o.pk, to_staff_id=to.pk, reason=reason)
    return o


def test_the_wecom_preference_sends_one_application_message_through_the_outbox(
    world: Any, wecom: WecomServer
) -> None:
    b = world.agent_senior
    _wecom_user(b)
    o = _transfer(world, b)
    m = OutboxMessage.objects.get()
    n = Notification.objects.get(recipient=b)
    assert (m.channel, m.recipient, m.idempotency_key) == ("wecom", "zhaoli", f"notify:{n.pk}:1:wecom")
    assert not wecom.state.messages  # nothing leaves inside the request
    assert outbox.send_due() == 1
    assert outbox.send_due() == 0  # the worker again: nothing left to send
    [sent] = wecom.state.messages
    assert sent["touser"] == "zhaoli" and sent["agentid"] == AGENT and sent["msgtype"] == "text"
    text = sent["text"]["content"]
    assert "请赵客服跟进" in text and f"https://kefu.example.cn/orders/{o.number}/" in text
    m.refresh_from_db()
    assert (m.status, m.attempts, m.last_error) == (OutboxStatus.SENT, 1, "")
    # a second notification uses the cached access token
    _transfer(world, b, "再派")
    assert outbox.send_due() == 1
    assert len(wecom.state.messages) == 2 and len(wecom.state.tokens) == 1


def test_without_a_wecom_user_id_nothing_is_queued(world: Any, wecom: WecomServer) -> None:
    b = world.agent_senior
    _wecom_user(b, "")
    _transfer(world, b)
    assert not OutboxMessage.objects.filter(channel="wecom").exists()


def test_an_expired_token_is_fetched_again_and_the_message_sent_once(world: Any, wecom: WecomServer) -> None:
    b = world.agent_senior
    _wecom_user(b)
    _transfer(world, b)
    assert outbox.send_due() == 1
    wecom.state.expire_tokens()  # two hours later: WeCom answers 42001 to the cached token
    _transfer(world, b, "再派")
    assert outbox.send_due() == 1
    assert len(wecom.state.tokens) == 2 and wecom.state.sends == 3  # refused once, then sent
    assert [m["text"]["content"].count("再派") for m in wecom.state.messages] == [0, 1]
    m = OutboxMessage.objects.order_by("id").last()
    assert m is not None and (m.status, m.attempts) == (OutboxStatus.SENT, 1)


def test_wecom_busy_is_retried_later_and_sent_exactly_once(world: Any, wecom: WecomServer) -> None:
    b = world.agent_senior
    _wecom_user(b)
    _transfer(world, b)
    wecom.state.busy_next = 1
    assert outbox.send_due() == 0
    m = OutboxMessage.objects.get()
    assert m.status == OutboxStatus.FAILED and "errcode -1" in m.last_error
    assert m.next_attempt_at > clock.now()  # back-off
    assert outbox.send_due() == 0 and not wecom.state.messages  # not due yet
    OutboxMessage.objects.filter(pk=m.pk).update(next_attempt_at=clock.now() - dt.timedelta(seconds=1))
    assert outbox.send_due() == 1
    assert len(wecom.state.messages) == 1
    m.refresh_from_db()
    assert (m.status, m.attempts) == (OutboxStatus.SENT, 2)


def test_an_unknown_user_is_given_up_at_once_with_wecoms_reason(world: Any, wecom: WecomServer) -> None:
    b = world.agent_senior
    _wecom_user(b, "nobody")
    _transfer(world, b)
    assert outbox.send_due() == 0
    m = OutboxMessage.objects.get()
    assert (m.status, m.attempts) == (OutboxStatus.DEAD, 1)
    assert m.last_error.startswith("permanent: WeCom refused the message: errcode 81013")
    assert wecom.state.sends == 1 and not wecom.state.messages


def test_a_wrong_secret_is_permanent_and_wecom_unreachable_is_temporary(
    world: Any, wecom: WecomServer, settings: Any
) -> None:
    b = world.agent_senior
    _wecom_user(b)
    _transfer(world, b)
    settings.KEFU_WECOM_SECRET = "wrong"
    assert outbox.send_due() == 0
    m = OutboxMessage.objects.get()
    assert m.status == OutboxStatus.DEAD and "errcode 40001" in m.last_error
    # nothing listens on the port: temporary, retried with back-off
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings.KEFU_WECOM_SECRET, settings.KEFU_WECOM_API_BASE = SECRET, f"http://127.0.0.1:{closed}"
    _transfer(world, b, "再派")
    assert outbox.send_due() == 0
    m2 = OutboxMessage.objects.exclude(pk=m.pk).get()
    assert m2.status == OutboxStatus.FAILED and "WeCom unreachable" in m2.last_error
