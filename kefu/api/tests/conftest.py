"""API test helpers: a JSON client per persona, authenticated with a real token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kefu.organization.tokens import create_token

BASE = "/api/v1"


class Api:
    """A thin JSON client: ``api.get("/orders", status=...)`` → (status, body, response)."""

    def __init__(self, client: Client, token: str | None = None, lang: str = "en") -> None:
        self.client = client
        self.headers: dict[str, str] = {"Accept-Language": lang}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        hdrs = {**self.headers, **(headers or {})}
        url = BASE + path
        fn = getattr(self.client, method.lower())
        if method.upper() == "GET":
            resp = fn(url, params or {}, headers=hdrs)
        else:
            data = raw if raw is not None else (json.dumps(body) if body is not None else "")
            resp = fn(url, data=data, content_type="application/json", headers=hdrs)
        resp.body = resp.json() if resp.get("Content-Type", "").startswith("application/json") else None
        return resp

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, body, **kw)


def api_for(user: Any) -> Api:
    token, _row = create_token(user, "test")
    return Api(Client(), token)


def persona_apis(world: Any) -> Any:
    """Token clients for every persona of the world, created lazily: ``apis("agent")``."""
    cache: dict[str, Api] = {}

    def get(name: str) -> Api:
        if name not in cache:
            cache[name] = api_for(getattr(world, name).user)
        return cache[name]

    return get


@pytest.fixture
def apis(world):  # type: ignore[no-untyped-def]
    return persona_apis(world)


def assert_error(resp: Any, status: int, code: str | None = None, field: str | None = "*") -> dict[str, Any]:
    """The response is the error JSON with this status (and code/field when given)."""
    assert resp.status_code == status, (resp.status_code, resp.content[:500])
    body = resp.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert {"code", "message", "field"} <= set(err), err
    assert isinstance(err["message"], str) and err["message"]
    if code is not None:
        assert err["code"] == code, err
    if field != "*":
        assert err["field"] == field, err
    return err
