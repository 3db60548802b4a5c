"""The /standards/ console pages: phrase library for everyone, violations scoped by branch and role,
paginated; the back office lists."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from kefu.standards.models import StandardsViolation
from kefu.testing.exports import csv_rows, xlsx_sheets
from kefu.workorders import actions

pytestmark = pytest.mark.django_db


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def rows(body: str) -> int:
    return body.count('data-testid="violation-row"')


@pytest.fixture
def violations(world, standards):  # type: ignore[no-untyped-def]
    north = world.order(world.customer("王五", "13700137000"))
    south = world.order(world.customer("钱七", "13600136000", branch=world.south))
    actions.do_reply(
        world.agent.user, north.pk, "您好，你这人真笨", override_reason="客户自称", channel="sms"
    )
    actions.do_reply(world.agent_senior.user, north.pk, "您好，别啰嗦", override_reason="引用", channel="sms")
    actions.do_reply(
        world.agent_south.user, south.pk, "您好，你去投诉好了", override_reason="客户要求", channel="sms"
    )
    return north, south


def test_phrase_library_page(world, standards) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.technician).get("/standards/").content.decode()
    assert "请稍候，我马上给您办理。" in body and "Please wait a moment" in body
    assert body.count('data-testid="forbidden-row"') >= 9
    assert "你去投诉好了" in body and "对不起，给您带来不便，我马上为您处理" in body
    assert 'id="nav-standards"' in body


def test_agent_sees_only_own_violations(world, violations) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.agent).get("/standards/violations/?scope=branch").content.decode()
    assert rows(body) == 1 and "你这人真笨" in body and "别啰嗦" not in body


def test_supervisor_sees_the_branch_inspector_all(world, violations) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.supervisor).get("/standards/violations/").content.decode()
    assert rows(body) == 2 and "你去投诉好了" not in body
    body = (
        client_for(world.supervisor)
        .get(f"/standards/violations/?staff={world.agent_senior.pk}")
        .content.decode()
    )
    assert rows(body) == 1 and "别啰嗦" in body
    assert rows(client_for(world.supervisor).get("/standards/violations/?scope=mine").content.decode()) == 0
    assert rows(client_for(world.inspector).get("/standards/violations/").content.decode()) == 3
    assert rows(client_for(world.supervisor_south).get("/standards/violations/").content.decode()) == 1


def test_violations_are_paginated(world, standards, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_PAGE_SIZE = 2
    o = world.order(world.customer())
    for i in range(5):
        actions.do_reply(
            world.agent.user, o.pk, f"您好，第{i}次：不知道。", override_reason=f"理由{i}", channel="sms"
        )
    c = client_for(world.supervisor)
    first = c.get("/standards/violations/").content.decode()
    assert rows(first) == 2 and "理由4" in first and 'id="page-next"' in first  # newest first
    last = c.get("/standards/violations/?page=3").content.decode()
    assert rows(last) == 1 and "理由0" in last
    assert StandardsViolation.objects.count() == 5


def test_back_office_lists(world, violations) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.admin)
    for model in ("standardphrase", "forbiddenphrase", "greetingrule", "standardsviolation"):
        assert c.get(f"/admin/standards/{model}/").status_code == 200, model
    assert c.get("/admin/standards/standardsviolation/add/").status_code == 403


def test_phrase_added_in_the_back_office_is_audited_and_used_at_once(world, standards) -> None:  # type: ignore[no-untyped-def]
    from kefu.audit.models import AuditRecord
    from kefu.lib.errors import ValidationFailed
    from kefu.standards.models import ForbiddenPhrase, StandardPhrase

    o = world.order(world.customer())
    actions.do_reply(world.agent.user, o.pk, "您好，这个没门儿。", channel="sms")  # allowed before
    c = client_for(world.admin)
    assert c.get("/admin/standards/forbiddenphrase/add/").status_code == 200
    sorry = StandardPhrase.objects.get(text_zh="对不起，给您带来不便了。")
    r = c.post(
        "/admin/standards/forbiddenphrase/add/",
        {"text": "没门儿", "mode": "anywhere", "unless_after": "", "suggestion": sorry.pk, "active": "on"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert AuditRecord.objects.filter(action="admin.add", object_type="standards.forbiddenphrase").exists()
    with pytest.raises(ValidationFailed) as exc:
        actions.do_reply(world.agent.user, o.pk, "您好，这个沒門兒！", channel="sms")
    assert exc.value.extra["matches"][0]["suggestion"] == "对不起，给您带来不便了。"
    # a phrase of punctuation only is refused with the field named
    r = c.post("/admin/standards/forbiddenphrase/add/", {"text": "！！", "mode": "anywhere"})
    assert r.status_code == 200 and "at least two letters" in r.content.decode()
    assert not ForbiddenPhrase.objects.filter(text="！！").exists()


def test_violations_export(world, violations) -> None:  # type: ignore[no-untyped-def]
    """The list exports to CSV/XLSX with the same scope and filter as the page."""
    north, _south = violations
    sup = client_for(world.supervisor)
    assert 'id="violation-export-csv"' in sup.get("/standards/violations/").content.decode()
    table = csv_rows(sup, "/standards/violations/")
    assert table[0][:5] == ["At", "Staff", "Badge number", "Branch", "Order number"]
    assert sorted(r[1] for r in table[1:]) == sorted(["李客服", "赵客服"])  # the north only
    assert {r[4] for r in table[1:]} == {north.number}
    mine = csv_rows(sup, "/standards/violations/", staff=world.agent_senior.pk)
    assert len(mine) == 2 and "别啰嗦" in mine[1][5] and "别啰嗦" in mine[1][6] and mine[1][7] == "引用"
    assert len(csv_rows(client_for(world.agent), "/standards/violations/", scope="branch")) == 2  # own only
    ((title, sheet),) = xlsx_sheets(client_for(world.inspector), "/standards/violations/").items()
    assert title == "Standards violations" and len(sheet) == 4
