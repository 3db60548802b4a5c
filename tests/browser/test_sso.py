"""Single sign-on in Chromium: the OpenID Connect button's round trip and an LDAP login (docs/sso.md)."""

from __future__ import annotations

import pytest

from kefu.organization.models import Staff
from kefu.sso import oidc
from kefu.sso.models import GroupMapping
from kefu.sso.tests import oidc_provider, openldap
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_with_the_provider_creates_the_agent_and_opens_the_console(page, phone_page, world, settings):
    GroupMapping.objects.create(source="oidc", group="kefu-agents", role="agent")
    GroupMapping.objects.create(source="oidc", group="客服中心/城北", branch=world.north)
    person = {
        "sub": "dingtalk:0193",
        "preferred_username": "sun.li",
        "name": "孙丽",
        "email": "sun.li@kefu.test",
        "groups": ["kefu-agents", "客服中心/城北"],
    }
    with oidc_provider.running(person) as provider:
        oidc_provider.configure(settings, provider, "钉钉")
        phone_page.goto("/login/", timeout=30_000)  # the first page of the run (a loaded machine)
        assert phone_page.locator("#login-sso").is_visible()
        screenshot(phone_page, "sso-login-phone")
        page.goto("/login/")
        button = page.locator("#login-sso")
        assert button.inner_text() == "通过 钉钉 登录" or button.inner_text() == "Sign in with 钉钉"
        screenshot(page, "sso-login")
        button.click()
        page.wait_for_url("**/orders/**")
        page.wait_for_load_state("networkidle")
        screenshot(page, "sso-after-oidc")
    oidc.forget_discovery()
    staff = Staff.objects.get(user__username="sun.li")
    assert (staff.role, staff.branch_id, staff.name) == ("agent", world.north.pk, "孙丽")
    assert "孙丽" in page.content()  # the console greets the new agent


@pytest.mark.skipif(not openldap.available(), reason="slapd not installed (scripts/system-deps)")
def test_a_directory_login_and_a_refusal_in_the_browser(page, world, settings):
    GroupMapping.objects.create(source="ldap", group=openldap.group_dn("kefu-agents"), role="agent")
    GroupMapping.objects.create(source="ldap", group=openldap.group_dn("branch-hz"), branch=world.north)
    with openldap.running() as directory:
        openldap.configure(settings, directory)
        page.goto("/login/")
        assert page.locator("#login-directory-hint").is_visible()
        login(page, "wang.fang", openldap.PASSWORDS["wang.fang"])  # in no mapped group
        assert "/login/" in page.url
        assert page.locator(".errorlist").count() >= 1
        screenshot(page, "sso-ldap-refused")
        login(page, "zhang.wei", openldap.PASSWORDS["zhang.wei"])
        assert "/login/" not in page.url
    staff = Staff.objects.get(user__username="zhang.wei")
    assert (staff.role, staff.branch_id) == ("agent", world.north.pk)


def test_the_administrator_maps_groups_in_the_back_office(page, world):
    from kefu.testing.factories import PASSWORD

    GroupMapping.objects.create(
        source="ldap", group="cn=kefu-agents,ou=groups,dc=example,dc=com", role="agent"
    )
    GroupMapping.objects.create(
        source="ldap", group="cn=branch-north,ou=groups,dc=example,dc=com", branch=world.north
    )
    login(page, world.admin.user.username, PASSWORD)
    page.goto("/admin/sso/groupmapping/add/")
    page.select_option("#id_source", "oidc")
    page.fill("#id_group", "客服中心/城南")
    page.select_option("#id_branch", str(world.south.pk))
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#result_list tbody tr").count() == 3
    screenshot(page, "sso-group-mappings")
    row = GroupMapping.objects.get(source="oidc")
    assert (row.group, row.branch_id, row.role) == ("客服中心/城南", world.south.pk, "")
