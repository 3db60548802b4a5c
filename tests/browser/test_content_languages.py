"""Content in the reader's language in a real browser (docs/adr/0008-content-translations.md): a visitor
switches the disclosure page to Hungarian and reads the company's, branch's, area's, outlet's and service's
Hungarian names; an administrator edits the Hungarian greetings of a greeting rule and sees the Traditional
Chinese list fall back to the Simplified Chinese one."""

import re

import pytest
from playwright.sync_api import expect

from kefu.audit.models import AuditRecord
from kefu.commitments.models import Service
from kefu.organization.models import Outlet
from kefu.standards.models import GreetingRule
from kefu.standards.services import ensure_defaults
from kefu.testing.factories import PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u3400-\u9fff]")


def test_disclosure_page_in_hungarian(page, world, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    world.company.translations = {"hu": {"name": "Példa Gázművek"}}
    world.company.save()
    world.north.address = "和平路1号"
    world.north.translations = {"hu": {"name": "Északi kirendeltség", "address": "Heping út 1."}}
    world.north.save()
    world.area_n1.translations = {"hu": {"name": "Hepingli körzet"}}
    world.area_n1.save()
    Outlet.objects.create(
        branch=world.north,
        name="和平里营业厅",
        address="和平里东街1号",
        opening_hours="8:30–17:30",
        translations={"hu": {"name": "Hepingli iroda", "address": "Hepingli keleti utca 1."}},
    )
    Service.objects.create(
        code="install-urban",
        name="城区燃气开户安装",
        order_type="install_urban",
        description="新建住宅通气开户",
        translations={"hu": {"name": "Városi gázbekötés", "description": "Új lakás gázellátásának bekötése"}},
    )
    world.area_n1.responsible.add(world.technician)

    page.goto("/disclosure/")
    expect(page.locator("#disclosure h1")).to_contain_text(world.company.name)
    with page.expect_navigation():
        page.select_option("#lang-select", "hu")
    assert page.locator("html").get_attribute("lang") == "hu"
    expect(page.locator("#disclosure h1")).to_contain_text("Példa Gázművek")
    north = page.locator(f"#branch-{world.north.code}")
    expect(north.locator("h2")).to_have_text("Északi kirendeltség")
    expect(north).to_contain_text("Heping út 1.")
    expect(north.locator("table.outlets")).to_contain_text("Hepingli iroda")
    expect(page.locator(f"#area-{world.area_n1.code} h4")).to_contain_text("Hepingli körzet")
    expect(page.locator("#service-install-urban")).to_contain_text("Városi gázbekötés")
    # the names of the branch, its outlets and the translated area carry no Chinese character
    assert not CJK.search(north.locator("h2").inner_text() + north.locator("table.outlets").inner_text())
    assert not CJK.search(page.locator(f"#area-{world.area_n1.code} h4").inner_text())
    # the staff card keeps the person's name as written
    expect(page.locator(f"#area-{world.area_n1.code}")).to_contain_text(world.technician.name)
    screenshot(page, "disclosure-hu")


def test_administrator_edits_the_hungarian_greetings(page, world, live_server):
    ensure_defaults()  # the migration's rows are gone after earlier flushing tests
    page.set_viewport_size({"width": 1280, "height": 900})
    rule = GreetingRule.objects.filter(channel="").order_by("id").first()
    assert rule is not None
    login(page, "admin", PASSWORD)
    page.goto("/config/")
    page.click("#config-greetings")
    expect(page.locator(f"#greeting-{rule.pk}")).to_contain_text("您好")
    page.click(f"#greeting-{rule.pk} a")
    expect(page.locator("#tr-phrases__hu")).to_have_value(re.compile("Jó napot"))
    page.fill("#tr-phrases__hu", "Jó napot\nSzép napot\nTisztelt")
    page.fill("#tr-phrases__zh-hant", "")
    page.click("#greeting-save")
    expect(page.locator(f"#greeting-{rule.pk}")).to_contain_text("zh-hant")  # falls back, shown in the list
    rule.refresh_from_db()
    assert rule.phrase_list("hu") == ["Jó napot", "Szép napot", "Tisztelt"]
    assert rule.phrase_list("zh-hant") == rule.phrase_list()
    assert AuditRecord.objects.filter(action="greeting_rule.changed", object_id=str(rule.pk)).exists()
    page.click(f"#greeting-{rule.pk} a")
    expect(page.locator('[data-testid="fallback-phrases__zh-hant"]')).to_contain_text("您好")
    screenshot(page, "config-greeting-edit", for_docs=True)
    # a rule without phrases is refused, naming the field
    page.fill("#greeting-phrases", "。。。")
    page.click("#greeting-save")
    expect(page.locator('[data-testid="error-phrases"]')).to_be_visible()
