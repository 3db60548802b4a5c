"""Staff sign in with OpenID Connect against a real (minimal) provider on loopback (oidc_provider.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth import get_user_model

from kefu.audit.models import AuditRecord
from kefu.organization.models import Staff
from kefu.sso import oidc
from kefu.sso.models import ExternalAccount, GroupMapping
from kefu.sso.tests import oidc_provider
from kefu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

PERSON = {
    "sub": "wecom:ZhaoLei",
    "preferred_username": "zhao.lei",
    "name": "赵磊",
    "email": "zhao.lei@kefu.test",
    "groups": ["客服中心/城北", "kefu-supervisors"],
}


@pytest.fixture
def provider(settings) -> Iterator[oidc_provider.Provider]:  # type: ignore[no-untyped-def]
    with oidc_provider.running(dict(PERSON)) as p:
        oidc_provider.configure(settings, p, "WeCom")
        yield p
        oidc.forget_discovery()


@pytest.fixture
def mappings(world):  # type: ignore[no-untyped-def]
    GroupMapping.objects.create(source="oidc", group="kefu-supervisors", role="supervisor")
    GroupMapping.objects.create(source="oidc", group="客服中心/城北", branch=world.south)
    return world


def sign_in(client, next_url: str = ""):  # type: ignore[no-untyped-def]
    """The browser's round trip: Kefu → the provider (approves) → Kefu's callback."""
    start = client.get("/sso/oidc/start/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.content[:500]
    to_provider = start["Location"]
    query = parse_qs(urlparse(to_provider).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"]
    approved = requests.get(to_provider, allow_redirects=False, timeout=10)
    assert approved.status_code == 302, approved.text
    back = urlparse(approved.headers["Location"])
    assert back.path == "/sso/oidc/callback/"
    return client.get(f"{back.path}?{back.query}", headers={"accept-language": "en"})


def test_the_login_page_offers_the_provider(client, provider):
    page = client.get("/login/?next=/orders/", headers={"accept-language": "en"}).content.decode()
    assert 'id="login-sso"' in page and "Sign in with WeCom" in page
    assert 'href="/sso/oidc/start/?next=/orders/"' in page


def test_the_login_page_has_no_button_without_a_provider(client, db):
    assert 'id="login-sso"' not in client.get("/login/").content.decode()


def test_first_sign_in_creates_the_staff_member_with_the_mapped_role_and_branch(client, provider, mappings):
    response = sign_in(client, next_url="/orders/")
    assert response.status_code == 302 and response["Location"] == "/orders/"
    staff = Staff.objects.select_related("user").get(user__username="zhao.lei")
    assert (staff.role, staff.branch, staff.name) == ("supervisor", mappings.south, "赵磊")
    assert staff.user.email == "zhao.lei@kefu.test" and not staff.user.has_usable_password()
    account = ExternalAccount.objects.get(user=staff.user)
    assert (account.source, account.subject) == ("oidc", "wecom:ZhaoLei")
    assert (AuditRecord.objects.get(action="sso.staff_created").after or {})["role"] == "supervisor"
    assert client.get("/orders/").status_code == 200
    # the token request carried the PKCE verifier and the client's secret
    assert provider.token_requests[-1]["code_verifier"]
    # a later sign-in with other groups: role and branch follow
    provider.person["groups"] = ["kefu-supervisors"]
    GroupMapping.objects.create(source="oidc", group="kefu-supervisors-hq", company_level=True)
    provider.person["groups"] = ["kefu-supervisors", "kefu-supervisors-hq"]
    client.post("/logout/")
    assert sign_in(client).status_code == 302
    staff.refresh_from_db()
    assert (staff.role, staff.branch_id) == ("supervisor", None)


def test_a_person_in_no_mapped_group_is_refused_with_the_reason(client, provider, mappings):
    provider.person["groups"] = ["finance"]
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/login/"
    page = client.get("/login/", headers={"accept-language": "en"}).content.decode()
    assert "None of your directory groups gives a role in Kefu." in page
    assert not get_user_model().objects.filter(username="zhao.lei").exists()
    assert (AuditRecord.objects.get(action="sso.refused").after or {})["reason"] == "no_role"


def test_an_id_token_for_another_client_is_refused(client, provider, mappings):
    provider.audience = "someone-else"
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not get_user_model().objects.filter(username="zhao.lei").exists()
    refused = AuditRecord.objects.get(action="sso.refused")
    assert (
        refused.after == {"source": "oidc", "reason": "provider_error"}
        and "another client" in refused.summary
    )


def test_password_logins_do_not_ask_the_provider(client, provider, mappings):
    # a local login with the OIDC backend listed: no network call to a provider that is not needed
    oidc.forget_discovery()
    assert (
        client.post("/login/", {"username": mappings.agent.user.username, "password": PASSWORD}).status_code
        == 302
    )
    assert oidc._discovery == {}
