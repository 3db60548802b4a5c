"""A campaign's notice per language (docs/adr/0008-content-translations.md): each household's SMS or letter is
in its customer's language, falling back to the Simplified Chinese notice; every language's placeholders are
checked; the console form has a row per language."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.channels.models import OutboxMessage
from kefu.fieldservice import campaigns
from kefu.fieldservice.models import Campaign, CampaignHousehold
from kefu.fieldservice.tests.conftest import campaign_input
from kefu.lib.errors import KefuError
from kefu.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

HU = "Tisztelt {name}! {technician} {date} {window} között érkezik a gázbiztonsági ellenőrzésre. Tel.: {hotline}"


@pytest.fixture
def hungarian(world):  # type: ignore[no-untyped-def]
    return world.customer(name="Kovács Anna", phone="13900009999", address="和平里11号", language="hu")


@pytest.fixture
def english_landline(world):  # type: ignore[no-untyped-def]
    return world.customer(name="John Smith", phone="010-62340000", address="和平里12号", language="en")


def test_each_household_gets_the_notice_in_its_language(  # type: ignore[no-untyped-def]
    world, safety, techs, homes, hungarian, english_landline, at_now
) -> None:
    c = campaigns.do_create_campaign(
        world.supervisor.user,
        campaign_input(safety, world, batch_size=20, notice_translations={"hu": HU, "en": "", "zh-hant": ""}),
    )
    assert c.translations == {"hu": {"notice_text": HU}}  # empty rows are not stored: they fall back
    assert c.tr("notice_text", "hu") == HU and c.tr("notice_text", "en") == c.notice_text
    r = campaigns.do_plan_batch(world.supervisor.user, c.pk)
    assert r.planned == 12
    hu_sms = OutboxMessage.objects.get(customer=hungarian, channel="sms")
    assert hu_sms.body.startswith("Tisztelt Kovács Anna! ") and "2026-10-" in hu_sms.body
    assert hu_sms.body.endswith("Tel.: 96777")
    day = re.findall(r"\d{4}-\d{2}-\d{2}", hu_sms.body)[0]
    with translation.override("hu"):
        assert hu_sms.subject == _("Safety check on %(date)s") % {"date": day}  # the frame in Hungarian
    # no English text: the English customer's letter is the Simplified Chinese notice
    letter = OutboxMessage.objects.get(customer=english_landline, channel="print")
    assert letter.body.startswith("John Smith您好，") and letter.recipient == "和平里12号"
    zh = OutboxMessage.objects.get(customer__name="住户1")
    assert zh.body.startswith("住户1您好，")


def test_the_letter_after_the_last_attempt_names_the_service_in_the_customers_language(  # type: ignore[no-untyped-def]
    world, safety, techs, homes, hungarian, at_now
) -> None:
    safety.translations = {**safety.translations, "hu": {"name": "Gázbiztonsági ellenőrzés"}}
    safety.save()
    c = campaigns.do_create_campaign(
        world.supervisor.user, campaign_input(safety, world, batch_size=20, absent_repeats=0)
    )
    campaigns.do_plan_batch(world.supervisor.user, c.pk)
    hh = CampaignHousehold.objects.select_related("appointment").get(campaign=c, customer=hungarian)
    assert hh.appointment is not None
    hh.appointment.status, hh.appointment.missed_reason = "missed", "customer_absent"
    hh.appointment.save()
    campaigns.reconcile()
    letter = OutboxMessage.objects.get(idempotency_key=f"campaign:{c.pk}:{hh.pk}:letter")
    assert "Gázbiztonsági ellenőrzés" in letter.body and c.name not in letter.body


@pytest.mark.parametrize(
    ("translations", "field"),
    [
        ({"hu": "Tisztelt {nev}!"}, "notice_text__hu"),
        ({"en": "Dear {name} " + "x" * 1000}, "notice_text__en"),
        ({"xx": "Hello"}, "notice_text"),
    ],
)
def test_every_languages_notice_is_checked(world, safety, homes, at_now, translations, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KefuError) as exc:
        campaigns.do_create_campaign(
            world.supervisor.user, campaign_input(safety, world, notice_translations=translations)
        )
    fields = [e.field for e in getattr(exc.value, "errors", [exc.value])]
    assert field in fields
    assert not Campaign.objects.exists()


def test_the_form_has_a_row_per_language(world, safety, techs, homes, at_now) -> None:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.login(username="sup", password=PASSWORD)
    page = c.get("/campaigns/new/").content.decode()
    for lang in ("en", "zh-hant", "hu"):
        assert f'name="notice_text__{lang}"' in page
    assert "Empty: customers of this language get the Simplified Chinese notice." in page
    data = {
        "name": "秋季安检",
        "service": safety.pk,
        "areas": [world.area_n1.pk],
        "starts_on": "2026-10-05",
        "ends_on": "2026-10-16",
        "notice_text": "{name}您好，{date} {window}上门安检。",
        "notice_text__hu": "Tisztelt {nev}!",
        "window_minutes": 120,
        "daily_capacity": 2,
        "batch_size": 10,
        "absent_repeats": 1,
        "repeat_gap_days": 7,
        "recheck_months": 12,
    }
    r = c.post("/campaigns/new/", data)
    assert r.status_code == 400 and 'id="camp-notice_text__hu-error"' in r.content.decode()
    data["notice_text__hu"] = "Tisztelt {name}! {date} {window}"
    r = c.post("/campaigns/new/", data)
    assert r.status_code == 302
    assert Campaign.objects.get().tr("notice_text", "hu") == "Tisztelt {name}! {date} {window}"
