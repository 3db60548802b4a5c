"""The quality report: scores, service levels, filters, branch scope, access and flat query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kefu.commitments.models import OrderClock
from kefu.organization.models import Staff
from kefu.surveys import actions, reports
from kefu.surveys.models import Invitation, Survey, SurveyRule
from kefu.testing.exports import csv_rows, xlsx_sheets
from kefu.testing.factories import PASSWORD, World
from kefu.workorders.actions import do_transition
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def answered(
    world: World, *, branch: str = "north", csat: int | None = None, nps: int | None = None
) -> WorkOrder:
    """A resolved order of ``branch`` whose customer answered the NPS+CSAT survey."""
    survey = Survey.objects.get(code="nps")
    if not survey.questions.filter(kind="csat").exists():
        survey.questions.create(position=3, kind="csat", text="满意吗", text_en="Satisfied?", required=False)
    survey.questions.filter(kind="nps").update(required=False)
    SurveyRule.objects.update(survey=survey)
    b = world.north if branch == "north" else world.south
    agent = world.agent if branch == "north" else world.agent_south
    c = world.customer(branch=b)
    o = world.order(c)
    do_transition(agent.user, o.pk, "in_progress")
    do_transition(agent.user, o.pk, "resolved", resolution="已处理")
    inv = Invitation.objects.get(workorder=o)
    qs = {q.kind: q.pk for q in survey.questions.all()}
    values = {}
    if csat is not None:
        values[qs["csat"]] = csat
    if nps is not None:
        values[qs["nps"]] = nps
    with transaction.atomic():
        actions.do_submit_response(inv.token, actions.Submission(values=values))
    return o


def login(staff: Staff) -> Client:
    client = Client()
    assert client.login(username=staff.user.username, password=PASSWORD)
    return client


def test_scores_from_answers(world: World) -> None:
    # CSAT: 5, 4, 3, 2 → 2 of 4 = 50 %; NPS: 10, 9, 7, 3 → (2 − 1) / 4 = 25
    answered(world, csat=5, nps=10)
    answered(world, csat=4, nps=9)
    answered(world, csat=3, nps=7)
    answered(world, csat=2, nps=3)
    s = reports.scores(reports.Filters())
    assert s.responses == 4
    assert (s.csat_satisfied, s.csat_n, s.csat) == (2, 4, 50.0)
    assert (s.promoters, s.passives, s.detractors, s.nps) == (2, 1, 1, 25.0)
    assert s.servqual_n == 0 and s.largest_gap is None


def test_service_level_distribution(world: World) -> None:
    memorable = answered(world, csat=5, nps=10)  # resolved at once, far before the deadline
    value_added = answered(world, csat=4, nps=8)
    basic = answered(world, csat=2)
    late = answered(world, csat=5, nps=10)
    satisfying = answered(world, csat=4)
    now = timezone.now()
    OrderClock.objects.filter(workorder=late, kind="resolution").update(
        started_at=now - dt.timedelta(days=3), due_at=now - dt.timedelta(days=1)
    )
    OrderClock.objects.filter(workorder=satisfying, kind="resolution").update(
        started_at=now - dt.timedelta(hours=10), due_at=now + dt.timedelta(hours=1)
    )
    c = world.customer(name="未回答")
    unrated = world.order(c)
    do_transition(world.agent.user, unrated.pk, "in_progress")
    do_transition(world.agent.user, unrated.pk, "resolved", resolution="ok")
    dist = reports.levels(reports.Filters())
    assert dist == {"basic": 2, "satisfying": 1, "value_added": 1, "memorable": 1, "unrated": 1}
    assert {memorable.pk, value_added.pk, basic.pk}  # (named for readability)


def test_report_page_branch_scope_and_filters(world: World) -> None:
    answered(world, csat=5, nps=10)
    answered(world, csat=1, nps=0, branch="south")
    html = login(world.supervisor).get("/quality/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="quality-csat">100.0%' in html  # north only: the south answer is not counted
    assert "(1/1)" in html
    html = login(world.supervisor_south).get("/quality/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="quality-csat">0.0%' in html
    admin = login(world.admin)
    html = admin.get("/quality/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="quality-csat">50.0%' in html and 'id="quality-nps">0.0' in html
    html = admin.get(f"/quality/?branch={world.south.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="quality-csat">0.0%' in html
    html = admin.get(f"/quality/?staff={world.agent_south.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="quality-csat">0.0%' in html
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    html = admin.get(f"/quality/?date_from={tomorrow}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="quality-csat">—' in html
    # a branch supervisor cannot widen the scope to another branch (the choice is refused → own branch)
    resp = login(world.supervisor).get(f"/quality/?branch={world.south.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="quality-csat">100.0%' in resp.content.decode()


def test_largest_servqual_gap_is_highlighted(world: World) -> None:
    SurveyRule.objects.update(survey=Survey.objects.get(code="servqual"))
    c = world.customer()
    o = world.order(c)
    do_transition(world.agent.user, o.pk, "in_progress")
    do_transition(world.agent.user, o.pk, "resolved", resolution="ok")
    inv = Invitation.objects.get(workorder=o)
    pairs = {
        q.pk: (7, 4 if q.dimension == "responsiveness" else 6)
        for q in inv.survey.questions.filter(kind="servqual")
    }
    weights = {"tangibles": 20, "reliability": 20, "responsiveness": 20, "assurance": 20, "empathy": 20}
    with transaction.atomic():
        actions.do_submit_response(inv.token, actions.Submission(pairs=pairs, weights=weights))
    s = reports.scores(reports.Filters())
    assert s.largest_gap == "responsiveness"
    assert s.gaps["responsiveness"] == pytest.approx(-3.0) and s.gaps["empathy"] == pytest.approx(-1.0)
    html = login(world.inspector).get("/quality/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="gap-responsiveness" class="quality-largest"' in html
    assert 'id="gap-empathy" class' not in html
    assert 'id="quality-sq-unweighted">-1.40' in html


def test_only_supervisors_inspectors_and_admins(world: World) -> None:
    for staff in (world.agent, world.technician, world.followup):
        client = login(staff)
        assert client.get("/quality/").status_code == 404
        assert 'id="nav-quality"' not in client.get("/orders/").content.decode()
    for staff in (world.supervisor, world.inspector, world.admin):
        client = login(staff)
        page = client.get("/quality/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        assert 'id="nav-quality"' in page.content.decode()
        assert client.get("/quality/formulas/").status_code == 200
    assert Client().get("/quality/").status_code == 302  # anonymous → login


def test_query_count_stays_flat(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/quality/").status_code == 200
        return len(ctx.captured_queries)

    answered(world, csat=5, nps=10)
    count()  # the first request of the session reads a few things once
    few = count()
    for i in range(6):
        answered(world, csat=1 + i % 5, nps=i)
    assert count() == few


def test_report_export(world: World, settings: Any) -> None:
    """The report exports with the page's filters and scope: CSAT, NPS, levels and the staff rows."""
    answered(world, csat=5, nps=10)
    answered(world, csat=2, nps=3)
    answered(world, csat=1, nps=0, branch="south")
    sup = login(world.supervisor)
    sup.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert 'id="quality-export-csv"' in sup.get("/quality/").content.decode()
    table = csv_rows(sup, "/quality/")
    assert table[0] == ["Section", "Item", "Value", "Count"]
    items = {r[1]: r[2:] for r in table[1:]}
    assert items["CSAT %"] == ["50.0", "2"]  # the north's two answers: 5 and 2
    assert items["NPS"] == ["0.0", "2"]  # one promoter (10), one detractor (3)
    assert items[f"{world.agent.name} · CSAT %"] == ["50.0", "2"]
    assert not any(world.agent_south.name in k for k in items)
    sheets = xlsx_sheets(sup, "/quality/")
    assert list(sheets) == ["Service quality", "By staff member"]
    assert sheets["By staff member"][1:] == [[world.agent.name, 2, 50, 0]]
    admin = login(world.admin)
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    south = {r[1]: r[2:] for r in csv_rows(admin, "/quality/", branch=world.south.pk)[1:]}
    assert south["CSAT %"] == ["0.0", "1"]
