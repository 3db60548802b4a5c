"""Staff sign in with their directory password against a real OpenLDAP server on loopback (openldap.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.organization.models import Staff
from kefu.organization.tokens import create_token
from kefu.sso.models import ExternalAccount, GroupMapping
from kefu.sso.tests import openldap
from kefu.testing.factories import PASSWORD, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not openldap.available(), reason="slapd not installed (scripts/system-deps)"),
]


@pytest.fixture(scope="module")
def directory() -> Iterator[openldap.Directory]:
    with openldap.running() as d:
        yield d


@pytest.fixture
def ldap_on(settings, directory):  # type: ignore[no-untyped-def]
    openldap.configure(settings, directory)
    return directory


@pytest.fixture
def mappings(world):  # type: ignore[no-untyped-def]
    GroupMapping.objects.create(
        source="ldap", group=openldap.group_dn("kefu-supervisors"), role="supervisor", position=10
    )
    GroupMapping.objects.create(
        source="ldap", group=openldap.group_dn("kefu-agents"), role="agent", position=20
    )
    # written as an operator might: other case, blanks after the commas
    GroupMapping.objects.create(
        source="ldap", group="CN=branch-hz, OU=groups, DC=kefu, DC=test", branch=world.north
    )
    GroupMapping.objects.create(source="ldap", group=openldap.group_dn("company-hq"), company_level=True)
    return world


def login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/login/", {"username": username, "password": password}, headers={"accept-language": "en"}
    )


def test_a_directory_user_gets_the_mapped_role_and_branch_on_first_login(client, ldap_on, mappings):
    assert not get_user_model().objects.filter(username="zhang.wei").exists()
    response = login(client, "zhang.wei", openldap.PASSWORDS["zhang.wei"])
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/"
    staff = Staff.objects.select_related("user", "branch").get(user__username="zhang.wei")
    assert (staff.role, staff.branch, staff.name, staff.badge_no) == (
        "agent",
        mappings.north,
        "张伟",
        "HZ-2041",
    )
    assert staff.is_active and staff.user.email == "zhang.wei@kefu.test"
    assert not staff.user.has_usable_password()  # the password stays in the directory
    assert not staff.user.is_superuser
    account = ExternalAccount.objects.get(user=staff.user)
    assert (account.source, account.subject) == ("ldap", "zhang.wei")
    assert openldap.group_dn("kefu-agents") in account.groups
    created = AuditRecord.objects.get(action="sso.staff_created")
    assert created.actor == staff.user and (created.after or {})["role"] == "agent"
    assert (created.after or {})["branch_id"] == mappings.north.pk
    assert client.get("/orders/").status_code == 200  # the console, as that agent
    # the second login changes nothing, and logs no change
    client.post("/logout/")
    assert login(client, "zhang.wei", openldap.PASSWORDS["zhang.wei"]).status_code == 302
    assert Staff.objects.filter(user__username="zhang.wei").count() == 1
    assert not AuditRecord.objects.filter(action="sso.staff_synced").exists()


def test_groups_are_read_again_on_every_login(client, ldap_on, mappings):
    assert login(client, "li.na", openldap.PASSWORDS["li.na"]).status_code == 302
    staff = Staff.objects.get(user__username="li.na")
    assert (staff.role, staff.branch_id) == ("supervisor", None)  # company level
    token, _row = create_token(staff.user, "reports sync")  # programs use tokens, also for directory logins
    api = Client()
    assert api.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    # moved: no longer a supervisor, now an agent of the Hangzhou branch
    ldap_on.remove_member("kefu-supervisors", "li.na")
    ldap_on.add_member("kefu-agents", "li.na")
    ldap_on.add_member("branch-hz", "li.na")
    try:
        client.post("/logout/")
        assert login(client, "li.na", openldap.PASSWORDS["li.na"]).status_code == 302
        staff.refresh_from_db()
        assert (staff.role, staff.branch_id) == ("agent", mappings.north.pk)
        other_browser = Client()
        assert login(other_browser, "li.na", openldap.PASSWORDS["li.na"]).status_code == 302
        assert other_browser.get("/orders/").status_code == 200
        synced = AuditRecord.objects.get(action="sso.staff_synced")
        assert synced.before == {"role": "supervisor", "branch_id": None}
        assert (synced.after or {})["role"] == "agent" and (synced.after or {})[
            "branch_id"
        ] == mappings.north.pk

        # left every Kefu group: suspended, and told why
        ldap_on.remove_member("kefu-agents", "li.na")
        client.post("/logout/")
        response = login(client, "li.na", openldap.PASSWORDS["li.na"])
        assert response.status_code == 200
        assert "None of your directory groups gives a role in Kefu." in response.content.decode()
        staff.refresh_from_db()
        assert not staff.is_active and not staff.user.is_active
        assert other_browser.get("/orders/").status_code == 302  # the session still open elsewhere ends
        assert api.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert AuditRecord.objects.filter(action="sso.suspended", object_id=str(staff.pk)).count() == 1

        # back in a group: back in Kefu
        ldap_on.add_member("kefu-agents", "li.na")
        assert login(client, "li.na", openldap.PASSWORDS["li.na"]).status_code == 302
        staff.refresh_from_db()
        assert staff.is_active and staff.user.is_active and staff.role == "agent"
    finally:
        for group in ("kefu-agents", "branch-hz"):
            with contextlib.suppress(AssertionError):
                ldap_on.remove_member(group, "li.na")
        ldap_on.add_member("kefu-supervisors", "li.na")


def test_an_administrator_deactivation_is_not_undone_by_the_directory(client, ldap_on, mappings):
    assert login(client, "zhang.wei", openldap.PASSWORDS["zhang.wei"]).status_code == 302
    Staff.objects.filter(user__username="zhang.wei").update(is_active=False)
    client.post("/logout/")
    response = login(client, "zhang.wei", openldap.PASSWORDS["zhang.wei"])
    assert response.status_code == 200
    assert "Your Kefu account is deactivated." in response.content.decode()
    assert not Staff.objects.get(user__username="zhang.wei").is_active


def test_a_directory_user_in_no_mapped_group_is_refused_and_logged(client, ldap_on, mappings):
    response = login(client, "wang.fang", openldap.PASSWORDS["wang.fang"])
    assert response.status_code == 200
    assert "None of your directory groups gives a role in Kefu." in response.content.decode()
    assert not get_user_model().objects.filter(username="wang.fang").exists()
    refused = AuditRecord.objects.get(action="sso.refused")
    assert refused.after == {"source": "ldap", "username": "wang.fang", "reason": "no_role"}
    assert AuditRecord.objects.filter(action="auth.login_failed", object_id="wang.fang").count() == 1


def test_wrong_directory_passwords_are_rate_limited_and_logged(client, ldap_on, mappings, settings):
    settings.KEFU_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        response = login(client, "zhang.wei", "not-the-password")
        assert response.status_code == 200
    assert AuditRecord.objects.filter(action="auth.login_failed", object_id="zhang.wei").count() == 3
    # the right password is not even tried now
    response = login(client, "zhang.wei", openldap.PASSWORDS["zhang.wei"])
    assert response.status_code == 200
    assert "Too many failed logins" in response.content.decode()
    assert not get_user_model().objects.filter(username="zhang.wei").exists()


def test_local_accounts_keep_working_and_are_never_taken_over(client, ldap_on, mappings):
    # a local agent (no directory entry) logs in with the Kefu password
    assert login(client, mappings.agent.user.username, PASSWORD).status_code == 302
    client.post("/logout/")
    # a local login named like a directory user: the directory password does not take it over …
    local = make_user("zhang.wei")
    response = login(client, "zhang.wei", openldap.PASSWORDS["zhang.wei"])
    assert response.status_code == 200
    assert "A local Kefu account already has this user name" in response.content.decode()
    assert not ExternalAccount.objects.filter(user=local).exists()
    assert (AuditRecord.objects.get(action="sso.refused").after or {})["reason"] == "local_account"
    # … and its own password still works
    assert login(client, "zhang.wei", PASSWORD).status_code == 302


def test_local_logins_work_while_the_directory_is_down(client, ldap_on, mappings, settings):
    from kefu.testing.shell import free_port

    settings.KEFU_LDAP_URL = f"ldap://127.0.0.1:{free_port()}"  # nothing listens there
    settings.KEFU_LDAP_TIMEOUT = 2
    assert login(client, mappings.supervisor.user.username, PASSWORD).status_code == 302
    client.post("/logout/")
    assert login(client, "zhang.wei", openldap.PASSWORDS["zhang.wei"]).status_code == 200


def test_an_administrator_links_a_local_account_to_the_directory(client, ldap_on, mappings):
    local = make_user("zhang.wei")
    admin = Client()
    admin.force_login(mappings.admin.user)
    response = admin.post(
        "/admin/sso/externalaccount/add/",
        {"user": local.pk, "source": "ldap", "subject": "Zhang.Wei"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    local.refresh_from_db()
    assert not local.has_usable_password()  # the Kefu password no longer works …
    assert AuditRecord.objects.filter(action="admin.add", object_type="sso.externalaccount").count() == 1
    assert login(client, "zhang.wei", PASSWORD).status_code == 200
    # … the directory's does, and gives the mapped role and branch
    assert login(client, "zhang.wei", openldap.PASSWORDS["zhang.wei"]).status_code == 302
    staff = Staff.objects.get(user=local)
    assert (staff.role, staff.branch_id, staff.badge_no) == ("agent", mappings.north.pk, "HZ-2041")
