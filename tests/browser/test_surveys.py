"""A customer answers the satisfaction survey from the link on a phone; a second answer is refused."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from kefu.channels.models import OutboxMessage
from kefu.surveys import actions as survey_actions
from kefu.surveys.models import Invitation, Response, Survey, SurveyRule
from kefu.testing.factories import PASSWORD
from kefu.workorders import actions
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def nps_csat_survey() -> Survey:
    # transactional tests may or may not see the seeded instruments (flushed after such a test): use our own
    SurveyRule.objects.update(active=False)
    s = Survey.objects.create(code="nps-csat", name="满意度与推荐调查", name_en="Satisfaction survey")
    s.questions.create(position=1, kind="csat", text="您对这次服务满意吗？", text_en="How satisfied are you?")
    s.questions.create(
        position=2, kind="nps", text="您有多大可能向朋友推荐我们？", text_en="Would you recommend us?"
    )
    s.questions.create(
        position=3, kind="text", text="还有什么想告诉我们的吗？", text_en="Anything else?", required=False
    )
    SurveyRule.objects.create(survey=s, trigger="resolution")
    return s


def test_customer_answers_on_a_phone(phone_page, world):
    page = phone_page
    survey = nps_csat_survey()
    customer = world.customer(name="张三", phone="13800138000")
    o = world.order(customer)
    actions.do_transition(world.agent.user, o.pk, "in_progress")
    actions.do_transition(world.agent.user, o.pk, "resolved", resolution="更换光猫，已恢复上网")
    inv = Invitation.objects.get(workorder=o)
    assert inv.outbox_id is not None
    sms = OutboxMessage.objects.get(pk=inv.outbox_id)
    link = sms.body[sms.body.index("/portal/surveys/") :].split()[0]
    assert link == f"/portal/surveys/{inv.token}/"

    page.goto(link)
    expect(page.locator("h1")).to_have_text("满意度与推荐调查")
    expect(page.locator("main")).to_contain_text(o.number)
    csat_q = survey.questions.get(kind="csat")
    nps_q = survey.questions.get(kind="nps")

    # sending without the NPS answer names the missing question
    page.locator(f"label[for='q{csat_q.pk}_4']").click()  # the 5th choice: 5
    page.click("#survey-submit")
    expect(page.locator(f"#q{nps_q.pk}-errors")).to_be_visible()
    expect(page.locator("#survey-errors")).to_contain_text("您有多大可能向朋友推荐我们")
    assert not Response.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    expect(page.locator(f"#q{csat_q.pk}_4")).to_be_checked()  # the first answer was kept
    page.locator(f"label[for='q{nps_q.pk}_9']").click()  # 9
    page.fill(f"#q{survey.questions.get(kind='text').pk}", "师傅很准时")
    screenshot(page, "survey-phone", for_docs=True)
    page.click("#survey-submit")
    expect(page.locator("#survey-thanks")).to_be_visible()

    r = Response.objects.get(invitation=inv)
    assert (r.csat, r.nps, r.comment) == (5, 9, "师傅很准时")

    # the same link again: already answered
    page.goto(link)
    expect(page.locator("#survey-closed")).to_have_attribute("data-state", "answered")
    assert Response.objects.filter(invitation=inv).count() == 1


def test_a_second_submission_from_another_tab_is_refused(phone_page, world):
    page = phone_page
    survey = nps_csat_survey()
    customer = world.customer(name="王五", phone="13700137000")
    o = world.order(customer)
    actions.do_transition(world.agent.user, o.pk, "in_progress")
    actions.do_transition(world.agent.user, o.pk, "resolved", resolution="已处理")
    inv = Invitation.objects.get(workorder=o)
    link = f"/portal/surveys/{inv.token}/"
    csat_q = survey.questions.get(kind="csat")
    nps_q = survey.questions.get(kind="nps")
    other = page.context.new_page()
    page.goto(link)
    other.goto(link)  # both tabs show the open form
    for tab, csat_i, nps_i in ((page, 4, 10), (other, 0, 0)):
        tab.locator(f"label[for='q{csat_q.pk}_{csat_i}']").click()
        tab.locator(f"label[for='q{nps_q.pk}_{nps_i}']").click()
    page.click("#survey-submit")
    expect(page.locator("#survey-thanks")).to_be_visible()
    other.click("#survey-submit")
    expect(other.locator("#survey-closed")).to_have_attribute("data-state", "answered")
    assert Response.objects.filter(invitation=inv).count() == 1
    assert (Response.objects.get(invitation=inv).csat, Response.objects.get(invitation=inv).nps) == (5, 10)


def test_supervisor_sees_the_quality_report(page, world):
    survey = nps_csat_survey()
    customer = world.customer(name="李四", phone="13900139000")
    o = world.order(customer)
    actions.do_transition(world.agent.user, o.pk, "in_progress")
    actions.do_transition(world.agent.user, o.pk, "resolved", resolution="已处理")
    inv = Invitation.objects.get(workorder=o)
    with transaction.atomic():
        survey_actions.do_submit_response(
            inv.token,
            survey_actions.Submission(
                values={survey.questions.get(kind="csat").pk: 4, survey.questions.get(kind="nps").pk: 10}
            ),
        )
    login(page, "sup", PASSWORD)
    page.click("#navgroup-quality > summary")  # the "Quality and supervision" menu
    page.click("#nav-quality")
    expect(page.locator("#quality-csat")).to_contain_text("100.0%")
    expect(page.locator("#quality-nps")).to_contain_text("100.0")
    expect(page.locator("#level-memorable")).to_be_visible()
    screenshot(page, "quality-report", for_docs=True)
