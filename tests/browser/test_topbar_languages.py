"""The top bar stays one line at 1280 px in every language, for the roles with the longest menus."""

import pytest

from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Centre line of every item of the bar: brand, menu entries, search, language, bell, name, log out.
ROWS_JS = """() => {
  const items = [...document.querySelectorAll(
    '.topbar > .brand, .mainnav > a, .mainnav > details > summary, .mainnav > form, .userbox > *')];
  return items.filter(e => e.offsetParent !== null).map(e => {
    const r = e.getBoundingClientRect();
    return {text: (e.innerText || e.tagName).trim().slice(0, 20), mid: r.top + r.height / 2, right: r.right};
  });
}"""


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en", "hu"])
@pytest.mark.parametrize("username", ["admin", "sup", "agent"])
def test_top_bar_is_one_line_at_1280_px(browser, live_server, world, language: str, username: str) -> None:
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 800},
        base_url=live_server.url,
    )
    try:
        page = context.new_page()
        login(page, username, PASSWORD)
        with page.expect_navigation():
            page.select_option("#lang-select", language)
        for link in ("#nav-queue", "#nav-knowledge"):  # the queue has its own search; other pages the bar's
            page.goto(page.locator(link).get_attribute("href") or "/")
            assert page.locator("html").get_attribute("lang") == language
            page.wait_for_load_state("networkidle")  # the bell and the call pop-up are loaded after the page
            items = page.evaluate(ROWS_JS)
            assert len(items) >= 6, items
            mids = [item["mid"] for item in items]
            spread = max(mids) - min(mids)
            screenshot(page, f"topbar-{username}-{language}-{link[5:]}")
            assert spread <= 8, f"the top bar wraps in {language} for {username} on {page.url}: {items}"
            assert max(item["right"] for item in items) <= 1280, items  # nothing runs off the screen
    finally:
        context.close()
