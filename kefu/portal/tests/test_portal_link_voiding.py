"""Sign-in links are voided by a newer link, a password change and a change of the customer's contact
data; ``/portal/password/`` asks for the current password, or for a recent link sign-in,
and is rate-limited. Times are set with a fixed clock."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kefu.audit.models import AuditRecord
from kefu.channels.models import OutboxMessage
from kefu.customers.actions import CustomerInput, add_contact_point, do_update_customer
from kefu.customers.models import ContactPoint, Customer
from kefu.testing.factories import PASSWORD, make_portal_customer

SIGNIN = "/portal/signin/"
PASSWORD_URL = "/portal/password/"
T0 = dt.datetime(2026, 3, 2, 2, 0, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


class Clock:
    """Moves ``timezone.now`` and ``time.time`` (the link signer's clock) together."""

    def __init__(self, monkeypatch: Any) -> None:
        self.now = T0
        monkeypatch.setattr(timezone, "now", lambda: self.now)
        monkeypatch.setattr(time, "time", lambda: self.now.timestamp())

    def at(self, minutes: float) -> None:
        self.now = T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    return Clock(monkeypatch)


def ask(address: str, name: str = "", ip: str = "10.0.0.1") -> None:
    resp = Client().post(SIGNIN, {"address": address, "name": name}, REMOTE_ADDR=ip)
    assert resp.status_code == 200, resp.content.decode()[:500]


def last_link(recipient: str) -> str:
    msg = OutboxMessage.objects.filter(recipient=recipient).order_by("-id").first()
    assert msg is not None, f"no message to {recipient}"
    m = re.search(r"http://testserver(/portal/signin/link/[^/\s]+/)", msg.body)
    assert m, msg.body
    return m.group(1)


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def refused(resp: Any) -> bool:
    return (
        resp.status_code == 400
        and zh(
            "This sign-in link is not valid any more: it has expired or was already used. Ask for a new one."
        )
        in resp.content.decode()
    )


# ---------------------------------------------------------------------------------------------------
# A newer link, a password change, a contact change void the links still out


@pytest.mark.django_db
def test_new_link_voids_the_older_one(world: Any, clock: Clock) -> None:
    c = world.customer("张三", "13800138000")
    ask("13800138000")
    first = last_link("+8613800138000")
    clock.at(5)
    ask("13800138000")
    second = last_link("+8613800138000")
    assert first != second
    clock.at(6)
    assert refused(Client().get(first))
    assert refused(Client().post(first))
    browser = Client()
    assert browser.post(second).status_code == 302
    c.refresh_from_db()
    assert browser.session["_auth_user_id"] == str(c.user_id)


@pytest.mark.django_db
def test_new_link_voids_the_older_one_for_an_address_nobody_has(world: Any, clock: Clock) -> None:
    ask("new@example.com", name="王五")
    first = last_link("new@example.com")
    clock.at(1)
    ask("new@example.com", name="王五")
    second = last_link("new@example.com")
    clock.at(2)
    assert refused(Client().post(first))
    assert not Customer.objects.filter(email="new@example.com").exists()
    assert Client().post(second).status_code == 302
    assert Customer.objects.filter(email="new@example.com").count() == 1


@pytest.mark.django_db
def test_a_link_to_another_address_does_not_void_this_one(world: Any, clock: Clock) -> None:
    world.customer("张三", "13800138000", email="zhang@example.com")
    ask("13800138000")
    by_sms = last_link("+8613800138000")
    clock.at(1)
    ask("zhang@example.com")  # the newest link *to this address* counts, per address
    clock.at(2)
    assert Client().post(by_sms).status_code == 302


@pytest.mark.django_db
def test_changing_the_password_voids_the_links_still_out(world: Any, clock: Clock) -> None:
    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c, "cust")
    ask("13800138000")
    link = last_link("+8613800138000")
    clock.at(2)
    browser = Client()
    assert browser.login(username="cust", password=PASSWORD)
    clock.at(3)
    # the password login moved last_login already; take a fresh link, then change the password
    ask("13800138000")
    link = last_link("+8613800138000")
    resp = browser.post(
        PASSWORD_URL,
        {"old_password": PASSWORD, "new_password1": "a-new-secret-771", "new_password2": "a-new-secret-771"},
    )
    assert resp.status_code == 302
    clock.at(4)
    assert refused(Client().post(link))


@pytest.mark.django_db
def test_staff_changing_the_email_voids_the_links_still_out(world: Any, clock: Clock) -> None:
    c = world.customer("张三", "13800138000", email="zhang@example.com")
    ask("13800138000")
    link = last_link("+8613800138000")
    clock.at(3)
    do_update_customer(
        world.agent.user, c.pk, CustomerInput(name="张三", phone="13800138000", email="zhang@example.org")
    )
    clock.at(4)
    assert refused(Client().post(link))
    c.refresh_from_db()
    assert c.user is None


@pytest.mark.django_db
def test_a_new_phone_contact_point_voids_the_links_still_out(world: Any, clock: Clock) -> None:
    c = world.customer("张三", "13800138000")
    ask("13800138000")
    link = last_link("+8613800138000")
    ContactPoint.objects.create(customer=c, kind="wechat", value="wx-zhang", normalized="wx-zhang")
    assert Client().get(link).status_code == 200  # a messaging id is no sign-in address: still valid
    with transaction.atomic():
        add_contact_point(c, ContactPoint.Kind.PHONE, "13600136000")
    assert refused(Client().post(link))


@pytest.mark.django_db
def test_a_replaced_phone_no_longer_signs_in_to_the_customer(world: Any, clock: Clock) -> None:
    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c, "cust")
    ask("13800138000")
    old_link = last_link("+8613800138000")
    clock.at(1)
    do_update_customer(world.agent.user, c.pk, CustomerInput(name="张三", phone="13600136000"))
    assert c.contact_points.filter(normalized="+8613800138000", label="previous").exists()
    clock.at(2)
    assert refused(Client().post(old_link))
    # the old number (perhaps someone else's now) asks again: it is not the customer's any more
    ask("13800138000", name="新用户")
    browser = Client()
    assert browser.post(last_link("+8613800138000")).status_code == 302
    assert browser.session["_auth_user_id"] != str(c.user_id)
    assert Customer.objects.get(phone_e164="+8613800138000").name == "新用户"


# ---------------------------------------------------------------------------------------------------
# /portal/password/


def password_login(world: Any, username: str = "cust") -> tuple[Customer, Client]:
    c = world.customer("张三", "13800138000")
    make_portal_customer(world, c, username)
    browser = Client()
    assert browser.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return c, browser


def change(browser: Client, old: str, new: str = "a-new-secret-771", ip: str = "127.0.0.1") -> Any:
    return browser.post(
        PASSWORD_URL, {"old_password": old, "new_password1": new, "new_password2": new}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_changing_a_password_needs_the_current_one(world: Any) -> None:
    c, browser = password_login(world)
    page = browser.get(PASSWORD_URL)
    assert page.status_code == 200 and b'id="id_old_password"' in page.content
    resp = browser.post(
        PASSWORD_URL, {"new_password1": "a-new-secret-771", "new_password2": "a-new-secret-771"}
    )
    assert resp.status_code == 400
    resp = change(browser, "not-my-password")
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'id="id_old_password-errors"' in html
    assert zh("Your old password was entered incorrectly. Please enter it again.") in html
    assert Client().login(username="cust", password=PASSWORD)  # unchanged
    resp = change(browser, PASSWORD)
    assert resp.status_code == 302 and resp["Location"] == reverse("portal:home")
    assert browser.get(reverse("portal:home")).status_code == 200  # still signed in
    assert Client().login(username="cust", password="a-new-secret-771")
    assert not Client().login(username="cust", password=PASSWORD)
    assert AuditRecord.objects.filter(action="portal.password_changed", customer_id=c.pk).count() == 1


@pytest.mark.django_db
def test_wrong_current_passwords_share_the_login_limit(world: Any, settings: Any) -> None:
    settings.KEFU_LOGIN_MAX_FAILURES = 3
    _c, browser = password_login(world)
    for _ in range(3):
        assert change(browser, "guess-wrong").status_code == 400
    resp = change(browser, PASSWORD)  # right, but locked now
    assert resp.status_code == 429
    assert zh("Too many wrong passwords. Wait %(minutes)d minutes and try again.") % {"minutes": 15} in (
        resp.content.decode()
    )
    assert Client().login(username="cust", password=PASSWORD)  # not changed
    # the ordinary login of that name is locked too: the guesses are one budget
    assert Client().post("/login/", {"username": "cust", "password": PASSWORD}).status_code == 200


@pytest.mark.django_db
def test_password_attempts_are_limited_per_customer_and_per_address(world: Any, settings: Any) -> None:
    settings.KEFU_PORTAL_PASSWORD_PER_HOUR = 2
    _c, browser = password_login(world)
    assert change(browser, PASSWORD, new="short").status_code == 400
    assert change(browser, PASSWORD, new="short").status_code == 400
    resp = change(browser, PASSWORD)
    assert resp.status_code == 429
    assert zh("Too many password changes. Please wait an hour and try again.") in resp.content.decode()
    assert Client().login(username="cust", password=PASSWORD)
    # per client address: four times the limit, whoever asks
    settings.KEFU_PORTAL_PASSWORD_PER_HOUR = 1
    for i in range(4):
        c = world.customer(f"客户{i}", f"1370013700{i}")
        make_portal_customer(world, c, f"c{i}")
        other = Client()
        other.login(username=f"c{i}", password=PASSWORD)
        assert change(other, "guess-wrong", ip="10.7.0.1").status_code == 400
    c = world.customer("客户9", "13700137009")
    make_portal_customer(world, c, "c9")
    other = Client()
    other.login(username="c9", password=PASSWORD)
    assert change(other, PASSWORD, ip="10.7.0.1").status_code == 429
    assert change(other, PASSWORD, ip="10.7.0.2").status_code == 302


def link_signin(address: str, recipient: str) -> Client:
    ask(address)
    browser = Client()
    resp = browser.post(last_link(recipient))
    assert resp.status_code == 302 and resp["Location"] == reverse("portal:password")
    return browser


def set_password(browser: Client, new: str = "a-long-secret-77") -> Any:
    return browser.post(PASSWORD_URL, {"new_password1": new, "new_password2": new})


@pytest.mark.django_db
def test_link_signin_may_set_a_password_within_ten_minutes(world: Any, clock: Clock) -> None:
    c = world.customer("张三", "13800138000")
    browser = link_signin("13800138000", "+8613800138000")
    clock.at(9.9)
    page = browser.get(PASSWORD_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="id_old_password"' not in html and 'id="portal-password-deadline"' in html
    assert "10:10" in html  # signed in 10:00 Shanghai time, ten minutes
    assert set_password(browser).status_code == 302
    c.refresh_from_db()
    assert Client().login(username=c.user.username, password="a-long-secret-77")
    assert AuditRecord.objects.filter(action="portal.password_set", customer_id=c.pk).count() == 1
    # from now on a change needs that password, whatever the time since the link
    resp = set_password(browser, "another-secret-88")
    assert resp.status_code == 400 and 'id="id_old_password-errors"' in resp.content.decode()


@pytest.mark.django_db
def test_link_signin_too_long_ago_needs_a_new_link(world: Any, clock: Clock, settings: Any) -> None:
    settings.KEFU_PORTAL_RECENT_AUTH_MINUTES = 10
    c = world.customer("张三", "13800138000")
    browser = link_signin("13800138000", "+8613800138000")
    clock.at(10)
    page = browser.get(PASSWORD_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="portal-password-relink"' in html and "+8613800138000" in html
    assert 'name="new_password1"' not in html
    assert set_password(browser).status_code == 403
    c.refresh_from_db()
    assert not c.user.has_usable_password()
    # the page sends a new link to the address the customer signed in with
    sent_before = OutboxMessage.objects.filter(recipient="+8613800138000").count()
    resp = browser.post(PASSWORD_URL, {"send_link": "1"})
    assert resp.status_code == 200 and b'id="portal-signin-sent"' in resp.content
    assert OutboxMessage.objects.filter(recipient="+8613800138000").count() == sent_before + 1
    clock.at(12)
    assert browser.post(last_link("+8613800138000")).status_code == 302
    clock.at(13)
    assert set_password(browser).status_code == 302
    c.refresh_from_db()
    assert c.user.has_usable_password()


@pytest.mark.django_db
def test_a_session_that_did_not_start_with_a_link_cannot_set_a_first_password(world: Any) -> None:
    c = world.customer("张三", "13800138000", email="zhang@example.com")
    user = make_portal_customer(world, c, "cust")
    user.set_unusable_password()
    user.save()
    browser = Client()
    browser.force_login(user)
    assert set_password(browser).status_code == 403
    page = browser.get(PASSWORD_URL)
    assert b'id="portal-relink-address"' in page.content and b"zhang@example.com" in page.content


@pytest.mark.django_db
def test_setting_a_password_keeps_the_session_and_voids_links(world: Any, clock: Clock) -> None:
    world.customer("张三", "13800138000", email="zhang@example.com")
    browser = link_signin("13800138000", "+8613800138000")
    clock.at(1)
    ask("zhang@example.com")
    by_mail = last_link("zhang@example.com")
    clock.at(2)
    assert set_password(browser).status_code == 302
    assert browser.get(reverse("portal:home")).status_code == 200
    assert refused(Client().post(by_mail))
