"""The portal survey page: token-based, one answer per invitation, field-named errors, closed pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.lib.errors import ValidationFailed
from kefu.surveys import actions
from kefu.surveys.models import Answer, Invitation, Question, Response, Survey, SurveyRule
from kefu.testing.factories import World, make_portal_customer
from kefu.testing.threads import together
from kefu.workorders.actions import do_transition

pytestmark = pytest.mark.django_db


def invited(world: World, survey_code: str = "csat", **customer: Any) -> Invitation:
    if survey_code != "csat":
        SurveyRule.objects.update(survey=Survey.objects.get(code=survey_code))
    c = world.customer(**customer)
    o = world.order(c)
    do_transition(world.agent.user, o.pk, "in_progress")
    do_transition(world.agent.user, o.pk, "resolved", resolution="已修复")
    return Invitation.objects.get(workorder=o)


def url(inv: Invitation) -> str:
    return f"/portal/surveys/{inv.token}/"


def q(inv: Invitation, kind: str) -> Question:
    return inv.survey.questions.get(kind=kind)


def test_answer_csat_once(world: World) -> None:
    inv = invited(world)
    client = Client(enforce_csrf_checks=True)
    page = client.get(url(inv), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Overall, how satisfied" in html and inv.workorder.number in html
    assert 'name="csrfmiddlewaretoken"' in html
    token = page.cookies["csrftoken"].value
    data = {"csrfmiddlewaretoken": token, f"q{q(inv, 'csat').pk}": "5", f"q{q(inv, 'text').pk}": "师傅很专业"}
    done = client.post(url(inv), data, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    r = Response.objects.get(invitation=inv)
    assert r.csat == 5 and r.comment == "师傅很专业"
    assert Answer.objects.filter(response=r).count() == 2
    inv.refresh_from_db()
    assert inv.answered_at is not None
    assert AuditRecord.objects.filter(action="survey.response", workorder_id=inv.workorder_id).count() == 1
    again = client.post(url(inv), {**data, f"q{q(inv, 'csat').pk}": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 410
    assert "already been answered" in again.content.decode()
    assert Response.objects.filter(invitation=inv).count() == 1
    assert Response.objects.get(invitation=inv).csat == 5


def test_post_without_csrf_is_refused(world: World) -> None:
    inv = invited(world)
    client = Client(enforce_csrf_checks=True)
    resp = client.post(url(inv), {f"q{q(inv, 'csat').pk}": "4"})
    assert resp.status_code == 403
    assert not Response.objects.exists()


def test_missing_answer_names_the_field_in_chinese(world: World) -> None:
    inv = invited(world)
    qid = q(inv, "csat").pk
    resp = Client().post(url(inv), {}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert resp.status_code == 400
    html = resp.content.decode()
    assert f'id="q{qid}-errors"' in html
    assert f'href="#q{qid}"' in html  # the summary links to the question
    assert "您对这次服务的总体满意程度" in html
    assert not Response.objects.exists()


def test_out_of_range_score_is_refused(world: World) -> None:
    inv = invited(world)
    resp = Client().post(url(inv), {f"q{q(inv, 'csat').pk}": "9"})
    assert resp.status_code == 400
    assert f'id="q{q(inv, "csat").pk}-errors"' in resp.content.decode()
    assert not Response.objects.exists()


def test_expired_and_unknown_tokens(world: World) -> None:
    inv = invited(world)
    Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    resp = Client().get(url(inv), HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 410 and "expired" in resp.content.decode()
    resp = Client().post(url(inv), {f"q{q(inv, 'csat').pk}": "5"}, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 410
    assert not Response.objects.exists()
    assert Client().get("/portal/surveys/not-a-real-token/").status_code == 404


def _servqual_post(inv: Invitation, weights: dict[str, int]) -> dict[str, str]:
    data: dict[str, str] = {}
    for question in inv.survey.questions.filter(kind="servqual"):
        # expectation 7 everywhere; perception 5 on reliability, 6 elsewhere
        data[f"q{question.pk}_e"] = "7"
        data[f"q{question.pk}_p"] = "5" if question.dimension == "reliability" else "6"
    for dim, pts in weights.items():
        data[f"w_{dim}"] = str(pts)
    return data


def test_servqual_answer_stores_gaps_and_weighted_score(world: World) -> None:
    inv = invited(world, "servqual")
    form = Client().get(url(inv), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert form.count('type="radio"') == 22 * 2 * 7
    assert 'name="w_reliability" value="20"' in form  # 100 points shared equally to start with
    weights = {"tangibles": 10, "reliability": 40, "responsiveness": 20, "assurance": 15, "empathy": 15}
    resp = Client().post(url(inv), _servqual_post(inv, weights), HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200, resp.content.decode()[:2000]
    r = Response.objects.get(invitation=inv)
    assert r.gap_reliability == pytest.approx(-2.0)
    assert r.gap_tangibles == pytest.approx(-1.0)
    assert r.gap_empathy == pytest.approx(-1.0)
    assert r.servqual_unweighted == pytest.approx((-1 - 2 - 1 - 1 - 1) / 5)
    # 0.10 × −1 + 0.40 × −2 + 0.20 × −1 + 0.15 × −1 + 0.15 × −1
    assert r.servqual_weighted == pytest.approx(-1.4)
    assert r.weights == weights


def test_servqual_weights_must_total_100_and_items_are_required(world: World) -> None:
    inv = invited(world, "servqual")
    data = _servqual_post(
        inv, {"tangibles": 10, "reliability": 10, "responsiveness": 10, "assurance": 10, "empathy": 10}
    )
    resp = Client().post(url(inv), data, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'id="weights-errors"' in html and "(now 50)" in html
    first = inv.survey.questions.get(item_no=7)
    del data[f"q{first.pk}_p"]
    data.update(
        {
            "w_tangibles": "20",
            "w_reliability": "20",
            "w_responsiveness": "20",
            "w_assurance": "20",
            "w_empathy": "20",
        }
    )
    resp = Client().post(url(inv), data, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 400
    assert f'id="q{first.pk}_p-errors"' in resp.content.decode()
    assert not Response.objects.exists()


def test_a_concurrent_second_answer_is_refused_by_the_database(world: World) -> None:
    """Even if the invitation row were not locked (answered_at still empty), the unique response refuses a
    second answer for the same invitation."""
    inv = invited(world)
    sub = actions.Submission(values={q(inv, "csat").pk: 4})
    actions.do_submit_response(inv.token, sub)
    Invitation.objects.filter(pk=inv.pk).update(answered_at=None)  # as seen by a racing request
    with pytest.raises(ValidationFailed) as exc:
        actions.do_submit_response(inv.token, actions.Submission(values={q(inv, "csat").pk: 1}))
    assert exc.value.code == "already_answered"
    assert Response.objects.filter(invitation=inv).count() == 1
    assert Response.objects.get(invitation=inv).csat == 4


def test_portal_home_lists_open_invitations(world: World) -> None:
    inv = invited(world)
    customer = inv.customer
    user = make_portal_customer(world, customer)
    client = Client()
    client.force_login(user)
    html = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="portal-surveys"' in html and url(inv) in html
    with transaction.atomic():
        actions.do_submit_response(inv.token, actions.Submission(values={q(inv, "csat").pk: 4}))
    html = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="portal-surveys"' not in html


@pytest.mark.django_db(transaction=True)
def test_parallel_answers_store_one(world: World) -> None:

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("parallel answers are exercised on PostgreSQL (SQLite serialises writers)")
    SurveyRule.objects.update(active=False)
    survey = Survey.objects.create(code="par", name="并发", name_en="Parallel")
    question = survey.questions.create(position=1, kind="csat", text="满意吗", text_en="Satisfied?")
    SurveyRule.objects.create(survey=survey, trigger="resolution")
    c = world.customer()
    o = world.order(c)
    do_transition(world.agent.user, o.pk, "in_progress")
    do_transition(world.agent.user, o.pk, "resolved", resolution="ok")
    inv = Invitation.objects.get(workorder=o)

    def submit(score: int) -> str:
        try:
            actions.do_submit_response(inv.token, actions.Submission(values={question.pk: score}))
        except ValidationFailed as exc:
            return exc.code
        return "stored"

    outcomes = together(submit, (1, 2, 4, 5))
    assert sorted(outcomes) == ["already_answered"] * 3 + ["stored"]
    assert Response.objects.filter(invitation=inv).count() == 1
