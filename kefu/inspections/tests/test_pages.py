"""Console pages of inspections and training: who sees what, the score-sheet form, corrective actions,
plans, the exam page, the training overview and banner, flat query counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kefu.inspections import actions, training
from kefu.inspections.actions import InspectionInput
from kefu.inspections.models import (
    Choice,
    CorrectiveAction,
    Course,
    Exam,
    ExamAttempt,
    Inspection,
    Question,
    ScoreItem,
    ScoreSheet,
)
from kefu.testing.exports import csv_rows, xlsx_sheets
from kefu.testing.factories import make_staff

pytestmark = pytest.mark.django_db
LIST = "/inspections/"


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


@pytest.fixture
def sheet(db: Any) -> ScoreSheet:
    s = ScoreSheet.objects.create(name="柜台测试表")
    ScoreItem.objects.create(sheet=s, category="quality", text="办理准确", max_points=10, position=2)
    ScoreItem.objects.create(sheet=s, category="language", text="文明用语", max_points=5, position=1)
    ScoreSheet.objects.filter(pk=s.pk).update(translations={"en": {"name": "Counter test sheet"}})
    return s


def inspect(world: Any, sheet: ScoreSheet, staff: Any = None, **kw: Any) -> Inspection:
    items = list(sheet.items.values_list("pk", flat=True))
    data: dict[str, Any] = {
        "kind": "spot",
        "sheet_id": sheet.pk,
        "inspected_on": timezone.localdate(),
        "scores": dict.fromkeys(items, 4),
        "staff_id": (staff or world.agent).pk,
    }
    data.update(kw)
    return actions.do_create_inspection(world.inspector.user, InspectionInput(**data))


def rows(resp: Any) -> list[int]:
    return [int(x) for x in re.findall(r'<tr id="inspection-(\d+)"', resp.content.decode())]


def test_url_names() -> None:
    assert reverse("console:inspection_list") == LIST
    assert reverse("console:inspection_detail", args=[3]) == "/inspections/3/"
    assert reverse("console:training_exam", args=[3]) == "/inspections/exams/3/"


def test_fill_the_score_sheet(world: Any, sheet: ScoreSheet) -> None:
    c = client_for(world.supervisor)
    page = c.get("/inspections/new/", {"sheet": sheet.pk})
    body = page.content.decode()
    assert page.status_code == 200 and "文明用语" in body and "办理准确" in body
    assert body.index("文明用语") < body.index("办理准确")  # language before quality
    assert "Counter test sheet" in body  # the English name on an English page
    lang, qual = ScoreItem.objects.get(text="文明用语"), ScoreItem.objects.get(text="办理准确")
    post = {
        "sheet": sheet.pk,
        "kind": "spot",
        "inspected_on": timezone.localdate().isoformat(),
        "staff": world.agent.pk,
        f"score_{lang.pk}": "6",  # above the maximum of 5
        f"score_{qual.pk}": "9",
        "findings": "未一次告知材料",
    }
    bad = c.post("/inspections/new/", post)
    assert bad.status_code == 400 and not Inspection.objects.exists()
    assert f'data-testid="error-insp-score_{lang.pk}"' in bad.content.decode()
    other = c.post("/inspections/new/", {**post, f"score_{lang.pk}": "5", "staff": world.agent_south.pk})
    assert other.status_code == 400  # the south agent is not offered to a north supervisor
    both = c.post(
        "/inspections/new/", {**post, f"score_{lang.pk}": "5", "order_number": "GD-20260101-000001"}
    )
    assert both.status_code == 400 and "exactly one subject" in both.content.decode()
    ok = c.post("/inspections/new/", {**post, f"score_{lang.pk}": "5"})
    insp = Inspection.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/inspections/{insp.pk}/"
    assert (insp.points, insp.max_points, str(insp.percentage)) == (14, 15, "93.3")
    detail = c.get(ok["Location"]).content.decode()
    assert "14/15 (93.3%)" in detail and "未一次告知材料" in detail


def test_who_sees_the_pages(world: Any, sheet: ScoreSheet) -> None:
    mine = inspect(world, sheet)
    south = inspect(world, sheet, staff=world.agent_south)
    assert rows(client_for(world.agent).get(LIST)) == [mine.pk]
    assert rows(client_for(world.agent_senior).get(LIST)) == []
    assert rows(client_for(world.supervisor).get(LIST)) == [mine.pk]
    assert set(rows(client_for(world.inspector).get(LIST))) == {mine.pk, south.pk}
    assert client_for(world.agent).get("/inspections/new/").status_code == 404
    assert client_for(world.agent).get("/inspections/plans/").status_code == 404
    assert client_for(world.agent).get("/inspections/training/").status_code == 404
    assert client_for(world.supervisor).get(f"/inspections/{south.pk}/").status_code == 404
    assert client_for(world.agent).get(f"/inspections/{mine.pk}/").status_code == 200
    assert Client().get(LIST).status_code == 302
    nav = client_for(world.agent).get(LIST).content.decode()
    assert (
        'id="nav-inspections"' in nav and 'aria-current="page"' in nav.split('id="nav-inspections"')[1][:120]
    )


def test_mystery_shopping_hidden_on_the_pages_until_published(world: Any, sheet: ScoreSheet) -> None:
    insp = inspect(world, sheet, kind="mystery")
    agent = client_for(world.agent)
    assert rows(agent.get(LIST)) == [] and agent.get(f"/inspections/{insp.pk}/").status_code == 404
    assert agent.post(f"/inspections/{insp.pk}/publish/").status_code == 404
    sup = client_for(world.supervisor)
    assert rows(sup.get(LIST, {"state": "unpublished"})) == [insp.pk]
    assert sup.post(f"/inspections/{insp.pk}/publish/").status_code == 302
    assert rows(agent.get(LIST)) == [insp.pk]


def test_corrective_action_through_the_pages(world: Any, sheet: ScoreSheet) -> None:
    insp = inspect(world, sheet)
    sup = client_for(world.supervisor)
    url = f"/inspections/{insp.pk}/actions/"
    bad = sup.post(url, {"description": "", "owner": world.agent.pk, "due_on": "2026-12-01"})
    assert bad.status_code == 400
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    assert (
        sup.post(url, {"description": "重新培训服务用语", "owner": world.agent.pk, "due_on": due}).status_code
        == 302
    )
    act = CorrectiveAction.objects.get()
    assert (
        client_for(world.agent)
        .post(url, {"description": "x", "owner": world.agent.pk, "due_on": due})
        .status_code
        == 404
    )
    page = client_for(world.agent).get(f"/inspections/{insp.pk}/").content.decode()
    assert f'id="action-done-{act.pk}"' in page
    assert f'id="action-done-{act.pk}"' not in sup.get(f"/inspections/{insp.pk}/").content.decode()
    assert sup.post(f"/inspections/actions/{act.pk}/done/").status_code == 404
    assert rows(sup.get(LIST, {"state": "open"})) == [insp.pk]
    r = client_for(world.agent).post(f"/inspections/actions/{act.pk}/done/", {"note": "已完成培训"})
    assert r.status_code == 302
    act.refresh_from_db()
    assert (act.status, act.done_note) == ("done", "已完成培训")
    assert rows(sup.get(LIST, {"state": "open"})) == []
    assert rows(sup.get(LIST, {"state": "closed"})) == [insp.pk]


def test_list_filters_and_query_count_is_flat(world: Any, sheet: ScoreSheet) -> None:
    c = client_for(world.inspector)
    inspect(world, sheet)
    c.get(LIST)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(30):
        insp = inspect(
            world,
            sheet,
            staff=world.agent_south if i % 2 else world.agent,
            kind="mystery" if i % 3 else "spot",
        )
        actions.do_add_corrective_action(
            world.inspector.user,
            insp.pk,
            description="整改",
            owner_id=(world.agent_south if i % 2 else world.agent).pk,
            due_on=timezone.localdate(),
        )
    assert count() == small
    resp = c.get(LIST)
    assert len(rows(resp)) == 25 and 'id="page-next"' in resp.content.decode()
    assert len(rows(c.get(LIST, {"kind": "spot"}))) == 11


def test_plans_page(world: Any, sheet: ScoreSheet) -> None:
    inspect(world, sheet)
    sup = client_for(world.supervisor)
    today = timezone.localdate()
    r = sup.post(
        "/inspections/plans/",
        {
            "name": "本月抽查",
            "scope": "branch",
            "kind": "spot",
            "starts_on": today.replace(day=1).isoformat(),
            "ends_on": today.isoformat(),
            "per_month": "4",
        },
    )
    assert r.status_code == 302
    page = sup.get("/inspections/plans/").content.decode()
    assert "本月抽查" in page and "1/4 (25.0%)" in page
    assert (
        sup.post("/inspections/plans/", {"name": "x", "scope": "company", "kind": "spot"}).status_code == 400
    )


@pytest.fixture
def exam(db: Any) -> Exam:
    course = Course.objects.create(title="新员工必修", audience=["agent"], required_for_new=True)
    exam = Exam.objects.create(course=course, title="服务规范考试", pass_mark=50)
    for i, (right, wrong) in enumerate([("您好", "喂"), ("首问负责", "去问别人")]):
        q = Question.objects.create(exam=exam, text=f"第{i + 1}题", position=i)
        Choice.objects.create(question=q, text=wrong, position=1)
        Choice.objects.create(question=q, text=right, correct=True, position=2)
    return exam


def test_exam_page_and_banner_clears(world: Any, exam: Exam) -> None:
    c = client_for(world.agent)
    home = c.get("/orders/").content.decode()
    assert 'id="training-banner"' in home and "新员工必修" in home
    assert 'id="training-banner"' not in client_for(world.supervisor).get("/orders/").content.decode()
    page = c.get(f"/inspections/exams/{exam.pk}/")
    assert page.status_code == 200 and "第1题" in page.content.decode()
    qs = list(exam.questions.order_by("position"))
    right = {q.pk: q.choices.get(correct=True).pk for q in qs}
    wrong = {q.pk: q.choices.get(correct=False).pk for q in qs}
    r = c.post(f"/inspections/exams/{exam.pk}/", {f"q{qs[0].pk}": wrong[qs[0].pk], f"q{qs[1].pk}": "x"})
    assert 'data-passed="no"' in r.content.decode()
    assert 'id="training-banner"' in c.get("/orders/").content.decode()
    r = c.post(
        f"/inspections/exams/{exam.pk}/", {f"q{qs[0].pk}": right[qs[0].pk], f"q{qs[1].pk}": wrong[qs[1].pk]}
    )
    assert 'data-passed="yes"' in r.content.decode() and "50.0%" in r.content.decode()
    assert ExamAttempt.objects.filter(staff=world.agent).count() == 2
    assert 'id="training-banner"' not in c.get("/orders/").content.decode()
    assert client_for(world.followup).get(f"/inspections/exams/{exam.pk}/").status_code == 404


def test_training_overview_scoped(world: Any, exam: Exam) -> None:
    sup = client_for(world.supervisor)
    page = sup.get("/inspections/training/").content.decode()
    assert f'id="trainee-{world.agent.pk}" data-testid="trainee-row" data-untrained="yes"' in page
    assert f'id="trainee-{world.agent_south.pk}"' not in page
    assert f'id="trainee-{world.technician.pk}" data-testid="trainee-row" data-untrained="no"' in page
    r = sup.post("/inspections/training/", {"staff": world.agent.pk, "course": exam.course_id})
    assert r.status_code == 302
    page = sup.get("/inspections/training/", {"only": "untrained"}).content.decode()
    assert f'id="trainee-{world.agent.pk}"' not in page and f'id="trainee-{world.agent_senior.pk}"' in page
    assert (
        sup.post(
            "/inspections/training/", {"staff": world.agent_south.pk, "course": exam.course_id}
        ).status_code
        == 404
    )
    assert (
        f'id="trainee-{world.agent_south.pk}"'
        in client_for(world.inspector).get("/inspections/training/").content.decode()
    )


def test_handbook_and_courses(world: Any, exam: Exam) -> None:
    c = client_for(world.agent)
    hb = c.get("/inspections/handbook/").content.decode()
    # seeded by migration 0002, translated by 0005: the English page in English, the Chinese one in Chinese
    assert "First-contact responsibility" in hb and "首问负责制" not in hb
    assert "Telling the customer to “ask someone else”" in hb and "让客户“去问别人”" not in hb
    zh = client_for(world.agent)
    zh.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "首问负责制" in zh.get("/inspections/handbook/").content.decode()
    courses = c.get("/inspections/courses/").content.decode()
    assert "新员工必修" in courses and f"/inspections/exams/{exam.pk}/" in courses
    assert "新员工必修" not in client_for(world.technician).get("/inspections/courses/").content.decode()


def test_overview_and_plans_query_counts_are_flat(world: Any, exam: Exam, sheet: ScoreSheet) -> None:
    sup = client_for(world.supervisor)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert sup.get(url).status_code == 200
        return len(ctx.captured_queries)

    today = timezone.localdate()

    def plan(n: int) -> None:
        actions.do_create_plan(
            world.supervisor.user,
            name=f"计划{n}",
            scope="branch",
            branch_id=None,
            kind="spot",
            starts_on=today.replace(day=1),
            ends_on=today,
            per_month=2,
        )

    plan(0)
    inspect(world, sheet)
    sup.get("/inspections/training/")
    small_overview, small_plans = count("/inspections/training/"), count("/inspections/plans/")
    for i in range(12):
        s = make_staff(f"new{i}", "agent", world.north, name=f"新人{i}")
        if i % 2:
            training.do_record_training(world.supervisor.user, s.pk, exam.course_id)
        plan(i + 1)
        inspect(world, sheet)
    assert count("/inspections/training/") == small_overview
    assert count("/inspections/plans/") == small_plans
    page = sup.get("/inspections/plans/").content.decode()
    assert page.count('data-testid="plan-row"') == 13 and "13/2 (650.0%)" in page


def test_inspection_and_training_exports(world: Any, sheet: ScoreSheet, exam: Exam) -> None:
    """The inspection list exports with its filters and scope (mystery shopping hidden from the inspected
    until published); XLSX adds every item's score and the corrective actions. The training overview exports
    who is untrained and what is missing."""
    day = dt.date(2026, 3, 2)
    points = {sheet.items.get(text="办理准确").pk: 9, sheet.items.get(text="文明用语").pk: 3}
    insp = inspect(world, sheet, inspected_on=day, scores=points)
    inspect(world, sheet, staff=world.agent_senior, kind="mystery", inspected_on=day)
    due = timezone.localdate() + dt.timedelta(days=7)
    actions.do_add_corrective_action(
        world.supervisor.user, insp.pk, description="=1+1 重新培训", owner_id=world.agent.pk, due_on=due
    )
    sup = client_for(world.supervisor)
    assert 'id="inspection-export-csv"' in sup.get(LIST).content.decode()
    table = csv_rows(sup, LIST, kind="spot")
    assert table[0][:4] == ["Date", "Kind", "Score sheet", "Subject"]
    assert len(table) == 2
    assert table[1][0] == "2026-03-02" and table[1][3] == "李客服" and table[1][6:9] == ["12", "15", "80.0"]
    assert table[1][12:14] == ["1", "0"]  # one open corrective action, not overdue yet
    assert len(csv_rows(sup, LIST)) == 3  # the supervisor sees the unpublished mystery shopping too
    assert [r[3] for r in csv_rows(client_for(world.agent_senior), LIST)[1:]] == []  # hidden until published
    sheets = xlsx_sheets(sup, LIST, kind="spot")
    assert list(sheets) == ["Inspections", "Scores", "Corrective actions"]
    scores = {r[3]: r[4:6] for r in sheets["Scores"][1:]}
    assert scores == {"办理准确": [9, 10], "文明用语": [3, 5]}
    assert sheets["Corrective actions"][1][2:5] == [
        "'=1+1 重新培训",
        "李客服",
        dt.datetime.combine(due, dt.time()),
    ]

    training_url = "/inspections/training/"
    assert 'id="training-export-xlsx"' in sup.get(training_url).content.decode()
    training.do_record_training(world.supervisor.user, world.agent.pk, exam.course_id)
    people = {r[0]: r for r in csv_rows(sup, training_url)[1:]}
    assert people["李客服"][4:6] == ["trained", ""] and people["赵客服"][4:6] == ["untrained", "新员工必修"]
    assert "钱客服" not in people  # another branch
    untrained = csv_rows(sup, training_url, only="untrained")
    assert "李客服" not in {r[0] for r in untrained[1:]}
    records = xlsx_sheets(sup, training_url)["Training records"]
    assert [r[0] for r in records[1:]] == ["李客服"] and records[1][2] == "新员工必修"
