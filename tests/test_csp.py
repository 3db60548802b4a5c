"""Content-Security-Policy on every response (KEFU_CSP enforce / report-only / off), and no template
with inline script, event-handler attributes, ``javascript:`` URLs or eval-needing htmx attributes.
The browser side (zero violations, the pages still work) is tests/browser/test_csp.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kefu.middleware import csp_policy
from kefu.testing.factories import make_portal_customer

ROOT = Path(__file__).resolve().parents[1]

STRICT = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; style-src-elem 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def test_policy_text() -> None:
    assert csp_policy("/") == STRICT
    admin = csp_policy("/admin/")
    assert "style-src-elem" not in admin and "script-src 'self';" in admin and "object-src 'none'" in admin
    assert csp_policy("/api/v1/docs") == STRICT
    assert csp_policy("/", "https://csp.example.com/r").endswith(
        "; report-uri https://csp.example.com/r; report-to kefu-csp"
    )


def pages(world: Any) -> list[tuple[Client, str]]:
    customer = world.customer("张三", "13800138000")
    order = world.order(customer, title="宽带无法上网", assignee_id=world.agent.pk)
    make_portal_customer(world, customer, "cust")
    anonymous, agent, supervisor, admin, portal = Client(), Client(), Client(), Client(), Client()
    agent.force_login(world.agent.user)
    supervisor.force_login(world.supervisor.user)
    admin.force_login(world.admin.user)
    portal.force_login(customer.user)
    return [
        (anonymous, "/login/"),
        (anonymous, "/portal/signin/"),
        (anonymous, "/portal/report/"),
        (anonymous, "/disclosure/"),
        (anonymous, "/no-such-page/"),
        (agent, reverse("console:queue")),
        (agent, reverse("console:order_detail", args=[order.number])),
        (agent, reverse("console:call_pop")),
        (supervisor, reverse("console:reports_dashboard")),
        (portal, reverse("portal:home")),
        (portal, reverse("portal:submit")),
        (portal, reverse("portal:order_detail", args=[order.number])),
        (portal, reverse("portal:password")),
        (admin, "/admin/"),
        (anonymous, "/api/v1/docs"),
        (anonymous, "/api/v1/openapi.json"),
    ]


@pytest.mark.django_db
def test_every_response_carries_the_policy(world: Any) -> None:
    for client, url in pages(world):
        resp = client.get(url)
        assert resp.status_code in (200, 404), (url, resp.status_code)
        assert resp["Content-Security-Policy"] == csp_policy(url), url
        assert "Content-Security-Policy-Report-Only" not in resp, url


@pytest.mark.django_db
def test_report_only_mode_sends_the_report_only_header(world: Any, settings: Any) -> None:
    settings.KEFU_CSP = "report-only"
    settings.KEFU_CSP_REPORT_URI = "https://csp.example.com/report"
    for client, url in pages(world):
        resp = client.get(url)
        assert "Content-Security-Policy" not in resp, url
        assert resp["Content-Security-Policy-Report-Only"] == csp_policy(
            url, "https://csp.example.com/report"
        )
        assert resp["Reporting-Endpoints"] == 'kefu-csp="https://csp.example.com/report"'


@pytest.mark.django_db
def test_off_sends_no_policy(world: Any, settings: Any) -> None:
    settings.KEFU_CSP = "off"
    resp = Client().get("/portal/signin/")
    assert resp.status_code == 200
    assert "Content-Security-Policy" not in resp and "Content-Security-Policy-Report-Only" not in resp


def test_an_unknown_mode_stops_start_up() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import kefu.settings"],
        env={"KEFU_CSP": "sometimes", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert out.returncode != 0 and "KEFU_CSP='sometimes'" in out.stderr


# Patterns a strict policy refuses: inline <script> (with no src), on…= handlers, javascript: URLs,
# htmx attributes that evaluate code (hx-on*, hx-vals/hx-headers with js:, trigger filters [..]).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"javascript:", re.IGNORECASE)
HX_EVAL = re.compile(r"hx-on|hx-vals=['\"]\s*js:|hx-headers=['\"]\s*js:|hx-trigger=\"[^\"]*\[", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


def test_no_template_needs_inline_script_or_eval() -> None:
    templates = sorted((ROOT / "kefu").rglob("templates/**/*.html"))
    assert len(templates) > 100
    found = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for name, rx in (
            ("inline <script>", INLINE_SCRIPT),
            ("event handler", HANDLER),
            ("javascript: URL", JS_URL),
            ("htmx eval", HX_EVAL),
            ("<style> element", STYLE_ELEMENT),
        ):
            for m in rx.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {name}: {m.group(0)!r}")
    assert found == []


def test_the_scan_finds_what_it_looks_for() -> None:
    bad = (
        '<script>alert(1)</script><button onclick="x()"><a href="javascript:x()">'
        '<div hx-on:click="x()"><div hx-trigger="keyup[key==\'Enter\']"><style>a{}</style>'
    )
    for rx in (INLINE_SCRIPT, HANDLER, JS_URL, HX_EVAL, STYLE_ELEMENT):
        assert rx.search(bad)
    assert not INLINE_SCRIPT.search('<script src="/static/kefu/kefu.js" defer></script>')


@pytest.mark.django_db
def test_base_page_turns_off_htmx_inline_indicator_styles_and_eval(world: Any) -> None:
    html = Client().get("/portal/signin/").content.decode()
    assert (
        """<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>""" in html
    )
    css = (ROOT / "kefu" / "static" / "kefu" / "kefu.css").read_text(encoding="utf-8")
    assert ".htmx-request .htmx-indicator" in css


@pytest.mark.django_db
def test_a_download_keeps_its_own_sandbox_policy(world: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kefu.workorders.actions import do_customer_message
    from kefu.workorders.models import Attachment

    customer = world.customer("张三", "13800138000")
    order = world.order(customer)
    make_portal_customer(world, customer, "cust")
    do_customer_message(
        customer.user, order.pk, "照片", files=[SimpleUploadedFile("a.txt", b"hi", content_type="text/plain")]
    )
    att = Attachment.objects.get(workorder=order)
    portal = Client()
    portal.force_login(customer.user)
    resp = portal.get(reverse("portal:attachment", args=[att.pk]))
    assert resp.status_code == 200
    assert resp["Content-Security-Policy"] == "default-src 'none'; sandbox"
