"""A small WeCom (企业微信) API server on loopback for tests: ``/cgi-bin/gettoken`` and
``/cgi-bin/message/send`` answering as WeCom does (JSON with ``errcode``/``errmsg``), over real HTTP.

Scriptable: ``users`` (the UserIDs it knows), ``expire_tokens()`` (every issued token answers 42001 from now
on, as after two hours), ``busy_next`` (that many next sends answer -1, "system busy"). It records every
token issued and every message accepted."""

from __future__ import annotations

import json
import secrets
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class WecomState:
    corp_id: str
    secret: str
    agent_id: int
    users: set[str] = field(default_factory=set)
    tokens: list[str] = field(default_factory=list)  # issued, in order
    expired: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)  # accepted message/send bodies
    sends: int = 0  # message/send calls, accepted or not
    busy_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_tokens(self) -> None:
        with self.lock:
            self.expired |= set(self.tokens)


class WecomServer:
    def __init__(self, corp_id: str, secret: str, agent_id: int, users: set[str]) -> None:
        self.state = WecomState(corp_id, secret, agent_id, set(users))
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return None

            def _answer(self, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                if url.path != "/cgi-bin/gettoken":
                    self.send_error(404)
                    return
                if q.get("corpid") != state.corp_id:
                    self._answer({"errcode": 40013, "errmsg": "invalid corpid"})
                    return
                if q.get("corpsecret") != state.secret:
                    self._answer({"errcode": 40001, "errmsg": "invalid credential"})
                    return
                token = secrets.token_hex(16)
                with state.lock:
                    state.tokens.append(token)
                self._answer({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

            def do_POST(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if url.path != "/cgi-bin/message/send":
                    self.send_error(404)
                    return
                token = q.get("access_token", "")
                with state.lock:
                    state.sends += 1
                    if not token:
                        answer = {"errcode": 41001, "errmsg": "access_token missing"}
                    elif token in state.expired:
                        answer = {"errcode": 42001, "errmsg": "access_token expired"}
                    elif token not in state.tokens:
                        answer = {"errcode": 40014, "errmsg": "invalid access_token"}
                    elif state.busy_next > 0:
                        state.busy_next -= 1
                        answer = {"errcode": -1, "errmsg": "system busy"}
                    elif body.get("agentid") != state.agent_id:
                        answer = {"errcode": 40056, "errmsg": "invalid agentid"}
                    elif body.get("touser") not in state.users:
                        answer = {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
                    else:
                        state.messages.append(body)
                        answer = {
                            "errcode": 0,
                            "errmsg": "ok",
                            "invaliduser": "",
                            "msgid": f"m{len(state.messages)}",
                        }
                self._answer(answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="wecom-test-server", daemon=True)

    def __enter__(self) -> WecomServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
