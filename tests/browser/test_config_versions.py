"""Configuration versions in a real browser at 1280 px: a branch manager schedules an area's new responsible
technician for 2027-01-01 00:00 (Asia/Shanghai) and sees it pending, cancels another scheduled change, and an
administrator who opened the same area earlier is refused with who changed it, keeping what they typed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from kefu.audit.models import AuditRecord
from kefu.organization import config as org_config
from kefu.organization.models import ConfigRevision, RevisionState, ServiceArea
from kefu.testing.factories import PASSWORD, make_staff
from tests.browser.conftest import login, new_context_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_branch_manager_schedules_an_area_change_cancels_another_and_a_stale_edit_is_refused(
    page, browser, world, live_server
):
    tech2 = make_staff("tech2", "technician", world.north, name="钱师傅")
    area = world.area_n1
    area.responsible.set([world.technician])
    # another change already waiting (the households from 2027-02-01), to be cancelled
    values = org_config.area_values(area)
    other = org_config.do_schedule_area(
        world.admin.user,
        area.pk,
        {**values, "outlet": "", "households": "4800", "responsible": values["responsible"]},
        dt.datetime(2027, 2, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    url = f"/config/areas/{area.pk}/"

    # an administrator opens the area first (in their own browser)
    admin_page = new_context_page(browser, live_server, "admin", PASSWORD)
    admin_page.set_viewport_size({"width": 1280, "height": 900})
    admin_page.goto(url)

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "sup", PASSWORD)
    page.goto(url)
    expect(page.locator(f'[data-revision="{other.pk}"]')).to_contain_text("2027-02-01 00:00")

    # the new responsible technician from New Year's Day, Shanghai time
    page.uncheck(f'#area-staff input[value="{world.technician.pk}"]')
    page.check(f'#area-staff input[value="{tech2.pk}"]')
    page.fill("#area-effective-from", "2027-01-01T00:00")
    page.click("#area-save")
    pending = page.locator('[data-testid="pending-revision"]').first
    expect(pending).to_contain_text("2027-01-01 00:00")
    expect(pending).to_contain_text("钱师傅")
    expect(pending).to_contain_text("孙师傅")
    assert list(ServiceArea.objects.get(pk=area.pk).responsible.all()) == [world.technician]  # not yet
    screenshot(page, "config-area-pending", for_docs=True)

    # cancel the households change
    page.locator(f'[data-revision="{other.pk}"] [data-testid="cancel-revision"]').click()
    expect(page.locator(f'[data-revision="{other.pk}"]')).to_have_count(0)
    expect(page.locator('[data-testid="pending-revision"]')).to_have_count(1)
    expect(
        page.locator('[data-testid="history-row"][data-action="config_revision.cancelled"]')
    ).to_have_count(1)
    other.refresh_from_db()
    assert other.status == RevisionState.CANCELLED
    assert AuditRecord.objects.filter(action="config_revision.cancelled", object_id=str(area.pk)).count() == 1

    # the branch manager changes the households now
    page.fill("#area-households", "4300")
    page.fill("#area-effective-from", "")
    page.click("#area-save")
    expect(page.locator(f"#area-{area.pk}")).to_be_visible()
    assert ServiceArea.objects.get(pk=area.pk).households == 4300

    # the administrator, still on the page opened before, saves a new name: refused, input kept
    admin_page.fill("#area-name", "和平里大片区")
    admin_page.click("#area-save")
    refusal = admin_page.locator('[data-testid="error-version"]')
    expect(refusal).to_contain_text("王经理")
    expect(admin_page.locator("#area-name")).to_have_value("和平里大片区")
    assert ServiceArea.objects.get(pk=area.pk).name == "和平里片区"
    screenshot(admin_page, "config-area-stale", for_docs=True)
    # saving again, knowingly, overwrites the name only
    admin_page.fill("#area-households", "4300")
    admin_page.click("#area-save")
    expect(admin_page.locator(f"#area-{area.pk}")).to_contain_text("和平里大片区")
    assert ConfigRevision.objects.filter(status=RevisionState.PENDING).count() == 1
    admin_page.context.close()
