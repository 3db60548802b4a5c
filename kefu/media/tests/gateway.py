"""A media gateway on loopback for the tests: WeCom's gettoken and media/get, and an SMS gateway's signed
media URL, serving real bytes (a PNG, an AMR voice message, a Windows program, …)."""

from __future__ import annotations

import json
import struct
import threading
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kefu.channels.outbox import sms


def png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


AMR = b"#!AMR\n" + bytes(range(256)) * 4
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


class MediaGateway:
    """``media`` maps a media id to (status, bytes, content type); ``failures`` makes an id fail with 500
    that many times first. ``requests`` records (path, query, headers) of every media request."""

    def __init__(self, sms_secret: str = "") -> None:
        self.media: dict[str, tuple[int, bytes, str]] = {}
        self.failures: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _serve(self, media_id: str) -> None:
                if fake.failures.get(media_id, 0) > 0:
                    fake.failures[media_id] -= 1
                    self._send(500, b"busy", "text/plain")
                    return
                status, body, ctype = fake.media.get(media_id, (404, b"no such media", "text/plain"))
                self._send(status, body, ctype)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(url.query)
                fake.requests.append((url.path, q, dict(self.headers.items())))
                if url.path == "/cgi-bin/gettoken":
                    body = {"errcode": 0, "errmsg": "ok", "access_token": "TOKEN-M", "expires_in": 7200}
                    self._send(200, json.dumps(body).encode(), "application/json")
                elif url.path == "/cgi-bin/media/get":
                    if q.get("access_token") != ["TOKEN-M"]:
                        err = {"errcode": 40014, "errmsg": "invalid access_token"}
                        self._send(200, json.dumps(err).encode(), "application/json")
                        return
                    self._serve(q.get("media_id", [""])[0])
                elif url.path.startswith("/mms/"):
                    media_id = urllib.parse.unquote(url.path[len("/mms/") :])
                    ok = sms.verify(
                        sms_secret,
                        media_id.encode(),
                        self.headers.get(sms.SIGNATURE_HEADER),
                        self.headers.get(sms.TIMESTAMP_HEADER),
                    )
                    if not ok:
                        self._send(403, b"bad signature", "text/plain")
                        return
                    self._serve(media_id)
                else:
                    self._send(404, b"", "text/plain")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
