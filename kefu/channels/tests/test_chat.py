"""Chat in WeCom customer-service shape: inbound dedup by msgid, outbound send_msg against a fake WeCom
server on loopback (gettoken + kf/send_msg), and the reply window (48 h / 5 replies)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from kefu.api.tests.conftest import api_for
from kefu.channels.chat import wecom as chat
from kefu.channels.models import ChannelEndpoint, EndpointKind, GatewayMessage
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.testing.factories import World
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


class FakeWeCom:
    """Speaks WeCom's HTTP shape: GET /cgi-bin/gettoken, POST /cgi-bin/kf/send_msg?access_token=…"""

    def __init__(self) -> None:
        self.token_calls = 0
        self.sent: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, obj: dict[str, Any]) -> None:
                data = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(url.query)
                if (
                    url.path == "/cgi-bin/gettoken"
                    and q.get("corpid") == ["ww-corp"]
                    and q.get("corpsecret") == ["sec"]
                ):
                    fake.token_calls += 1
                    self._json({"errcode": 0, "errmsg": "ok", "access_token": "TOKEN-1", "expires_in": 7200})
                else:
                    self._json({"errcode": 40013, "errmsg": "invalid corpid"})

            def do_POST(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(url.query)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if url.path != "/cgi-bin/kf/send_msg" or q.get("access_token") != ["TOKEN-1"]:
                    self._json({"errcode": 40014, "errmsg": "invalid access_token"})
                    return
                fake.sent.append(body)
                self._json({"errcode": 0, "errmsg": "ok", "msgid": f"out-{len(fake.sent)}"})

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def wecom(settings: Any) -> Iterator[FakeWeCom]:
    fake = FakeWeCom()
    settings.KEFU_CHAT_API_BASE = fake.base
    settings.KEFU_CHAT_CORP_ID = "ww-corp"
    settings.KEFU_CHAT_SECRET = "sec"
    settings.KEFU_CHAT_REPLY_WINDOW_HOURS = 48
    settings.KEFU_CHAT_MAX_REPLIES = 5
    cache.delete(chat.TOKEN_CACHE_KEY)
    yield fake
    fake.close()
    cache.delete(chat.TOKEN_CACHE_KEY)


def msg(
    msgid: str, text: str = "你好，宽带坏了", user: str = "wmAbCdEf123", send_time: int | None = None
) -> dict[str, Any]:
    return {
        "msgid": msgid,
        "open_kfid": "wkKF001",
        "external_userid": user,
        "send_time": send_time if send_time is not None else int(time.time()),
        "origin": 3,
        "msgtype": "text",
        "text": {"content": text},
    }


def test_inbound_sync_msg_list_stored_once_per_msgid(world: World) -> None:
    api = api_for(world.agent.user)
    r = api.post(
        "/chat/inbound", {"errcode": 0, "next_cursor": "x", "msg_list": [msg("m1"), msg("m2", "在吗？")]}
    )
    assert r.status_code == 200, r.body
    first, second = r.body["results"]
    assert first["created"] and second["created"]
    assert first["order"] == second["order"]  # the second threads onto the order the first opened
    o = WorkOrder.objects.get(number=first["order"])
    assert o.channel == "chat"
    assert list(
        TimelineEntry.objects.filter(workorder=o, kind="customer")
        .values_list("body", flat=True)
        .order_by("id")
    ) == [
        "你好，宽带坏了",
        "在吗？",
    ]
    again = api.post("/chat/inbound", msg("m1"))
    assert again.body["results"][0]["created"] is False
    assert GatewayMessage.objects.filter(kind="chat").count() == 2
    assert o.customer.contact_points.filter(kind="wechat", normalized="wmAbCdEf123").exists()


def test_reply_goes_out_in_send_msg_shape_and_on_the_timeline(world: World, wecom: FakeWeCom) -> None:
    r = api_for(world.agent.user).post("/chat/inbound", msg("m3"))
    o = WorkOrder.objects.get(number=r.body["results"][0]["order"])
    chat.send_reply(world.agent.user, o.number, "您好，我们已安排师傅上门。")
    chat.send_reply(world.agent.user, o.number, "预计下午两点到。")
    assert wecom.sent[0] == {
        "touser": "wmAbCdEf123",
        "open_kfid": "wkKF001",
        "msgtype": "text",
        "text": {"content": "您好，我们已安排师傅上门。"},
    }
    assert wecom.token_calls == 1  # cached
    assert TimelineEntry.objects.filter(workorder=o, kind="reply").count() == 2


def test_reply_window_refused_after_48_hours_and_after_5_replies(world: World, wecom: FakeWeCom) -> None:
    old = int((timezone.now() - dt.timedelta(hours=49)).timestamp())
    r = api_for(world.agent.user).post("/chat/inbound", msg("m4", send_time=old))
    o = WorkOrder.objects.get(number=r.body["results"][0]["order"])
    with pytest.raises(ValidationFailed) as exc:
        chat.send_reply(world.agent.user, o.number, "抱歉回复晚了")
    assert exc.value.code == "reply_window_closed"
    assert wecom.sent == []
    api_for(world.agent.user).post("/chat/inbound", msg("m5", "还在吗"))
    for i in range(5):
        chat.send_reply(world.agent.user, o.number, f"回复{i}")
    with pytest.raises(ValidationFailed) as exc:
        chat.send_reply(world.agent.user, o.number, "第六条")
    assert exc.value.code == "reply_window_closed"
    assert len(wecom.sent) == 5


def test_reply_needs_the_reply_permission_before_anything_is_sent(world: World, wecom: FakeWeCom) -> None:
    r = api_for(world.agent.user).post("/chat/inbound", msg("m7"))
    o = WorkOrder.objects.get(number=r.body["results"][0]["order"])
    # the inspector sees every order but may only write internal notes
    with pytest.raises(PermissionDenied):
        chat.send_reply(world.inspector.user, o.number, "您好")
    assert wecom.sent == []
    assert not GatewayMessage.objects.filter(kind="chat", payload__direction="out").exists()


def test_gateway_error_records_nothing(world: World, wecom: FakeWeCom, settings: Any) -> None:
    settings.KEFU_CHAT_SECRET = "wrong"
    r = api_for(world.agent.user).post("/chat/inbound", msg("m6"))
    o = WorkOrder.objects.get(number=r.body["results"][0]["order"])
    with pytest.raises(chat.ChatGatewayError):
        chat.send_reply(world.agent.user, o.number, "您好")
    assert not TimelineEntry.objects.filter(workorder=o, kind="reply").exists()


def test_reply_api_window_refusal_and_gateway_error(world: World, wecom: FakeWeCom, settings: Any) -> None:
    api = api_for(world.agent.user)
    r = api.post("/chat/inbound", msg("m7"))
    number = r.body["results"][0]["order"]
    ok = api.post(f"/orders/{number}/chat-replies", {"body": "您好，已收到。"})
    assert ok.status_code == 201 and ok.body["msgid"] == "out-1"
    settings.KEFU_CHAT_MAX_REPLIES = 1
    refused = api.post(f"/orders/{number}/chat-replies", {"body": "再说一句"})
    assert refused.status_code == 400 and refused.body["error"]["code"] == "reply_window_closed"
    settings.KEFU_CHAT_MAX_REPLIES = 5
    cache.delete(chat.TOKEN_CACHE_KEY)
    settings.KEFU_CHAT_SECRET = "wrong"
    failed = api.post(f"/orders/{number}/chat-replies", {"body": "再说一句"})
    assert failed.status_code == 502 and failed.body["error"]["code"] == "chat_gateway"
    assert "errcode" not in failed.body["error"]["message"]  # the gateway's raw answer stays in the log
    assert len(wecom.sent) == 1


def test_chat_account_routes_to_its_branch_with_its_own_reply_window(world: World, wecom: FakeWeCom) -> None:
    ep = ChannelEndpoint.objects.create(
        branch=world.south, kind=EndpointKind.CHAT, identifier="wkKF002", reply_window_hours=72, max_replies=2
    )
    old = int(
        (timezone.now() - dt.timedelta(hours=60)).timestamp()
    )  # outside 48 h, inside this account's 72 h
    m = {**msg("m20", user="wmSouth01", send_time=old), "open_kfid": "wkKF002"}
    r = api_for(world.agent.user).post("/chat/inbound", m)
    o = WorkOrder.objects.get(number=r.body["results"][0]["order"])
    assert o.branch == world.south and o.customer.branch == world.south
    assert GatewayMessage.objects.get(external_id="m20").endpoint == ep
    chat.send_reply(world.agent_south.user, o.number, "您好，已收到。")
    chat.send_reply(world.agent_south.user, o.number, "师傅明天上门。")
    with pytest.raises(ValidationFailed) as exc:  # this account allows 2 replies per customer message
        chat.send_reply(world.agent_south.user, o.number, "第三条")
    assert exc.value.code == "reply_window_closed" and "72" in str(exc.value.message)
    assert len(wecom.sent) == 2


def test_console_reply_box_sends_chat_orders_by_chat(world: World, wecom: FakeWeCom) -> None:
    from django.test import Client

    r = api_for(world.agent.user).post("/chat/inbound", msg("m30", "燃气灶打不着火"))
    o = WorkOrder.objects.get(number=r.body["results"][0]["order"])
    c = Client()
    c.force_login(world.agent.user)
    c.cookies["django_language"] = "en"
    page = c.get(f"/orders/{o.number}/").content.decode()
    assert 'data-testid="chat-window" data-open="yes"' in page and "5 more replies" in page
    resp = c.post(f"/orders/{o.number}/reply/", {"body": "您好，师傅下午上门检查。", "version": o.version})
    assert resp.status_code == 302, resp.content.decode()[:500]
    assert wecom.sent == [
        {
            "touser": "wmAbCdEf123",
            "open_kfid": "wkKF001",
            "msgtype": "text",
            "text": {"content": "您好，师傅下午上门检查。"},
        }
    ]
    assert (
        TimelineEntry.objects.filter(workorder=o, kind="reply", body="您好，师傅下午上门检查。").count() == 1
    )
    # the chat API refuses: the agent sees why, nothing is recorded
    wecom.close()
    cache.delete(chat.TOKEN_CACHE_KEY)
    o.refresh_from_db()
    resp = c.post(f"/orders/{o.number}/reply/", {"body": "您好，还有问题吗？", "version": o.version})
    assert resp.status_code == 400 and "nothing was sent" in resp.content.decode()
    assert TimelineEntry.objects.filter(workorder=o, kind="reply").count() == 1
    # an order of another channel is not affected
    other = world.order(world.customer())
    page = c.get(f"/orders/{other.number}/").content.decode()
    assert 'data-testid="chat-window"' not in page
