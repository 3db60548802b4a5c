"""The enforced Content-Security-Policy in Chromium: console, portal, disclosure page, admin and API docs
produce no policy violation and no script error, and their interactive parts still work (HTMX fragments,
polling, menus, the call pop-up, the language menu, the print buttons, the SVG charts, Swagger UI)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from kefu.organization.tokens import create_token
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot, seed_orders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts (Playwright injects it outside the page's policy):
# report each violation to the test, and count window.print() instead of opening a dialog.
WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.kefuCspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber,
                           location.pathname].join(" | "));
});
window.print = function () { window.kefuPrinted = (window.kefuPrinted || 0) + 1; };
"""


class Watch:
    """Collects policy violations, console errors that mention the policy, and uncaught script errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.violations: list[str] = []
        self.errors: list[str] = []
        page.context.expose_function("kefuCspViolation", lambda text: self.violations.append(text))
        page.context.add_init_script(WATCH)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))

    def _console(self, msg: Any) -> None:
        text = msg.text
        if msg.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.errors.append(f"{self.page.url}: {text}")

    def clean(self, where: str) -> None:
        self.page.wait_for_timeout(300)  # violations are reported asynchronously
        assert self.violations == [], where
        assert self.errors == [], where


@pytest.fixture
def watched(page: Any) -> Watch:
    return Watch(page)


def test_the_watch_sees_a_violation(page, world):  # type: ignore[no-untyped-def]
    """The collector can fail: an inline script added to an enforced page is refused and reported."""
    watch = Watch(page)
    resp = page.goto("/portal/signin/")
    assert resp is not None and "script-src 'self'" in resp.headers["content-security-policy"]
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.ran") is None  # not executed
    assert any(v.startswith("script-src") for v in watch.violations), watch.violations


def test_console_works_under_the_policy(asgi_page, world):  # type: ignore[no-untyped-def]
    """The console as `kefu serve` runs it (ASGI, with the server push of live.js) under the policy."""
    from kefu.standards.services import ensure_defaults

    page = asgi_page
    watched = Watch(page)

    ensure_defaults()
    orders = seed_orders(world)
    o = orders["broadband"]
    customer = world.customer(name="孙七", phone="13600136000")
    login(page, "agent", PASSWORD)
    watched.clean("login")

    # the queue loads and refreshes itself (HTMX polling); the menus open and close (kefu.js)
    page.goto("/?tab=mine")
    expect(page.locator(f"#queue-body tr[data-number='{o.number}']")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-live-state", "push")  # live.js's stream is open
    page.click("#navgroup-work summary")
    expect(page.locator("#navgroup-work")).to_have_attribute("open", "")
    page.locator("#main").click(position={"x": 5, "y": 5})
    expect(page.locator("#navgroup-work")).not_to_have_attribute("open", "")
    watched.clean("queue")

    # the order page: its HTMX fragments load (presence, knowledge suggestions, phrase options); the live
    # standards check posts while typing; the phrase insert button (standards.js) works
    page.goto(f"/orders/{o.number}/")
    expect(page.locator("#phrase-select option").nth(1)).to_be_attached()
    page.fill("#reply-body", "")
    page.locator("#reply-body").press_sequentially("您好，你 去，投 訴好了")
    expect(page.locator("[data-testid=standards-live-match]")).to_contain_text("你 去，投 訴好了")
    watched.clean("order page")

    # the call pop-up: a CTI webhook pops the caller in the open console
    token, _row = create_token(world.admin.user, "cti")
    resp = page.context.request.post(
        "/api/v1/cti/calls",
        data=json.dumps(
            {"call_id": "csp-1", "caller": "13600136000", "line": "1", "event": "ringing", "agent": "agent"}
        ),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert resp.status == 201, resp.text()
    expect(page.locator("#call-pop-customer")).to_have_text(customer.name)
    watched.clean("call pop-up")

    # the printable notice's button and the language menu (both were inline handlers)
    page.goto("/disclosure/")
    page.click("#disclosure button[data-print]")
    assert page.evaluate("window.kefuPrinted") == 1
    page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("#lang-select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    watched.clean("disclosure and language menu")


def test_reports_admin_and_api_docs_work_under_the_policy(page, watched, world):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from kefu.reports.tests import data

    with timezone.override("Asia/Shanghai"):
        data.build(world)
    page.context.set_default_timeout(60_000)
    page.context.set_default_navigation_timeout(60_000)
    login(page, "admin", PASSWORD)
    page.goto("/reports/?period=2026-03")
    expect(page.locator("svg.chart")).to_have_count(7)
    box = page.locator("svg.chart").first.bounding_box()
    assert box is not None and box["width"] > 100  # sized by its style attribute and the style sheet
    watched.clean("reports dashboard")

    page.goto("/admin/")
    expect(page.locator("#content")).to_be_visible()
    page.goto("/admin/customers/customer/")
    expect(page.locator("#changelist")).to_be_visible()
    page.goto("/admin/organization/branch/add/")
    expect(page.locator("#branch_form")).to_be_visible()
    watched.clean("admin")

    resp = page.goto("/api/v1/docs")
    assert resp is not None and "script-src 'self'" in resp.headers["content-security-policy"]
    expect(page.locator("#swagger-ui .information-container")).to_be_visible()
    page.locator("#swagger-ui .opblock .opblock-summary").first.click()
    expect(page.locator("#swagger-ui .opblock .opblock-body").first).to_be_visible()
    screenshot(page, "csp-api-docs")
    watched.clean("API docs")


def test_portal_and_disclosure_work_under_the_policy(phone_page, world):  # type: ignore[no-untyped-def]
    from kefu.channels.models import OutboxMessage
    from kefu.commitments.models import Service
    from kefu.commitments.models.materials import ServiceMaterial

    page = phone_page
    watch = Watch(page)
    svc = Service.objects.create(code="install-urban", name="城区燃气开户安装", order_type="install_urban")
    ServiceMaterial.objects.create(service=svc, name="房产证", order=1)

    page.goto("/disclosure/")
    expect(page.locator("#disclosure")).to_be_visible()
    page.click("#disclosure button[data-print]")
    assert page.evaluate("window.kefuPrinted") == 1
    watch.clean("disclosure")

    page.goto("/portal/signin/")
    page.fill("#id_address", "13700137000")
    page.fill("#id_name", "王五")
    page.click("#portal-signin-submit")
    expect(page.locator("#portal-signin-sent")).to_be_visible()
    sms = OutboxMessage.objects.get(recipient="+8613700137000", channel="sms")
    link = re.search(r"https?://[^/\s]+(/portal/signin/link/\S+/)", sms.body)
    assert link is not None
    page.goto(link.group(1))
    page.click("#portal-link-confirm")
    expect(page.locator("#portal-password-form")).to_be_visible()
    watch.clean("sign-in")

    # the service's documents come as an HTMX fragment
    page.goto("/portal/new/")
    page.select_option("#portal-submit-form select[name=order_type]", "installation")
    page.select_option("#portal-submit-form select[name=service]", str(svc.pk))
    expect(page.locator("#portal-service-materials")).to_contain_text("房产证")
    page.fill("#portal-submit-form input[name=title]", "新房开户通气")
    page.fill("#portal-submit-form textarea[name=description]", "新房入住，申请开户安装。")
    page.click("#portal-submit-button")
    expect(page.locator("#portal-order")).to_be_visible()
    screenshot(page, "csp-portal-order")
    watch.clean("portal submit and order page")


def test_portal_signin_then_password_on_a_phone(phone_page, world, settings):  # type: ignore[no-untyped-def]
    """The sign-in → set-password walk under the policy, with what each page says (screenshots
    csp-portal-password-*.png): the deadline, the page after it, the new link, a wrong current password."""
    from kefu.channels.models import OutboxMessage
    from tests.browser.conftest import zh

    page = phone_page
    watch = Watch(page)
    world.customer("张三", "13800138000")

    def open_newest_link() -> None:
        sms = OutboxMessage.objects.filter(recipient="+8613800138000").order_by("-id").first()
        assert sms is not None
        link = re.search(r"https?://[^/\s]+(/portal/signin/link/\S+/)", sms.body)
        assert link is not None
        page.goto(link.group(1))
        page.click("#portal-link-confirm")

    page.goto("/portal/signin/")
    page.fill("#id_address", "13800138000")
    page.click("#portal-signin-submit")
    expect(page.locator("#portal-signin-sent")).to_be_visible()
    open_newest_link()
    expect(page.locator(".messages")).to_contain_text(zh("You are signed in."))
    expect(page.locator("#portal-password-deadline")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "csp-portal-password-1-deadline")

    # the ten minutes are over (0 here): the page explains and offers a new link to the same number
    settings.KEFU_PORTAL_RECENT_AUTH_MINUTES = 0
    page.reload()
    expect(page.locator("#portal-password-relink")).to_be_visible()
    expect(page.locator("#portal-relink-address")).to_have_text("+8613800138000")
    assert page.locator("#id_new_password1").count() == 0
    screenshot(page, "csp-portal-password-2-too-late")
    page.click("#portal-relink-send")
    expect(page.locator("#portal-signin-sent")).to_be_visible()
    screenshot(page, "csp-portal-password-3-link-sent")

    settings.KEFU_PORTAL_RECENT_AUTH_MINUTES = 10
    open_newest_link()
    page.fill("#id_new_password1", "a-long-secret-77")
    page.fill("#id_new_password2", "a-long-secret-78")
    page.click("#portal-password-submit")
    expect(page.locator("#id_new_password2-errors")).to_be_visible()
    screenshot(page, "csp-portal-password-4-mismatch")
    page.fill("#id_new_password1", "a-long-secret-77")
    page.fill("#id_new_password2", "a-long-secret-77")
    page.click("#portal-password-submit")
    expect(page.locator(".messages")).to_contain_text(
        zh("Your password was saved. You can now also log in with it.")
    )
    screenshot(page, "csp-portal-password-5-saved")

    # changing it later needs the current one; a wrong one is named at its field
    page.goto("/portal/password/")
    page.fill("#id_old_password", "not-the-password")
    page.fill("#id_new_password1", "another-secret-88")
    page.fill("#id_new_password2", "another-secret-88")
    page.click("#portal-password-submit")
    expect(page.locator("#id_old_password-errors")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "csp-portal-password-6-wrong-current")
    watch.clean("portal password walk")
