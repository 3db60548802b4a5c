"""Chat in the shape of WeCom customer service (微信客服): inbound messages and outbound text replies.

Inbound (``POST /api/v1/chat/inbound``, token auth of the integration that calls WeCom's ``kf/sync_msg``):
a message as in ``sync_msg``'s ``msg_list`` (``msgid``, ``open_kfid``, ``external_userid``, ``send_time``,
``msgtype`` ``text`` with ``text.content``), or the whole ``{"msg_list": [...]}`` result. Each ``msgid`` is
stored once (``GatewayMessage`` kind chat). An ``image``, ``voice``, ``video`` or ``file`` message is
recorded as "(Image)", "(Voice message)", … and its ``media_id`` is fetched through WeCom's ``media/get``
into an attachment of that message (``kefu.media``, docs/media.md); a ``location`` or ``link`` message is
recorded as its text; ``event`` messages (the customer entered the session, …) are answered as skipped. The customer is the one holding ``external_userid`` as a
``wechat`` contact point (else a placeholder customer is created with it); the message goes onto the
customer's open order updated within ``KEFU_CHAT_THREAD_DAYS`` (7) days, else opens a chat order.

Outbound (``send_reply``): WeCom's ``kf/send_msg`` body ``{"touser", "open_kfid", "msgtype": "text",
"text": {"content"}}`` posted to ``{KEFU_CHAT_API_BASE}/cgi-bin/kf/send_msg?access_token=…`` with a token
from ``{KEFU_CHAT_API_BASE}/cgi-bin/gettoken?corpid=…&corpsecret=…`` (cached until shortly before it
expires). WeCom only accepts replies within 48 hours of the customer's last message and at most 5 of them
(``KEFU_CHAT_REPLY_WINDOW_HOURS``, ``KEFU_CHAT_MAX_REPLIES``): outside that window the reply is refused
here with ``reply_window_closed`` before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.channels import endpoints
from kefu.channels.actions import create_channel_customer, thread_or_open
from kefu.channels.models.endpoints import ChannelEndpoint, EndpointKind
from kefu.channels.models.gateways import GatewayKind, GatewayMessage
from kefu.commitments import emergency
from kefu.customers import lookup
from kefu.customers.models import Channel, ContactPoint, Customer
from kefu.lib import clock
from kefu.lib.errors import ValidationFailed
from kefu.media import fetch as media
from kefu.media.models import MediaFetch
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch
from kefu.workorders import actions as wo_actions
from kefu.workorders import hooks
from kefu.workorders.access import access_workorder
from kefu.workorders.models import TimelineEntry

TIMEOUT_SECONDS = 10
TOKEN_CACHE_KEY = "kefu:chat:access_token"  # noqa: S105 (a cache key, not a secret)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


class ChatGatewayError(RuntimeError):
    """The chat API refused the call or could not be reached."""


@dataclass
class ChatMessage:
    msgid: str
    open_kfid: str
    external_userid: str
    send_time: int
    text: str
    msgtype: str = "text"
    media: list[media.MediaRef] = field(default_factory=list)


# what a media message without text says on the timeline
MEDIA_TYPES: dict[str, Any] = {
    "image": gettext_lazy("(Image)"),
    "voice": gettext_lazy("(Voice message)"),
    "video": gettext_lazy("(Video)"),
    "file": gettext_lazy("(File)"),
}


def _sub(item: dict[str, Any], key: str) -> dict[str, Any]:
    raw = item.get(key)
    return raw if isinstance(raw, dict) else {}


def _content(item: dict[str, Any], msgtype: str) -> tuple[str, list[media.MediaRef]]:
    """The text a message is recorded with, and its media."""
    sub = _sub(item, msgtype)
    if msgtype == "text":
        return str(sub.get("content") or ""), []
    if msgtype in MEDIA_TYPES:
        media_id = sub.get("media_id")
        if not isinstance(media_id, str) or not media_id.strip():
            raise ValidationFailed("malformed", _("A media message needs its media_id."))
        name = sub.get("file_name") or sub.get("filename") or ""
        ref = media.MediaRef("wecom", media_id.strip(), msgtype, str(name) if isinstance(name, str) else "")
        return str(MEDIA_TYPES[msgtype]), [ref]
    if msgtype == "location":
        parts = [str(sub.get(k) or "") for k in ("name", "address")]
        where = " ".join(p for p in parts if p) or f"{sub.get('latitude')}, {sub.get('longitude')}"
        return _("(Location) %(where)s") % {"where": where}, []
    if msgtype == "link":
        parts = [str(sub.get(k) or "") for k in ("title", "desc", "url")]
        return _("(Link) %(link)s") % {"link": " ".join(p for p in parts if p)}, []
    return _("(A “%(type)s” message the console cannot show; see it in WeCom.)") % {"type": msgtype[:30]}, []


def parse(data: dict[str, Any]) -> list[ChatMessage]:
    """The messages of a ``sync_msg``-shaped body (one message or ``{"msg_list": [...]}``): every customer
    message (text, media, location, link, other types as a note of their type); ``event`` items (no
    customer message) come back with ``msgtype`` ``event`` and are not stored."""
    items = data.get("msg_list") if isinstance(data.get("msg_list"), list) else [data]
    out = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        msgtype = item.get("msgtype")
        if not isinstance(msgtype, str) or not msgtype.strip() or msgtype == "event":
            # an event (the customer entered the session, …) or no message at all: answered as skipped
            msgid = item.get("msgid")
            out.append(
                ChatMessage(str(msgid)[:200] if isinstance(msgid, str) else "", "", "", 0, "", "event")
            )
            continue
        fields = (item.get("msgid"), item.get("open_kfid"), item.get("external_userid"))
        if not all(isinstance(f, str) and f.strip() for f in fields):
            raise ValidationFailed(
                "malformed", _("A chat message needs msgid, open_kfid and external_userid.")
            )
        try:
            send_time = int(item.get("send_time") or 0)
        except (TypeError, ValueError):
            send_time = 0
        text, refs = _content(item, msgtype)
        out.append(
            ChatMessage(
                msgid=str(item["msgid"]).strip()[:200],
                open_kfid=str(item["open_kfid"]).strip(),
                external_userid=str(item["external_userid"]).strip(),
                send_time=send_time,
                text=text,
                msgtype=msgtype,
                media=refs,
            )
        )
    return out


def _customer(m: ChatMessage, branch: Branch | None) -> Customer:
    found = lookup.customer_for_identity(ContactPoint.Kind.WECHAT, m.external_userid)
    if found is not None:  # the survivor, when the placeholder was merged into the real record
        return Customer.objects.select_for_update().get(pk=found.pk)
    if branch is None:
        raise ValidationFailed("no_branch", _("No branch can receive chat messages."))
    name = _("WeChat user %(id)s") % {"id": m.external_userid[-8:]}
    c = create_channel_customer(name=name, branch=branch, summary=name)
    ContactPoint.objects.create(
        customer=c, kind=ContactPoint.Kind.WECHAT, value=m.external_userid, normalized=m.external_userid
    )
    return c


def ingest(m: ChatMessage) -> tuple[GatewayMessage, bool]:
    """Store one inbound chat message; (row, created). The same msgid again → (first row, False)."""
    existing = GatewayMessage.objects.filter(kind=GatewayKind.CHAT, external_id=m.msgid).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _store(m), True
    except IntegrityError:
        return GatewayMessage.objects.get(kind=GatewayKind.CHAT, external_id=m.msgid), False


def _store(m: ChatMessage) -> GatewayMessage:
    now = clock.now()
    sent = dt.datetime.fromtimestamp(m.send_time, tz=dt.UTC) if m.send_time else now
    text = m.text.strip() or _("(The message has no text.)")
    branch, endpoint = endpoints.route(EndpointKind.CHAT, m.open_kfid, "KEFU_CHAT_BRANCH")
    gm = GatewayMessage.objects.create(
        kind=GatewayKind.CHAT,
        external_id=m.msgid,
        received_at=min(sent, now),
        payload={
            "direction": "in",
            "open_kfid": m.open_kfid,
            "external_userid": m.external_userid,
            "text": text,
            "msgtype": m.msgtype,
        },
        endpoint=endpoint,
    )
    endpoints.note_inbound(endpoint, now)
    customer = _customer(m, branch)
    order, _rule = thread_or_open(
        customer,
        text,
        channel=Channel.CHAT,
        title=_("Chat from %(name)s") % {"name": customer.name},
        window=dt.timedelta(days=endpoints.option(endpoint, "thread_days", "KEFU_CHAT_THREAD_DAYS", 7)),
        refused=_("Nobody in the branch can receive the chat message."),
        now=now,
    )
    gm.customer = customer
    gm.workorder = order
    fields = ["customer", "workorder"]
    if m.media:  # fetched into attachments of the message just recorded (kefu.media)
        entry = order.timeline.filter(kind=TimelineEntry.Kind.CUSTOMER).order_by("-id").first()
        media.queue(order, entry, channel="chat", message_id=m.msgid, refs=m.media)
    answer = emergency_auto_answer(text)
    if answer:
        # the chat auto-answer: returned to the chat gateway at once, before any agent reads it
        gm.payload = {**gm.payload, "auto_answer": answer}
        fields.append("payload")
    gm.save(update_fields=fields)
    return gm


def emergency_auto_answer(text: str) -> str:
    """The automatic answer to a chat message that names an emergency (燃气味, gas leak, …): call the
    24-hour hotline now. Empty when the text is no emergency."""
    if not emergency.keyword_in(text):
        return ""
    number = emergency.hotline()
    if number:
        return _(
            "This sounds like an emergency. Call the 24-hour hotline now: %(number)s. Leave the building and "
            "do not switch anything on or off. Your message is recorded as an emergency."
        ) % {"number": number}
    return _(
        "This sounds like an emergency. Call the 24-hour hotline now. Leave the building and do not switch "
        "anything on or off. Your message is recorded as an emergency."
    )


# --- outbound -------------------------------------------------------------------------------------------


def _http(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        raise ChatGatewayError(f"KEFU_CHAT_API_BASE must be an http(s) URL, not {url!r}")
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    req = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=data, method=method, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310
            answer = json.loads(resp.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ChatGatewayError(f"chat API unreachable or not JSON: {exc}") from exc
    if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
        raise ChatGatewayError(f"chat API error: {answer}")
    return answer


def access_token() -> str:
    token = cache.get(TOKEN_CACHE_KEY)
    if token:
        return str(token)
    base = str(_setting("KEFU_CHAT_API_BASE", "https://qyapi.weixin.qq.com")).rstrip("/")
    query = urllib.parse.urlencode(
        {"corpid": _setting("KEFU_CHAT_CORP_ID", ""), "corpsecret": _setting("KEFU_CHAT_SECRET", "")}
    )
    answer = _http("GET", f"{base}/cgi-bin/gettoken?{query}")
    token = answer.get("access_token")
    if not token:
        raise ChatGatewayError("chat API gave no access token")
    cache.set(TOKEN_CACHE_KEY, token, max(60, int(answer.get("expires_in") or 7200) - 300))
    return str(token)


def reply_window(customer: Customer, now: dt.datetime | None = None) -> tuple[GatewayMessage | None, int]:
    """The customer's last inbound chat message within the reply window and how many replies followed it.
    The window (hours) is the one of the endpoint (WeCom account) the message came in on, else the setting."""
    now = now or clock.now()
    configured = ChannelEndpoint.objects.filter(kind=EndpointKind.CHAT, reply_window_hours__isnull=False)
    hours = [int(h) for h in configured.values_list("reply_window_hours", flat=True) if h is not None]
    longest = max([int(_setting("KEFU_CHAT_REPLY_WINDOW_HOURS", 48)), *hours])
    last_in = (
        GatewayMessage.objects.filter(
            kind=GatewayKind.CHAT,
            customer=customer,
            payload__direction="in",
            received_at__gte=now - dt.timedelta(hours=longest),
        )
        .select_related("endpoint")
        .order_by("-received_at", "-id")
        .first()
    )
    if last_in is None or last_in.received_at < now - dt.timedelta(hours=window_hours(last_in)):
        return None, 0
    replies = GatewayMessage.objects.filter(
        kind=GatewayKind.CHAT,
        customer=customer,
        payload__direction="out",
        received_at__gte=last_in.received_at,
    ).count()
    return last_in, replies


def window_hours(last_in: GatewayMessage | None) -> int:
    return endpoints.option(
        last_in.endpoint if last_in else None, "reply_window_hours", "KEFU_CHAT_REPLY_WINDOW_HOURS", 48
    )


def max_replies(last_in: GatewayMessage | None) -> int:
    return endpoints.option(last_in.endpoint if last_in else None, "max_replies", "KEFU_CHAT_MAX_REPLIES", 5)


def send_reply(user: Actor, key: int | str, text: str, *, override_reason: str = "") -> GatewayMessage:
    """Send an agent's text reply to the chat customer of order ``key`` and put it on the timeline.
    Refused (``reply_window_closed``) outside the reply window; nothing is recorded when the API fails.
    The reply permission and the reply checks (service standards: forbidden phrases, ``override_reason``)
    run here, before sending: ``do_reply`` runs them again only after the message left."""
    staff = require_staff(user, "order.reply")
    o = access_workorder(user, key)
    body = (text or "").strip()
    if not body:
        raise ValidationFailed("required", _("Write the reply first."), "body")
    hooks.run_reply_checks(  # dry run: refuses without recording; do_reply below records
        hooks.ReplyEvent(
            order=o,
            staff=staff,
            user=user,
            text=body,
            channel=o.channel,
            at=clock.now(),
            override_reason=override_reason.strip(),
            source="chat",
            data={"dry_run": True},
        )
    )
    last_in, replies = reply_window(o.customer)
    if last_in is None or replies >= max_replies(last_in):
        raise ValidationFailed(
            "reply_window_closed",
            _(
                "The chat reply window is closed (replies are allowed within %(hours)s hours of the customer's "
                "last message, at most %(max)s). Contact the customer by phone or SMS."
            )
            % {
                "hours": window_hours(last_in),
                "max": max_replies(last_in),
            },
            "body",
        )
    base = str(_setting("KEFU_CHAT_API_BASE", "https://qyapi.weixin.qq.com")).rstrip("/")
    token = access_token()
    answer = _http(
        "POST",
        f"{base}/cgi-bin/kf/send_msg?{urllib.parse.urlencode({'access_token': token})}",
        {
            "touser": last_in.payload["external_userid"],
            "open_kfid": last_in.payload["open_kfid"],
            "msgtype": "text",
            "text": {"content": body},
        },
    )
    msgid = str(answer.get("msgid") or "")
    with transaction.atomic():
        wo_actions.do_reply(user, key, body, channel="wecom", override_reason=override_reason, source="chat")
        return GatewayMessage.objects.create(
            kind=GatewayKind.CHAT,
            external_id=f"out:{msgid or clock.now().timestamp()}",
            customer=o.customer,
            workorder=o,
            received_at=clock.now(),
            payload={"direction": "out", "msgid": msgid, "text": body},
        )


# --- media (kefu.media) -----------------------------------------------------------------------------------


def media_request(media_id: str) -> tuple[str, dict[str, str]]:
    """WeCom's ``cgi-bin/media/get`` for one ``media_id`` (images, voice, video and files of a chat)."""
    base = str(_setting("KEFU_CHAT_API_BASE", "https://qyapi.weixin.qq.com")).rstrip("/")
    query = urllib.parse.urlencode({"access_token": access_token(), "media_id": media_id})
    return f"{base}/cgi-bin/media/get?{query}", {}


def register_media() -> None:
    media.register_fetcher("wecom", media_request)


def message_media(gm: GatewayMessage) -> list[MediaFetch]:
    """The media of an inbound chat message, in their order."""
    return list(MediaFetch.objects.filter(channel="chat", message_id=gm.external_id).order_by("position"))
