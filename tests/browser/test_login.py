import pytest

from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_chinese_by_default_and_switches_to_english(page):
    page.goto("/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.select_option("#lang-select", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Log in"


def test_wrong_password_is_refused_then_rate_limited(page, world, settings):
    settings.KEFU_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        login(page, "agent", "wrong-password")
        assert "/login/" in page.url
    login(page, "agent", PASSWORD)  # right password, but locked out for now
    assert "/login/" in page.url
    assert page.locator(".errorlist").count() >= 1
    screenshot(page, "login-rate-limited")


def test_agent_logs_in_and_lands_on_the_console(page, world):
    login(page, "agent", PASSWORD)
    assert "/login/" not in page.url
    screenshot(page, "agent-after-login")
