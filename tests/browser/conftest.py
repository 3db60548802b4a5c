"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Screenshots go to test-artifacts/screenshots/; with KEFU_UPDATE_SCREENSHOTS=1 the ones named for the
user guide are also written to docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test itself are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KEFU_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (scripts/test installs Debian's chromium)")
        pytest.skip("Chromium is not installed; run scripts/test to install it")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def desktop_page(browser, base_url: str):  # type: ignore[no-untyped-def]
    """A page of a new browser context (own cookies) at desktop size in China's locale and time zone;
    the caller closes ``page.context``."""
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1366, "height": 900},
        base_url=base_url,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    pg = desktop_page(browser, live_server.url)
    yield pg
    pg.context.close()


@pytest.fixture
def phone_page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


def login(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str, *, for_docs: bool = False) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if for_docs and os.environ.get("KEFU_UPDATE_SCREENSHOTS"):
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SHOTS / f"{name}.png")
    return path


def new_context_page(browser, live_server, username: str, password: str):  # type: ignore[no-untyped-def]
    """A second, independent browser (own cookies) logged in as ``username``; close its context after."""
    pg = desktop_page(browser, live_server.url)
    login(pg, username, password)
    return pg


def seed_orders(world):  # type: ignore[no-untyped-def]
    """Several realistic orders in the north branch, assigned to the agent, with due times set.

    Returns a dict name → WorkOrder.
    """
    import datetime as dt

    from django.utils import timezone

    from kefu.workorders.models import WorkOrder

    zhang = world.customer("张三", "13800138000", address="和平里东街5号")
    li = world.customer("李四", "13900139000", address="北苑路12号")
    wang = world.customer("王五", "13700137000")
    a = world.agent.pk
    orders = {
        "broadband": world.order(zhang, title="宽带无法上网", assignee_id=a, area_id=world.area_n1.pk),
        "refund": world.order(
            li,
            order_type="complaint",
            title="要求退款",
            description="客户投诉：上月多扣费用，要求退款并书面道歉",
            assignee_id=a,
            channel="counter",
        ),
        "install": world.order(
            wang,
            order_type="install_urban",
            title="新装宽带预约",
            description="客户搬家，预约本周六上门安装",
            assignee_id=a,
            channel="email",
        ),
        "inquiry": world.order(
            zhang, order_type="inquiry", title="咨询套餐资费", description="询问200M套餐月费", assignee_id=a
        ),
    }
    now = timezone.now()
    dues = {"broadband": 30, "refund": 2, "install": 72, "inquiry": -3}  # hours from now
    for key, hours in dues.items():
        WorkOrder.objects.filter(pk=orders[key].pk).update(due_at=now + dt.timedelta(hours=hours))
        orders[key].refresh_from_db()
    return orders


def zh(text: str) -> str:
    """``text`` as the Simplified Chinese UI shows it (the catalog's translation, or the source if none yet)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(translation.gettext(text))


def add_archive(world, customer):  # type: ignore[no-untyped-def]
    """A subscription, a purchase and a few payments (one late) for ``customer``."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from kefu.customers.actions import do_add_record

    u = world.agent.user
    today = timezone.localdate()
    do_add_record(
        u,
        customer.pk,
        "subscription",
        {
            "product": "光纤宽带 200M",
            "start_date": today - dt.timedelta(days=700),
            "expiry_date": today + dt.timedelta(days=30),
            "monthly_fee": Decimal("99.00"),
        },
    )
    do_add_record(
        u,
        customer.pk,
        "purchase",
        {"product": "千兆路由器", "quantity": 1, "unit_price": Decimal("399.00"), "purchased_on": today},
    )
    for months, late in ((3, False), (2, True), (1, False)):
        due = today - dt.timedelta(days=30 * months)
        do_add_record(
            u,
            customer.pk,
            "payment",
            {
                "description": f"宽带月费 {due:%Y-%m}",
                "amount": Decimal("99.00"),
                "due_date": due,
                "paid_on": due + dt.timedelta(days=12 if late else 0),
            },
        )


@pytest.fixture
def asgi_server(transactional_db):  # type: ignore[no-untyped-def]
    """The ASGI application (as ``kefu serve`` runs it) under uvicorn on a loopback port, in a thread of
    this process (so it sees the test database): the server push of kefu.live needs an ASGI server, which
    pytest-django's ``live_server`` (WSGI) is not. ``.url`` like ``live_server``."""
    import socket
    import threading
    import time
    from types import SimpleNamespace

    import uvicorn

    from kefu.asgi import application, close_page_connections
    from kefu.live.hub import HUB

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="asgi-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(10)
    HUB.close_db()
    close_page_connections()  # the page threads' connections (kefu.asgi), before the test database goes


@pytest.fixture
def asgi_page(browser, asgi_server):  # type: ignore[no-untyped-def]
    """Like ``page``, against :func:`asgi_server`."""
    pg = desktop_page(browser, asgi_server.url)
    yield pg
    pg.context.close()
