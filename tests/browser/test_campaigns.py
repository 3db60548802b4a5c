"""Browser test of a safety-check campaign (R-18, docs/field-service.md): a branch supervisor sets up a
campaign for one area in the console, plans the first batch, and sees the visits, the progress figures and
the letter for the household without a mobile phone."""

import pytest
from playwright.sync_api import expect

from kefu.fieldservice.models import Appointment, CampaignHousehold
from kefu.fieldservice.tests import conftest as campaign_fixtures
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("safety", "techs", "homes"),
]
# the campaign tests' fixtures: the safety-check service, two technicians of 和平里片区, ten households
safety = campaign_fixtures.safety
techs = campaign_fixtures.techs
homes = campaign_fixtures.homes


def test_supervisor_sets_up_a_campaign_and_plans_the_first_batch(page, live_server, world):
    login(page, "sup", PASSWORD)
    page.goto("/campaigns/")
    page.locator("#campaign-new").click()
    form = page.locator("#campaign-form")
    # sending the form without a name or areas: the errors are named at their fields, nothing is created
    form.locator("#campaign-submit").click()
    expect(page.get_by_test_id("error-camp-name")).to_be_visible()
    expect(page.get_by_test_id("error-camp-areas")).to_be_visible()
    page.goto("/campaigns/new/")
    page.locator("#camp-name").fill("和平里年度入户安检")
    page.locator("#camp-service").select_option(label="入户燃气安全检查")
    page.locator("#camp-areas").select_option(label="城北分公司 · 和平里片区")
    page.locator("#camp-daily_capacity").fill("3")
    page.locator("#camp-batch_size").fill("8")
    screenshot(page, "campaign-new", for_docs=True)
    page.locator("#campaign-submit").click()

    expect(page.get_by_test_id("fig-households")).to_have_text("10")
    expect(page.get_by_test_id("fig-remaining")).to_have_text("10")
    expect(page.get_by_test_id("fig-scheduled")).to_have_text("0")
    page.locator("#campaign-batch").click()
    expect(page.locator(".messages, [role=status], .message").first).to_contain_text("8")
    expect(page.get_by_test_id("fig-scheduled")).to_have_text("8")
    expect(page.get_by_test_id("fig-remaining")).to_have_text("2")
    expect(page.get_by_test_id("household-row")).to_have_count(10)
    screenshot(page, "campaign-first-batch", for_docs=True)
    assert Appointment.objects.filter(source="campaign").count() == 8
    assert CampaignHousehold.objects.filter(status="scheduled").count() == 8

    page.locator("#f-status").select_option("pending")
    page.locator("#filter-submit").click()
    expect(page.get_by_test_id("household-row")).to_have_count(2)
    # the second batch takes the last two, among them the household without a mobile: a letter to print
    page.locator("#campaign-batch").click()
    expect(page.get_by_test_id("fig-remaining")).to_have_text("0")
    page.locator("#campaign-letters").click()
    expect(page.get_by_test_id("letter")).to_have_count(1)
    expect(page.get_by_test_id("letter")).to_contain_text("固话户")
    screenshot(page, "campaign-letters")

    # a household refuses the check: recorded with the reason, counted, its visit cancelled
    page.go_back()
    refusing = CampaignHousehold.objects.get(customer__name="住户1")
    row = page.locator(f"#household-{refusing.pk}")
    row.locator("summary").click()
    row.locator(f"#refuse-{refusing.pk}").fill("用户不同意入户")
    row.get_by_test_id(f"refuse-{refusing.pk}").click()
    expect(page.get_by_test_id("fig-refused")).to_have_text("1")
    expect(page.locator(f"#household-{refusing.pk}")).to_contain_text("用户不同意入户")
    refusing.refresh_from_db()
    assert refusing.status == "refused"
    assert refusing.appointment is not None and refusing.appointment.status == "cancelled"
