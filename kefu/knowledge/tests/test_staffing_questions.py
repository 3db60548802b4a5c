"""The staffing table (arrivals per half hour → Erlang C agents, next to the roster) and the most-asked
questions ranking."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from kefu.channels.models.gateways import Call
from kefu.customers.models import Contact
from kefu.knowledge import rules
from kefu.knowledge.actions import ArticleInput, do_save_article
from kefu.knowledge.models import Shift
from kefu.reports import staffing
from kefu.testing.exports import csv_rows, xlsx_sheets

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MON1, TUE1, MON2 = dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 9)
_ids = itertools.count(1)


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def calls(day: dt.date, hh: int, mm: int, n: int, branch) -> None:  # type: ignore[no-untyped-def]
    at = dt.datetime.combine(day, dt.time(hh, mm), tzinfo=SH)
    Call.objects.bulk_create(
        [Call(call_id=f"c{next(_ids)}", caller="13800138000", branch=branch, started_at=at) for _ in range(n)]
    )


@pytest.fixture
def traffic(world):  # type: ignore[no-untyped-def]
    calls(MON1, 9, 0, 60, world.north)
    calls(MON1, 9, 29, 40, world.north)  # still the 09:00–09:30 slot: 100 on the first Monday
    calls(MON2, 9, 15, 100, world.north)  # and 100 on the second
    calls(TUE1, 9, 10, 50, world.north)  # a Tuesday: not counted for Mondays
    calls(MON1, 9, 5, 30, world.south)  # another branch
    calls(MON1, 10, 0, 7, world.north)  # 10:00–10:30: 7 + 0 → 3.5 on average
    at = dt.datetime.combine(MON1, dt.time(10, 0), tzinfo=SH)
    for c, talk in zip(Call.objects.filter(started_at=at).order_by("id")[:2], (100, 200), strict=True):
        c.answered_at = at + dt.timedelta(seconds=10)
        c.ended_at = c.answered_at + dt.timedelta(seconds=talk)
        c.save()
    cust = world.customer()
    for d in (MON1, MON2):
        for _ in range(10):
            Contact.objects.create(
                customer=cust, channel="email", occurred_at=dt.datetime.combine(d, dt.time(10, 5), tzinfo=SH)
            )
    # calls of a phone contact are counted as calls only
    Contact.objects.create(
        customer=cust, channel="phone", occurred_at=dt.datetime.combine(MON1, dt.time(10, 6), tzinfo=SH)
    )
    for i in range(5):
        Shift.objects.create(
            staff=world.agent, date=MON1, start=dt.time(8, 0), end=dt.time(17, 0), note=str(i)
        )
    for _ in range(3):
        Shift.objects.create(staff=world.agent_senior, date=MON2, start=dt.time(9, 0), end=dt.time(9, 45))
    Shift.objects.create(
        staff=world.agent, date=dt.date(2026, 11, 1), start=dt.time(22, 0), end=dt.time(2, 0)
    )
    Shift.objects.create(staff=world.agent_south, date=MON1, start=dt.time(8, 0), end=dt.time(17, 0))
    return cust


def by_slot(rows: list[staffing.Row]) -> dict[str, staffing.Row]:
    return {r.label: r for r in rows}


def test_table_for_mondays_of_the_north_branch(world, traffic) -> None:  # type: ignore[no-untyped-def]
    p = staffing.Params(start=MON1, end=dt.date(2026, 11, 15), weekday=0)
    with timezone.override(SH):
        rows = by_slot(staffing.table(p, [world.north.pk]))
        assert staffing.matching_days(p) == [MON1, MON2]
        nine = rows["09:00–09:30"]
        # the published example: 100 calls per half hour, AHT 180 s, 80 % in 20 s → 14 agents, 20 with 30 %
        assert (nine.arrivals, nine.traffic, nine.agents, nine.needed) == (100, 10, 14, 20)
        assert nine.rostered == 4.0  # 5 shifts on the first Monday, 3 on the second: (5 + 3) / 2
        assert nine.gap == -16
        assert rows["09:30–10:00"].rostered == 2.5  # the 09:00–09:45 shifts do not cover 09:30–10:00
        ten = rows["10:00–10:30"]
        assert ten.arrivals == 3.5 and ten.agents >= 1
        assert rows["00:00–00:30"].rostered == 0.5 and rows["02:00–02:30"].rostered == 0
        assert rows["12:00–12:30"].arrivals == 0 and rows["12:00–12:30"].agents == 0
        assert staffing.measured_aht(p, [world.north.pk]) == 150
        assert staffing.measured_aht(p, [world.south.pk]) is None
        both = by_slot(
            staffing.table(staffing.Params(start=MON1, end=MON2, weekday=0, source="both"), [world.north.pk])
        )
        assert both["10:00–10:30"].arrivals == 13.5  # 3.5 calls + 10 e-mails (the phone contact not again)
        every = by_slot(staffing.table(staffing.Params(start=MON1, end=MON2, weekday=None), None))
        assert every["09:00–09:30"].arrivals == round((100 + 100 + 50 + 30) / 8, 2)


def test_staffing_page_for_supervisors_only(world, traffic) -> None:  # type: ignore[no-untyped-def]
    url = "/knowledge/staffing/?start=2026-11-02&end=2026-11-15&weekday=0&aht=180&level=80&seconds=20&shrinkage=30"
    body = client_for(world.supervisor).get(url).content.decode()
    assert 'data-slot="09:00–09:30"' in body
    row = body[body.index('data-slot="09:00–09:30"') :].split("</tr>")[0]
    assert [c.split(">")[-1] for c in row.split("</td>")[:-1]][1:] == [
        "100.0",
        "10.0",
        "14",
        "20",
        "4.0",
        "-16.0",
    ]
    assert 'data-testid="staffing-short"' in body
    assert "Measured talk time of the answered calls in this period: 150 s" in body
    assert client_for(world.agent).get(url).status_code == 404
    body = client_for(world.supervisor).get(url.replace("shrinkage=30", "shrinkage=95")).content.decode()
    assert "staffing-row" not in body and "error" in body


def test_top_questions_rule() -> None:
    facts = [
        rules.OrderFact("宽带无法上网"),
        rules.OrderFact("宽带无法上网！"),
        rules.OrderFact("宽带 无法上网了"),
        rules.OrderFact("燃气费怎么交"),
        rules.OrderFact("燃气费怎么交？"),
        rules.OrderFact("安装申请", 7, "燃气开通"),
        rules.OrderFact("我要开通燃气", 7, "燃气开通"),
        rules.OrderFact("开户", 7, "燃气开通"),
        rules.OrderFact("表坏了"),
        rules.OrderFact("12345"),  # no letters: not a question
    ]
    ranked = rules.top_questions(facts)
    assert [(q.label, q.count) for q in ranked] == [
        ("宽带无法上网", 3),
        ("燃气开通", 3),
        ("燃气费怎么交", 2),
        ("表坏了", 1),
    ]
    assert ranked[1].service_id == 7 and ranked[1].key == "service:7"
    assert rules.top_questions(facts, limit=1)[0].label == "宽带无法上网"


def test_questions_page_links_to_write_or_update(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    for title in ("燃气费怎么交", "燃气费怎么交？", "燃气费 怎么交", "宽带无法上网", "宽带无法上网"):
        world.order(cust, title=title, order_type="inquiry")
    world.order(cust, title="旧问题", received_at=timezone.now() - dt.timedelta(days=60))
    a = do_save_article(
        world.supervisor.user,
        ArticleInput(title="宽带无法上网怎么办？", body="请先重启光猫。", published=True),
    )
    body = client_for(world.supervisor).get("/knowledge/questions/").content.decode()
    assert body.count('data-testid="question-row"') == 2
    assert body.index("燃气费怎么交") < body.index("宽带无法上网</td>")
    assert "旧问题" not in body
    assert f'href="/knowledge/{a.pk}/edit/"' in body
    assert 'href="/knowledge/new/?title=%E7%87%83%E6%B0%94%E8%B4%B9%E6%80%8E%E4%B9%88%E4%BA%A4"' in body
    assert client_for(world.agent).get("/knowledge/questions/").status_code == 404


def test_staffing_and_questions_export(world, traffic) -> None:  # type: ignore[no-untyped-def]
    """The staffing table exports every half hour of the day with the page's parameters; the most-asked
    questions export with their rank, count, examples and article."""
    sup = client_for(world.supervisor)
    params = {"start": "2026-11-02", "end": "2026-11-15", "weekday": "0", "aht": "180", "level": "80",
              "seconds": "20", "shrinkage": "30"}  # fmt: skip
    assert 'id="staffing-export-csv"' in sup.get("/knowledge/staffing/", params).content.decode()
    table = csv_rows(sup, "/knowledge/staffing/", **params)
    assert table[0][:4] == ["Half hour", "Arrivals (average)", "Erlangs", "Agents needed"]
    assert len(table) == 1 + 48
    nine = next(r for r in table if r[0] == "09:00–09:30")
    assert (
        nine[1:4] == ["100.0", "10.0", "14"] and float(nine[4]) >= 80 and nine[5:] == ["20", "4.0", "-16.0"]
    )
    ((_title, sheet),) = xlsx_sheets(sup, "/knowledge/staffing/", **params).items()
    assert next(r for r in sheet if r[0] == "09:00–09:30")[3] == 14

    cust = world.customer(phone="13700137001")
    for title in ("燃气费怎么交", "燃气费怎么交？", "宽带无法上网"):
        world.order(cust, title=title, order_type="inquiry")
    asked = csv_rows(sup, "/knowledge/questions/")
    assert asked[0] == ["#", "Question", "Orders", "Examples", "Article"]
    assert asked[1][:3] == ["1", "燃气费怎么交", "2"] and asked[2][1:3] == ["宽带无法上网", "1"]
    assert 'id="questions-export-xlsx"' in sup.get("/knowledge/questions/").content.decode()
