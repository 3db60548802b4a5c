"""Training over the database: exam attempts scored and recorded, the untrained flag clearing when the
required exam is passed, the supervisors' overview scoped by branch, classroom records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.inspections import training
from kefu.inspections.models import Choice, Course, Exam, ExamAttempt, Question, TrainingRecord
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def make_exam(course: Course, n: int = 4, pass_mark: int = 75) -> tuple[Exam, dict[int, int], dict[int, int]]:
    """An exam of ``n`` questions; returns it, question → right choice, question → a wrong choice."""
    exam = Exam.objects.create(course=course, title=f"{course.title}考试", pass_mark=pass_mark)
    right, wrong = {}, {}
    for i in range(n):
        q = Question.objects.create(exam=exam, text=f"问题{i}", position=i)
        right[q.pk] = Choice.objects.create(question=q, text="对", correct=True, position=1).pk
        wrong[q.pk] = Choice.objects.create(question=q, text="错", position=2).pk
    return exam, right, wrong


@pytest.fixture
def course(db: Any) -> Course:
    return Course.objects.create(
        title="新员工服务规范", audience=["agent", "technician"], required_for_new=True
    )


def test_exam_attempts_scored_and_untrained_flag_clears(world: Any, course: Course) -> None:
    exam, right, wrong = make_exam(course)
    optional = Course.objects.create(title="选修：沟通技巧", audience=[], required_for_new=False)
    assert [c.pk for c in training.missing_for(world.agent)] == [course.pk]
    assert training.missing_for(world.supervisor) == []  # not in the audience
    q = list(right)
    # 2 of 4 = 50% < 75%: not passed, still untrained
    first = training.do_submit_exam(
        world.agent.user, exam.pk, {q[0]: right[q[0]], q[1]: right[q[1]], q[2]: wrong[q[2]]}
    )
    assert (first.correct, first.questions, first.score, first.passed) == (2, 4, Decimal("50.0"), False)
    assert [c.pk for c in training.missing_for(world.agent)] == [course.pk]
    rec = TrainingRecord.objects.get(staff=world.agent, course=course)
    assert (rec.passed, rec.exam_score, rec.completed_at) == (False, Decimal("50.0"), None)
    # 3 of 4 = 75%: passed exactly at the mark
    second = training.do_submit_exam(world.agent.user, exam.pk, {**right, q[3]: wrong[q[3]]})
    assert (second.score, second.passed) == (Decimal("75.0"), True)
    assert training.missing_for(world.agent) == []
    # a worse later try keeps the record passed with the best score
    training.do_submit_exam(world.agent.user, exam.pk, {})
    rec.refresh_from_db()
    assert (rec.passed, rec.exam_score) == (True, Decimal("75.0")) and rec.completed_at is not None
    assert ExamAttempt.objects.filter(staff=world.agent).count() == 3
    assert AuditRecord.objects.filter(action="training.exam").count() == 3
    assert optional not in training.missing_for(world.agent)


def test_answers_of_other_questions_do_not_count(world: Any, course: Course) -> None:
    exam, right, _wrong = make_exam(course, n=2, pass_mark=50)
    _other, other_right, _ = make_exam(Course.objects.create(title="其他"), n=2)
    first_q = next(iter(right))
    # a choice id of another exam's question given for this question is ignored (unanswered)
    att = training.do_submit_exam(
        world.agent.user, exam.pk, {first_q: next(iter(other_right.values())), 999: 1}
    )
    assert (att.correct, att.passed, att.answers) == (0, False, {})


def test_exam_for_another_role_or_inactive_is_not_found(world: Any, course: Course) -> None:
    exam, right, _ = make_exam(course)
    with pytest.raises(NotFound):
        training.do_submit_exam(world.followup.user, exam.pk, right)  # not in the audience
    Exam.objects.filter(pk=exam.pk).update(active=False)
    with pytest.raises(NotFound):
        training.do_submit_exam(world.agent.user, exam.pk, right)
    empty = Exam.objects.create(course=course, title="空")
    with pytest.raises(ValidationFailed):
        training.do_submit_exam(world.agent.user, empty.pk, {})


def test_overview_is_branch_scoped_and_flags_untrained(world: Any, course: Course) -> None:
    exam, right, _ = make_exam(course)
    training.do_submit_exam(world.agent.user, exam.pk, right)
    rows = {r.staff.pk: r for r in training.overview(world.supervisor)}
    assert world.agent_south.pk not in rows
    assert rows[world.agent.pk].untrained is False
    assert rows[world.agent_senior.pk].untrained is True and rows[world.technician.pk].untrained is True
    assert rows[world.followup.pk].untrained is False  # no required course for follow-up staff
    assert world.agent_south.pk in {r.staff.pk for r in training.overview(world.inspector)}


def test_supervisor_records_classroom_training(world: Any, course: Course) -> None:
    with pytest.raises(PermissionDenied):
        training.do_record_training(world.agent.user, world.agent_senior.pk, course.pk)
    with pytest.raises(NotFound):
        training.do_record_training(world.supervisor.user, world.agent_south.pk, course.pk)
    rec = training.do_record_training(world.supervisor.user, world.agent_senior.pk, course.pk)
    assert rec.passed and training.missing_for(world.agent_senior) == []
    assert AuditRecord.objects.filter(action="training.record").count() == 1
