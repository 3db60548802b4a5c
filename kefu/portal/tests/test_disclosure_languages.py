"""The disclosure page in the reader's language (docs/adr/0008-content-translations.md): on the demo data the
English and the Hungarian page show no Chinese character in the company's, services', branches', outlets' and
areas' texts (staff names are people's names and stay as written); the customer's portal names the branch and
area in the customer's language."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils.html import escape

from kefu.demo import load_demo
from kefu.organization.models import Branch, Company, ServiceArea

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def anon(lang: str) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


def public_texts(body: str) -> str:
    """The page's article without the staff cards and the list of staff changes (people's names)."""
    article = body[body.index('<article class="disclosure"') : body.index("</article>")]
    article = re.sub(r'<ul class="staff-cards">.*?</ul>', "", article, flags=re.S)
    article = re.sub(r'<section class="card" id="area-changes">.*?</section>', "", article, flags=re.S)
    return re.sub(r"<[^>]+>", " ", article)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "hu"])
def test_no_chinese_in_the_english_and_hungarian_disclosure_of_the_demo(lang: str) -> None:
    load_demo(customers=20, orders=40)
    body = anon(lang).get("/disclosure/").content.decode()
    texts = public_texts(body)
    found = sorted({m.group() for m in CJK.finditer(texts)})
    lines = [line.strip() for line in texts.splitlines() if CJK.search(line)]
    assert not found, lines[:10]
    company = Company.objects.get()
    assert escape(company.tr("name", lang)) in body
    for b in Branch.objects.all():
        assert escape(b.tr("name", lang)) in body and escape(b.tr("address", lang)) in body
    for a in ServiceArea.objects.all():
        assert escape(a.tr("name", lang)) in body
    # the Chinese page is the Chinese one
    zh = anon("zh-hans").get("/disclosure/").content.decode()
    assert company.name in zh and "城北中心片区" in zh


@pytest.mark.django_db
def test_branch_area_and_outage_in_the_readers_language(world) -> None:  # type: ignore[no-untyped-def]
    from kefu.incidents import actions as incidents
    from kefu.lib import clock

    world.north.translations = {"hu": {"name": "Északi kirendeltség", "address": "Heping út 1."}}
    world.north.address = "和平路1号"
    world.north.save()
    world.area_n1.translations = {"hu": {"name": "Hepingli körzet"}}
    world.area_n1.save()
    inc = incidents.do_create_incident(
        world.agent.user,
        incidents.IncidentInput(
            title="和平里停气",
            kind="outage",
            area_id=world.area_n1.pk,
            address_range="和平里1–20号",
            cause="管道抢修",
            started_at=clock.now(),
            owner_unit_id=world.repair_north.pk,
            translations={
                "hu": {"title": "Gázszünet Hepingliben", "cause": "Csőjavítás", "address_range": ""}
            },
        ),
    )
    assert inc.translations == {"hu": {"title": "Gázszünet Hepingliben", "cause": "Csőjavítás"}}
    # the update sent to a Hungarian reporter names the outage in Hungarian
    assert "Gázszünet Hepingliben" in incidents.message_text(inc, "update", "Holnapra kész.", "hu")
    assert "和平里停气" in incidents.message_text(inc, "update", "明天修好。", "zh-hans")
    body = anon("hu").get("/disclosure/").content.decode()
    notice = body[body.index('id="incident-notices"') :]
    notice = notice[: notice.index("</section>")]
    assert (
        "Gázszünet Hepingliben" in notice and "Északi kirendeltség" in notice and "Hepingli körzet" in notice
    )
    assert "Csőjavítás" in notice
    assert "和平里1–20号" in notice  # no Hungarian address range: the Chinese one
    branch = body[body.index(f'id="branch-{world.north.code}"') :]
    assert "<h2>Északi kirendeltség</h2>" in branch and "Heping út 1." in branch
    # the report form offers the outage in the reader's language
    report = anon("hu").get("/portal/report/").content.decode()
    assert "Gázszünet Hepingliben (Hepingli körzet · 和平里1–20号)" in report
    zh = anon("zh-hans").get("/portal/report/").content.decode()
    assert "和平里停气" in zh


@pytest.mark.django_db
def test_incident_form_has_the_public_texts_per_language(world) -> None:  # type: ignore[no-untyped-def]
    from kefu.incidents.models import Incident

    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(world.agent.user)
    page = c.get("/incidents/new/").content.decode()
    assert 'name="title__hu"' in page and 'name="cause__zh-hant"' in page
    data = {
        "title": "和平里停气",
        "kind": "outage",
        "started_at": "2026-10-08T09:00",
        "owner_unit": world.repair_north.pk,
        "public": "on",
        "title__hu": "Gázszünet",
        "title__en": "x" * 201,
    }
    r = c.post("/incidents/new/", data)
    assert r.status_code == 400 and not Incident.objects.exists()
    data["title__en"] = "Gas outage"
    r = c.post("/incidents/new/", data)
    assert r.status_code == 302
    inc = Incident.objects.get()
    assert inc.tr("title", "hu") == "Gázszünet" and inc.tr("title", "en") == "Gas outage"
    edit = c.get(f"/incidents/{inc.pk}/edit/").content.decode()
    assert 'value="Gázszünet"' in edit
