"""Token and session authentication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kefu.api.tests.conftest import Api, assert_error
from kefu.lib.errors import ValidationFailed
from kefu.organization.models import ApiToken
from kefu.organization.tokens import create_token, hash_token, revoke_token, user_for_token
from kefu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_create_token_stores_only_the_hash(world):
    token, row = create_token(world.agent.user, "  CRM   sync ")
    assert token.startswith("kefu_") and len(token) > 40
    assert row.name == "CRM sync"
    assert row.prefix == token[:12]
    assert row.key_hash == hash_token(token) and len(row.key_hash) == 64
    assert token not in {row.key_hash, row.prefix}
    assert ApiToken.objects.filter(key_hash=hash_token(token)).count() == 1


def test_create_token_needs_a_name(world):
    with pytest.raises(ValidationFailed) as exc:
        create_token(world.agent.user, "   ")
    assert exc.value.field == "name"


def test_valid_token_authenticates(world):
    token, _row = create_token(world.agent.user, "t")
    r = Api(Client(), token).get("/orders")
    assert r.status_code == 200
    assert r.body["count"] == 0


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer kefu_wrongwrongwrongwrongwrongwrongwrongwrong123",
        "Bearer not-a-kefu-token",
        "Bearer ",
        "Basic YWdlbnQ6cGFzcw==",
    ],
)
def test_missing_or_wrong_token_is_401_json(world, header):
    headers = {"Authorization": header} if header else {}
    r = Client().get("/api/v1/orders", headers=headers)
    err = assert_error(r, 401, "unauthenticated")
    assert err["field"] is None
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_rejected(world):
    token, row = create_token(world.agent.user, "t")
    api = Api(Client(), token)
    assert api.get("/orders").status_code == 200
    revoke_token(row.pk)
    assert_error(api.get("/orders"), 401, "unauthenticated")
    assert user_for_token(token) is None


def test_token_of_inactive_user_is_rejected(world):
    token, _row = create_token(world.agent.user, "t")
    world.agent.user.is_active = False
    world.agent.user.save()
    assert_error(Api(Client(), token).get("/orders"), 401)


def test_wrong_token_is_refused_even_with_a_session(world):
    client = Client()
    assert client.login(username="agent", password=PASSWORD)
    assert client.get("/api/v1/orders").status_code == 200
    r = client.get("/api/v1/orders", headers={"Authorization": "Bearer kefu_nope"})
    assert_error(r, 401, "unauthenticated")


def test_last_used_is_written_at_most_once_a_minute(world):
    token, row = create_token(world.agent.user, "t")
    api = Api(Client(), token)
    api.get("/orders")
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None
    api.get("/orders")
    row.refresh_from_db()
    assert row.last_used_at == first
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    api.get("/orders")
    row.refresh_from_db()
    assert row.last_used_at > first


def test_session_auth_reads_and_needs_csrf_to_write(world):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="agent", password=PASSWORD)
    c = world.customer()
    assert client.get(f"/api/v1/customers/{c.pk}").status_code == 200
    body = '{"body": "来电说明情况"}'
    r = client.post(f"/api/v1/customers/{c.pk}/notes", data=body, content_type="application/json")
    assert_error(r, 403, "csrf")
    # the browser holds the CSRF cookie and sends its value back in X-CSRFToken
    csrf = "k" * 32  # an (unmasked) CSRF secret, as Django accepts from the cookie
    client.cookies["csrftoken"] = csrf
    r = client.post(
        f"/api/v1/customers/{c.pk}/notes",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert r.status_code == 201, r.content
    assert r.json()["body"] == "来电说明情况"


def test_no_session_post_is_401_not_csrf(world):
    r = Client(enforce_csrf_checks=True).post("/api/v1/orders", data="{}", content_type="application/json")
    assert_error(r, 401, "unauthenticated")


def test_error_messages_follow_accept_language(world):
    zh = Client().get("/api/v1/orders", headers={"Accept-Language": "zh-hans"})
    en = Client().get("/api/v1/orders", headers={"Accept-Language": "en"})
    assert_error(zh, 401)
    assert en.json()["error"]["message"].startswith("Authentication required")
    # without a Chinese catalogue compiled the text may be the English source; the code is stable
    assert zh.json()["error"]["code"] == en.json()["error"]["code"] == "unauthenticated"
