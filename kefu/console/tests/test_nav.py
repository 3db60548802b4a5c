"""The main menu: direct links for the daily pages, groups for the rest, each link only for the roles
that may use it, and the group of the current page marked."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def nav(staff, path: str = "/orders/") -> str:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    resp = c.get(path)
    assert resp.status_code == 200, path
    html = resp.content.decode()
    return html[html.index('<nav class="mainnav"') : html.index("</nav>")]


def links(html: str) -> set[str]:
    return set(re.findall(r'id="(nav-[a-z-]+)"', html)) - {"nav-search"}


def group_of(html: str, link: str) -> str | None:
    """The id of the menu group holding ``link`` (None: a top-level link)."""
    before = html[: html.index(f'id="{link}"')]
    opened = before.rfind("<details")
    if opened < before.rfind("</details>") or opened < 0:
        return None
    return re.search(r'id="(navgroup-[a-z]+)"', before[opened:]).group(1)  # type: ignore[union-attr]


def current_groups(html: str) -> list[str]:
    return re.findall(r'class="navgroup current" id="(navgroup-[a-z]+)"', html)


def test_an_agent_sees_the_daily_links_and_two_groups(world) -> None:  # type: ignore[no-untyped-def]
    html = nav(world.agent)
    assert links(html) == {
        "nav-queue", "nav-owned", "nav-team", "nav-escalations", "nav-callbacks", "nav-my-signature", "nav-maintenance",
        "nav-incidents", "nav-customers", "nav-standards", "nav-inspections", "nav-supervision", "nav-knowledge", "nav-reports",
    }  # fmt: skip
    for top in ("nav-queue", "nav-customers", "nav-knowledge", "nav-reports"):
        assert group_of(html, top) is None, top
    assert group_of(html, "nav-team") == "navgroup-work"
    assert group_of(html, "nav-incidents") == "navgroup-work"
    assert group_of(html, "nav-standards") == "navgroup-quality"
    assert "navgroup-admin" not in html and "My assessment" in html
    assert current_groups(html) == []  # "My queue" is a top-level link


def test_a_supervisor_sees_quality_and_administration(world) -> None:  # type: ignore[no-untyped-def]
    html = nav(world.supervisor)
    got = links(html)
    assert {"nav-followup", "nav-quality", "nav-complaints", "nav-channel-health"} <= got
    assert "nav-admin" not in got  # the back office is the administrator's
    assert group_of(html, "nav-complaints") == "navgroup-quality"
    assert group_of(html, "nav-channel-health") == "navgroup-admin"
    assert 'id="nav-reports"' in html and ">Reports<" in html
    assert "nav-admin" in links(nav(world.admin))


def test_the_group_of_the_current_page_is_marked(world) -> None:  # type: ignore[no-untyped-def]
    team = nav(world.agent, "/orders/?tab=team")
    assert current_groups(team) == ["navgroup-work"]
    assert 'aria-current="page"' in team.split('id="nav-team"')[1][:40]
    assert current_groups(nav(world.supervisor, "/complaints/")) == ["navgroup-quality"]
    assert current_groups(nav(world.supervisor, "/calls/health/")) == ["navgroup-admin"]
    assert current_groups(nav(world.agent, "/knowledge/")) == []
