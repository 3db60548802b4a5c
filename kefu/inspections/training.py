"""Training use cases (R-29): the only writers of exam attempts and training records.

- ``do_submit_exam``: one attempt row per try, scored by ``rules.score_exam``; the staff member's record
  of the course keeps the best score and, once passed, stays passed.
- ``do_record_training``: a supervisor records a course completed without an exam (classroom training).
- ``missing_for`` / ``overview``: the untrained flag — a required course of the staff member's role
  without a passed record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.inspections import rules
from kefu.inspections.access import visible_staff
from kefu.inspections.models import Course, Exam, ExamAttempt, Question, TrainingRecord
from kefu.lib import clock
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Staff


def courses_for(staff: Staff) -> list[Course]:
    """Active courses whose audience includes the staff member's role (an empty audience is everyone)."""
    return [c for c in Course.objects.filter(active=True) if not c.audience or staff.role in c.audience]


def required_courses() -> list[Course]:
    return list(Course.objects.filter(active=True, required_for_new=True).order_by("title", "id"))


def _required(courses: list[Course]) -> list[rules.RequiredCourse]:
    return [rules.RequiredCourse(c.pk, frozenset(c.audience or ())) for c in courses]


def missing_for(staff: Staff) -> list[Course]:
    """The required courses the staff member has not passed (two queries)."""
    courses = required_courses()
    if not courses:
        return []
    passed = TrainingRecord.objects.filter(staff=staff, passed=True).values_list("course_id", flat=True)
    missing = set(rules.missing_courses(staff.role, _required(courses), passed))
    return [c for c in courses if c.pk in missing]


@dataclass
class OverviewRow:
    staff: Staff
    missing: list[Course]
    records: list[TrainingRecord]

    @property
    def untrained(self) -> bool:
        return bool(self.missing)


def overview(viewer: Staff, staff_qs: QuerySet[Staff] | None = None) -> list[OverviewRow]:
    """Every visible active staff member with their records and missing required courses (three queries)."""
    people = list((staff_qs if staff_qs is not None else visible_staff(viewer)).select_related("branch"))
    courses = required_courses()
    by_id = {c.pk: c for c in courses}
    records: dict[int, list[TrainingRecord]] = {}
    for r in TrainingRecord.objects.filter(staff__in=[p.pk for p in people]).select_related("course"):
        records.setdefault(r.staff_id, []).append(r)
    required = _required(courses)
    rows = []
    for p in people:
        mine = records.get(p.pk, [])
        missing = rules.missing_courses(p.role, required, [r.course_id for r in mine if r.passed])
        rows.append(OverviewRow(p, [by_id[i] for i in missing], mine))
    return rows


def access_exam(user: Actor, exam_id: int | str) -> Exam:
    """An active exam of an active course for the user's role."""
    staff = require_staff(user)
    try:
        exam = Exam.objects.select_related("course").get(pk=int(exam_id), active=True, course__active=True)
    except (ValueError, TypeError, Exam.DoesNotExist):
        raise NotFound("not_found", _("Exam not found."), "exam") from None
    if exam.course.audience and staff.role not in exam.course.audience:
        raise NotFound("not_found", _("Exam not found."), "exam")
    return exam


def exam_questions(exam: Exam) -> list[Question]:
    return list(exam.questions.prefetch_related("choices").order_by("position", "id"))


@transaction.atomic
def do_submit_exam(user: Actor, exam_id: int | str, answers: Mapping[int, int | None]) -> ExamAttempt:
    staff = require_staff(user)
    exam = access_exam(user, exam_id)
    questions = exam_questions(exam)
    if not questions:
        raise ValidationFailed("empty", _("This exam has no questions yet."), "exam")
    correct: dict[int, int] = {}
    valid: dict[int, set[int]] = {}
    for q in questions:
        valid[q.pk] = {c.pk for c in q.choices.all()}
        right = [c.pk for c in q.choices.all() if c.correct]
        correct[q.pk] = right[0] if right else -1
    given: dict[int, int | None] = {}
    for q_id, choice in answers.items():
        if q_id in valid and choice in valid[q_id]:
            given[q_id] = choice
    result = rules.score_exam(correct, given, exam.pass_mark)
    now = clock.now()
    attempt = ExamAttempt.objects.create(
        exam=exam,
        staff=staff,
        submitted_at=now,
        answers={str(k): v for k, v in given.items()},
        correct=result.correct,
        questions=result.questions,
        score=result.score,
        passed=result.passed,
    )
    record, _created = TrainingRecord.objects.select_for_update().get_or_create(
        staff=staff, course=exam.course
    )
    fields = []
    if record.exam_score is None or result.score > record.exam_score:
        record.exam_score = result.score
        fields.append("exam_score")
    if result.passed and not record.passed:
        record.passed = True
        record.completed_at = now
        fields += ["passed", "completed_at"]
    if fields:
        record.save(update_fields=fields)
    audit.record(
        user,
        "training.exam",
        attempt,
        after={"exam": exam.pk, "score": result.score, "passed": result.passed},
        summary=f"{exam.title}: {result.score}%",
    )
    return attempt


@transaction.atomic
def do_record_training(user: Actor, staff_id: int, course_id: int) -> TrainingRecord:
    """A supervisor records that a staff member of their branch completed a course (e.g. in class)."""
    viewer = require_staff(user, "training.overview")
    person = visible_staff(viewer).filter(pk=staff_id).first()
    if person is None:
        raise NotFound("not_found", _("Staff member not found."), "staff")
    course = Course.objects.filter(pk=course_id, active=True).first()
    if course is None:
        raise ValidationFailed("not_found", _("Choose a course."), "course")
    record, _created = TrainingRecord.objects.select_for_update().get_or_create(staff=person, course=course)
    if record.passed:
        return record
    record.passed = True
    record.completed_at = clock.now()
    record.save(update_fields=["passed", "completed_at"])
    audit.record(
        user, "training.record", record, after={"staff": person.pk, "course": course.pk, "passed": True}
    )
    return record
