"""A minimal OpenID Connect provider on loopback for the sign-in tests: discovery, authorize (approves at
once, as the person configured in ``Provider.person``), token (client secret, code and PKCE verifier
checked), JWKS and userinfo; ID tokens signed RS256 with a key made for the run (PyJWT + cryptography)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "kefu-console"
CLIENT_SECRET = "oidc-client-secret"


@dataclass
class Provider:
    issuer: str
    person: dict[str, Any]  # the claims of whoever "signs in" (sub, preferred_username, groups, …)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    audience: str = CLIENT_ID


def _handler(provider: Provider, key: Any, kid: str) -> type[BaseHTTPRequestHandler]:
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(
                    200,
                    {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.issuer}/authorize",
                        "token_endpoint": f"{provider.issuer}/token",
                        "userinfo_endpoint": f"{provider.issuer}/userinfo",
                        "jwks_uri": f"{provider.issuer}/jwks",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                    },
                )
            elif url.path == "/jwks":
                self._json(200, {"keys": [public_jwk]})
            elif url.path == "/authorize":
                if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                    self._json(400, {"error": "invalid_request"})
                    return
                code = secrets.token_urlsafe(16)
                provider.codes[code] = {**query, "person": dict(provider.person)}
                target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
            elif url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if token not in provider.tokens:
                    self._json(401, {"error": "invalid_token"})
                    return
                self._json(200, provider.tokens[token])
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            if urlparse(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            provider.token_requests.append(form)
            grant = provider.codes.pop(form.get("code", ""), None)
            if (
                grant is None
                or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
            ):
                self._json(400, {"error": "invalid_grant"})
                return
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if challenge != grant.get("code_challenge") or form.get("redirect_uri") != grant["redirect_uri"]:
                self._json(400, {"error": "invalid_grant"})
                return
            person = grant["person"]
            now = int(time.time())
            id_token = jwt.encode(
                {
                    "iss": provider.issuer,
                    "aud": provider.audience,
                    "sub": person["sub"],
                    "iat": now,
                    "exp": now + 300,
                    "nonce": grant.get("nonce"),
                },
                key,
                algorithm="RS256",
                headers={"kid": kid},
            )
            access_token = secrets.token_urlsafe(24)
            provider.tokens[access_token] = person
            self._json(200, {"access_token": access_token, "token_type": "Bearer", "id_token": id_token})

    return Handler


def configure(settings: Any, provider: Provider, name: str) -> None:
    """Point Kefu's KEFU_OIDC_* settings (pytest-django's ``settings``) at the provider."""
    from kefu.sso import oidc

    settings.KEFU_OIDC_ISSUER = provider.issuer
    settings.KEFU_OIDC_CLIENT_ID = CLIENT_ID
    settings.KEFU_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.KEFU_OIDC_NAME = name
    settings.AUTHENTICATION_BACKENDS = [
        "kefu.sso.oidc.OidcBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    oidc.forget_discovery()


@contextmanager
def running(person: dict[str, Any]) -> Iterator[Provider]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    provider = Provider(issuer=f"http://127.0.0.1:{server.server_address[1]}", person=person)
    server.RequestHandlerClass = _handler(provider, key, kid=secrets.token_hex(4))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
