"""A little demo data for inspections and training (called by kefu.demo.load_demo, inside its transaction).

Through the actions, as real users: inspections by the inspector and the north supervisor (one mystery
shopping still unpublished), corrective actions (one done, one overdue), a branch plan and a company plan,
a required course for agents and technicians with an exam that one agent passed.
"""

from __future__ import annotations

import datetime as dt
import importlib

from kefu.inspections import actions, defaults, training
from kefu.inspections.models import Choice, Course, Exam, HandbookPage, Question, ScoreItem, ScoreSheet
from kefu.lib import clock
from kefu.organization.models import Outlet, Staff

EXAM = [
    (
        "客户来电，接听时第一句应该说什么？",
        ["喂，什么事？", "您好，XX客服，工号1234，很高兴为您服务。", "说吧。"],
        1,
    ),
    ("客户缺少办理材料时应当怎样告知？", ["一次告知所需的全部材料", "每次来补一样", "让客户自己去网上查"], 0),
    (
        "客户的问题需要其他部门处理时，首问负责人应当：",
        ["让客户自己去找该部门", "亲自转交并跟进到解决", "告诉客户不归我管"],
        1,
    ),
    ("以下哪一句是服务忌语？", ["请稍候，我马上给您办理", "对不起，让您久等了", "你去投诉好了"], 2),
    ("客户情绪激动时，首先应该：", ["先安抚情绪，再处理问题", "立即挂断电话", "和客户争辩"], 0),
]


def ensure_default_sheets() -> None:
    """The score sheets and handbook pages of migration 0002, should they have been deleted."""
    if ScoreSheet.objects.exists() and HandbookPage.objects.exists():
        return
    seed = importlib.import_module("kefu.inspections.migrations.0002_default_sheets").seed

    class _Apps:
        @staticmethod
        def get_model(app: str, name: str) -> type:
            return {"ScoreSheet": ScoreSheet, "ScoreItem": ScoreItem, "HandbookPage": HandbookPage}[name]

    seed(_Apps, None)
    defaults.translate_defaults(ScoreSheet, ScoreItem)
    defaults.translate_handbook(HandbookPage)


def load(say: object = None) -> dict[str, int]:
    ensure_default_sheets()
    staff = {s.user.username: s for s in Staff.objects.select_related("user")}
    inspector, sup = staff["inspector1"].user, staff["sup_north"].user
    today = clock.localdate()
    counter = ScoreSheet.objects.filter(name="营业厅柜台服务检查表").first() or ScoreSheet.objects.first()
    phone = ScoreSheet.objects.filter(name="热线电话服务检查表").first() or counter
    assert counter is not None and phone is not None

    def scores(sheet: ScoreSheet, minus: int) -> dict[int, int]:
        items = list(ScoreItem.objects.filter(sheet=sheet).order_by("position", "id"))
        return {i.pk: max(i.max_points - (minus if n % 3 == 0 else 0), 0) for n, i in enumerate(items)}

    made = []
    outlet = Outlet.objects.filter(branch__code="north").first()
    plans = [
        (
            inspector,
            "spot",
            counter,
            {"staff_id": staff["agent3"].pk},
            12,
            2,
            "未佩戴工号牌；便民设施缺老花镜。",
        ),
        (sup, "self", phone, {"staff_id": staff["agent1"].pk}, 5, 1, "结束语不规范。"),
        (
            inspector,
            "mystery",
            counter,
            {"staff_id": staff["agent5"].pk},
            20,
            3,
            "暗访：等候10分钟无人接待。",
        ),
        (sup, "spot", phone, {"staff_id": staff["agent2"].pk}, 3, 0, ""),
    ]
    if outlet is not None:
        plans.append((inspector, "spot", counter, {"outlet_id": outlet.pk}, 8, 1, "公示栏收费标准过期。"))
    for user, kind, sheet, subject, days, minus, findings in plans:
        made.append(
            actions.do_create_inspection(
                user,
                actions.InspectionInput(
                    kind=kind,
                    sheet_id=sheet.pk,
                    inspected_on=today - dt.timedelta(days=days),
                    scores=scores(sheet, minus),
                    findings=findings,
                    staff_id=subject.get("staff_id"),
                    outlet_id=subject.get("outlet_id"),
                ),
            )
        )
    late = actions.do_add_corrective_action(
        inspector,
        made[0].pk,
        description="上岗必须佩戴工号牌，班长每日检查。",
        owner_id=staff["agent3"].pk,
        due_on=today - dt.timedelta(days=2),
    )
    done = actions.do_add_corrective_action(
        sup,
        made[1].pk,
        description="复习标准结束语。",
        owner_id=staff["agent1"].pk,
        due_on=today + dt.timedelta(days=5),
    )
    actions.do_complete_action(staff["agent1"].user, done.pk, note="已复习并在班前会演练。")
    actions.flag_overdue_actions()
    first = today.replace(day=1)
    actions.do_create_plan(
        sup,
        name="城北分公司月度抽查",
        scope="branch",
        branch_id=None,
        kind="spot",
        starts_on=first,
        ends_on=(first + dt.timedelta(days=62)).replace(day=1) - dt.timedelta(days=1),
        per_month=4,
    )
    actions.do_create_plan(
        inspector,
        name="全公司暗访",
        scope="company",
        branch_id=None,
        kind="mystery",
        starts_on=first,
        ends_on=(first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1),
        per_month=2,
    )
    course = Course.objects.create(
        title="新员工入职培训",
        description="服务规范、首问负责制、服务用语和忌语。",
        audience=["agent", "technician"],
        required_for_new=True,
    )
    Course.objects.create(title="营业厅柜台服务", audience=["agent"], description="柜台礼仪与业务办理。")
    exam = Exam.objects.create(course=course, title="新员工服务规范考试", pass_mark=80)
    right: dict[int, int] = {}
    for pos, (text, options, correct) in enumerate(EXAM, start=1):
        q = Question.objects.create(exam=exam, text=text, position=pos)
        for n, option in enumerate(options):
            c = Choice.objects.create(question=q, text=option, correct=n == correct, position=n + 1)
            if n == correct:
                right[q.pk] = c.pk
    for username in ("agent1", "agent2", "agent4", "tech1", "tech3", "tech4"):
        training.do_submit_exam(staff[username].user, exam.pk, dict(right))
    training.do_record_training(sup, staff["tech2"].pk, course.pk)
    # agent3 and agent5 (counter staff) tried once and failed: they stay untrained
    wrong = dict.fromkeys(list(right)[:2], None)
    for username in ("agent3", "agent5"):
        training.do_submit_exam(staff[username].user, exam.pk, {**right, **wrong})
    return {"inspections": len(made), "overdue": int(late.pk is not None)}
