"""WeCom (企业微信) application messages: staff notifications sent to a member's WeCom account.

The outbox picks this transport for channel ``wecom`` when ``KEFU_OUTBOX_WECOM_TRANSPORT=api``. Each message
is a text message of the company's self-built application (``KEFU_WECOM_AGENT_ID``):

    GET  {base}/cgi-bin/gettoken?corpid=…&corpsecret=…          → {"errcode": 0, "access_token", "expires_in"}
    POST {base}/cgi-bin/message/send?access_token=…
         {"touser": <UserID>, "msgtype": "text", "agentid": <id>, "text": {"content": …}}
                                                               → {"errcode": 0, "invaliduser": "", "msgid"}

``base`` is ``KEFU_WECOM_API_BASE`` (else the chat's ``KEFU_CHAT_API_BASE``: https://qyapi.weixin.qq.com),
the company ``KEFU_WECOM_CORP_ID`` (else ``KEFU_CHAT_CORP_ID``), the secret the application's
``KEFU_WECOM_SECRET``. The access token is cached (Django's cache: the database, shared by every process)
until five minutes before it expires.

What an answer means:

- ``errcode`` 0 and no ``invaliduser``: sent.
- 42001 (token expired), 40014 / 41001 (token invalid or missing): the cached token is dropped, a new one is
  fetched and the message is sent once more at once.
- -1 (WeCom busy), 45009 / 45033 (call frequency or concurrency limit), an HTTP error or no answer:
  temporary — the outbox retries with back-off.
- any other ``errcode`` (e.g. 40003 / 81013 unknown user, 60020 server IP not allowed, 40056 bad agent id,
  40001 wrong secret), or the recipient listed in ``invaliduser``: permanent — the message is given up
  (``dead``) with WeCom's code and text as the reason.

Exactly once: the outbox hands each message (its idempotency key) to one worker once; a send interrupted
after WeCom answered is not repeated (``outbox.INTERRUPTED``).
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.cache import cache

from kefu.channels.outbox.errors import PermanentFailure

TIMEOUT_SECONDS = 10
TOKEN_ERRORS = frozenset({42001, 40014, 41001})  # expired, invalid, missing access token
TEMPORARY_ERRORS = frozenset({-1, 45009, 45033})  # busy, call frequency, concurrent calls
MAX_TEXT = 2000  # WeCom's limit for a text message is 2048 bytes; Chinese takes 3 bytes a character


class WecomError(RuntimeError):
    """A temporary failure (the outbox retries)."""


def _base() -> str:
    return str(settings.KEFU_WECOM_API_BASE).rstrip("/")


def _token_key() -> str:
    ident = f"{settings.KEFU_WECOM_CORP_ID}:{settings.KEFU_WECOM_AGENT_ID}:{_base()}"
    return "kefu:wecom:token:" + hashlib.sha256(ident.encode()).hexdigest()[:16]


def _call(
    method: str, path: str, query: dict[str, str], body: dict[str, Any] | None = None
) -> dict[str, Any]:
    url = f"{_base()}{path}?{urllib.parse.urlencode(query)}"
    if not url.startswith(("http://", "https://")):
        raise PermanentFailure(f"KEFU_WECOM_API_BASE must be an http(s) URL, not {_base()!r}")
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=data, method=method, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise WecomError(f"WeCom answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise WecomError(f"WeCom unreachable: {exc}") from exc
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise WecomError("WeCom answered something that is not JSON") from exc
    if not isinstance(answer, dict):
        raise WecomError("WeCom answered something that is not a JSON object")
    return answer


def _code(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


def _refused(what: str, answer: dict[str, Any]) -> RuntimeError:
    code = _code(answer)
    reason = f"WeCom {what}: errcode {code} {answer.get('errmsg', '')}".strip()
    return WecomError(reason) if code in TEMPORARY_ERRORS else PermanentFailure(reason)


def access_token(*, fresh: bool = False) -> str:
    """The application's access token: cached until five minutes before it expires (``fresh``: fetched
    anew, after WeCom said the cached one is no longer valid)."""
    key = _token_key()
    if not fresh:
        token = cache.get(key)
        if token:
            return str(token)
    answer = _call(
        "GET",
        "/cgi-bin/gettoken",
        {"corpid": settings.KEFU_WECOM_CORP_ID, "corpsecret": settings.KEFU_WECOM_SECRET},
    )
    token = answer.get("access_token")
    if _code(answer) != 0 or not token:
        raise _refused("gave no access token", answer)
    try:
        expires_in = int(answer.get("expires_in") or 7200)
    except (TypeError, ValueError):
        expires_in = 7200
    cache.set(key, str(token), max(60, expires_in - 300))
    return str(token)


def send_text(userid: str, text: str) -> dict[str, Any]:
    """Send ``text`` to the WeCom account ``userid``; WeCom's answer. Raises :class:`PermanentFailure` or
    :class:`WecomError` (temporary) as described in the module docstring."""
    if not userid.strip():
        raise PermanentFailure("no WeCom user ID for the recipient")
    body = {
        "touser": userid.strip(),
        "msgtype": "text",
        "agentid": int(settings.KEFU_WECOM_AGENT_ID),
        "text": {"content": text[:MAX_TEXT]},
    }
    answer: dict[str, Any] = {}
    for attempt in range(2):
        token = access_token(fresh=attempt > 0)
        answer = _call("POST", "/cgi-bin/message/send", {"access_token": token}, body)
        if _code(answer) not in TOKEN_ERRORS:
            break
        cache.delete(_token_key())
    if _code(answer) in TOKEN_ERRORS:
        raise WecomError(f"WeCom refused a fresh access token: errcode {_code(answer)}")
    if _code(answer) != 0:
        raise _refused("refused the message", answer)
    invalid = str(answer.get("invaliduser") or "")
    if invalid:
        raise PermanentFailure(f"WeCom does not know the user ID {invalid!r} (invaliduser)")
    return answer


class WecomTransport:
    """The outbox transport of channel ``wecom`` with ``KEFU_OUTBOX_WECOM_TRANSPORT=api``."""

    def send(self, message: Any) -> None:
        send_text(message.recipient, message.body)  # the notification's text, as the SMS (its link absolute)
