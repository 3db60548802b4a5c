"""Console → Configuration (docs/user-guide.md, "Configuration"): calendars, areas, outlets and phrases.

Validation with concrete dates (2026-10-01, National Day, a Thursday; 2026-10-11 a Sunday; 2026-10-12 a
Monday), least privilege (a branch manager edits their own branch's calendar, areas and outlets only; phrases
are the administrators'), the audit record of each change, and the translations of outlets and phrases with
the Simplified Chinese fallback shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kefu.audit.models import AuditRecord
from kefu.commitments import calendar_edit
from kefu.commitments.calendars import load_calendar
from kefu.commitments.models import BusinessCalendar, CalendarDay, DayKind, WorkingPeriod
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.organization.models import Outlet, ServiceArea
from kefu.standards.models import ForbiddenPhrase, StandardPhrase
from kefu.standards.services import ensure_defaults
from kefu.testing.factories import PASSWORD, World

pytestmark = pytest.mark.django_db


def login(staff: Any) -> Client:
    c = Client()
    assert c.login(username=staff.user.username, password=PASSWORD)
    return c


@pytest.fixture
def north_calendar(world: World) -> BusinessCalendar:
    cal = BusinessCalendar.objects.create(name="城北日历")
    for weekday in range(5):
        WorkingPeriod.objects.create(calendar=cal, weekday=weekday, start=dt.time(8, 30), end=dt.time(17, 30))
    world.north.calendar = cal
    world.north.save(update_fields=["calendar"])
    return cal


def day(
    date: dt.date, kind: str, name: str = "", reason: str = "国务院办公厅通知"
) -> calendar_edit.DayChange:
    return calendar_edit.DayChange(date, kind, name, reason)


# --- calendars -------------------------------------------------------------------------------------------


def test_a_holiday_is_saved_with_its_reason_and_audited(
    world: World, north_calendar: BusinessCalendar
) -> None:
    calendar_edit.do_set_day(
        world.admin.user, north_calendar.pk, day(dt.date(2026, 10, 1), DayKind.HOLIDAY, "国庆节"), adding=True
    )
    saved = CalendarDay.objects.get(calendar=north_calendar, date=dt.date(2026, 10, 1))
    assert (saved.kind, saved.name) == ("holiday", "国庆节")
    record = AuditRecord.objects.get(action="calendar.day_changed")
    assert record.after is not None
    assert record.after["reason"] == "国务院办公厅通知" and record.after["date"] == "2026-10-01"
    assert dt.date(2026, 10, 1) in load_calendar(north_calendar).holidays


def test_the_same_date_cannot_be_added_twice(world: World, north_calendar: BusinessCalendar) -> None:
    change = day(dt.date(2026, 10, 1), DayKind.HOLIDAY, "国庆节")
    calendar_edit.do_set_day(world.admin.user, north_calendar.pk, change, adding=True)
    with pytest.raises(ValidationFailed) as exc:
        calendar_edit.do_set_day(world.admin.user, north_calendar.pk, change, adding=True)
    assert exc.value.field == "date" and "2026-10-01" in str(exc.value.message)
    assert CalendarDay.objects.filter(calendar=north_calendar).count() == 1


def test_a_make_up_day_must_be_a_weekend_day(world: World, north_calendar: BusinessCalendar) -> None:
    with pytest.raises(ValidationFailed) as exc:
        calendar_edit.do_set_day(
            world.admin.user, north_calendar.pk, day(dt.date(2026, 10, 12), DayKind.WORKDAY)
        )
    assert exc.value.code == "makeup_not_weekend" and exc.value.field == "kind"
    calendar_edit.do_set_day(
        world.admin.user, north_calendar.pk, day(dt.date(2026, 10, 11), DayKind.WORKDAY, "国庆调休")
    )
    assert dt.date(2026, 10, 11) in load_calendar(north_calendar).makeup_days


def test_a_change_needs_a_reason_and_an_ordinary_day_removes_the_entry(
    world: World, north_calendar: BusinessCalendar
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        calendar_edit.do_set_day(
            world.admin.user, north_calendar.pk, day(dt.date(2026, 10, 1), "holiday", reason=" ")
        )
    assert exc.value.field == "reason"
    calendar_edit.do_set_day(world.admin.user, north_calendar.pk, day(dt.date(2026, 10, 1), "holiday"))
    calendar_edit.do_set_day(
        world.admin.user, north_calendar.pk, day(dt.date(2026, 10, 1), calendar_edit.NORMAL)
    )
    assert not CalendarDay.objects.filter(calendar=north_calendar).exists()
    assert AuditRecord.objects.filter(action="calendar.day_changed").count() == 2


def test_branch_managers_edit_only_a_calendar_their_branch_alone_uses(
    world: World, north_calendar: BusinessCalendar
) -> None:
    calendar_edit.do_set_day(world.supervisor.user, north_calendar.pk, day(dt.date(2026, 10, 1), "holiday"))
    with pytest.raises(PermissionDenied):
        calendar_edit.do_set_day(
            world.supervisor_south.user, north_calendar.pk, day(dt.date(2026, 10, 2), "holiday")
        )
    with pytest.raises(PermissionDenied):  # agents have no configuration rights
        calendar_edit.do_set_day(world.agent.user, north_calendar.pk, day(dt.date(2026, 10, 2), "holiday"))
    world.south.calendar = north_calendar  # shared: the administrators' now
    world.south.save(update_fields=["calendar"])
    with pytest.raises(PermissionDenied):
        calendar_edit.do_set_day(
            world.supervisor.user, north_calendar.pk, day(dt.date(2026, 10, 2), "holiday")
        )
    assert (
        login(world.supervisor).get(reverse("console:config_calendar", args=[north_calendar.pk])).status_code
        == 404
    )


def test_working_hours(world: World, north_calendar: BusinessCalendar) -> None:
    hours = dict.fromkeys(range(5), "08:30-12:00, 13:30-17:30")
    calendar_edit.do_set_hours(world.supervisor.user, north_calendar.pk, hours, 0)
    monday = north_calendar.periods.filter(weekday=0).order_by("start")
    assert [(p.start, p.end) for p in monday] == [
        (dt.time(8, 30), dt.time(12, 0)),
        (dt.time(13, 30), dt.time(17, 30)),
    ]
    assert not north_calendar.periods.filter(weekday=6).exists()
    with pytest.raises(ValidationFailed) as exc:
        calendar_edit.do_set_hours(
            world.supervisor.user, north_calendar.pk, {0: "08:30-12:00, 11:00-14:00"}, 0
        )
    assert exc.value.code == "period_overlap" and exc.value.field == "periods"
    with pytest.raises(ValidationFailed) as exc:
        calendar_edit.do_set_hours(world.supervisor.user, north_calendar.pk, {0: "17:00-08:00"}, 0)
    assert exc.value.code == "period_order"


def test_the_calendar_page_shows_the_year_and_refuses_a_weekday_make_up_day(
    world: World, north_calendar: BusinessCalendar
) -> None:
    c = login(world.supervisor)
    url = reverse("console:config_calendar", args=[north_calendar.pk])
    page = c.get(url + "?year=2026&day=2026-10-01")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-date="2026-10-01"' in html and 'id="load-year"' not in html  # loading a year: administrators
    r = c.post(url, {"action": "add", "date": "2026-10-12", "kind": "workday", "name": "", "reason": "调休"})
    assert r.status_code == 400 and 'data-testid="error-kind"' in r.content.decode()
    r = c.post(
        url, {"action": "add", "date": "2026-10-01", "kind": "holiday", "name": "国庆节", "reason": "通知"}
    )
    assert r.status_code == 302 and r["Location"].endswith("?year=2026")
    assert 'class="holiday"' in c.get(url + "?year=2026").content.decode()
    assert 'id="load-year"' in login(world.admin).get(url + "?year=2027").content.decode()


# --- outlets and areas -------------------------------------------------------------------------------------


def test_an_outlet_with_its_translations_and_the_fallback_shown(world: World) -> None:
    c = login(world.supervisor)
    r = c.post(
        reverse("console:config_outlet_new"),
        {
            "branch": world.north.pk,
            "name": "和平里营业厅",
            "address": "和平里街道1号",
            "phone": "010-6400 1234",
            "opening_hours": "周一至周六 8:30–17:30",
            "name__en": "Hepingli service hall",
            "name__hu": "Hepingli ügyfélszolgálati iroda",
            "address__en": "1 Hepingli Street",
            "opening_hours__en": "Mon–Sat 8:30–17:30",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    outlet = Outlet.objects.get(name="和平里营业厅")
    assert outlet.tr("name", "hu") == "Hepingli ügyfélszolgálati iroda"
    assert outlet.tr("address", "hu") == "和平里街道1号"  # falls back
    assert AuditRecord.objects.filter(action="outlet.created", object_id=str(outlet.pk)).exists()
    page = c.get(reverse("console:config_outlet_edit", args=[outlet.pk])).content.decode()
    assert 'data-testid="fallback-address__hu"' in page and 'data-testid="fallback-name__hu"' not in page
    # another branch's manager cannot see or change it
    assert (
        login(world.supervisor_south).get(reverse("console:config_outlet_edit", args=[outlet.pk])).status_code
        == 404
    )
    r = c.post(reverse("console:config_outlet_new"), {"branch": world.south.pk, "name": "x", "address": "y"})
    assert r.status_code == 400 and 'data-testid="error-branch"' in r.content.decode()


def test_area_validation_and_responsible_staff(world: World) -> None:
    c = login(world.supervisor)
    url = reverse("console:config_area_edit", args=[world.area_n2.pk])
    base = {
        "branch": world.north.pk,
        "code": "n2",
        "name": "北苑片区",
        "kind": "urban",
        "households": "3900",
        "address_keywords": "北苑\n北苑家园",
        "responsible": [world.technician.pk],
    }
    r = c.post(url, {**base, "address_keywords": "北苑\n和平里"})  # 和平里 is area n1's
    assert r.status_code == 400 and "和平里" in r.content.decode()
    r = c.post(url, {**base, "households": "-5"})
    assert r.status_code == 400 and 'data-testid="error-households"' in r.content.decode()
    r = c.post(url, {**base, "responsible": [world.agent_south.pk]})  # another branch's staff
    assert r.status_code == 400 and 'data-testid="error-responsible"' in r.content.decode()
    assert c.post(url, base).status_code == 302
    area = ServiceArea.objects.get(pk=world.area_n2.pk)
    assert list(area.responsible.all()) == [world.technician] and area.keywords() == ["北苑", "北苑家园"]
    assert AuditRecord.objects.filter(action="area.changed", object_id=str(area.pk)).exists()
    page = c.get(url).content.decode()
    assert f"孙师傅 · {world.technician.badge_no} · " in page  # the branch's staff with their role
    assert "钱客服" not in page  # not another branch's
    assert login(world.supervisor_south).get(url).status_code == 404


# --- phrases -----------------------------------------------------------------------------------------------


def test_phrases_are_for_administrators(world: World) -> None:
    assert login(world.supervisor).get(reverse("console:config_phrases")).status_code == 404
    assert login(world.admin).get(reverse("console:config_phrases")).status_code == 200


def test_a_phrase_with_english_and_hungarian_text(world: World) -> None:
    c = login(world.admin)
    r = c.post(
        reverse("console:config_phrase_new"),
        {
            "situation": "waiting",
            "text_zh": "请稍等，{customer_name}，马上就好。",
            "text__en": "One moment please, {customer_name}.",
            "text__hu": "Egy pillanat türelmet, {customer_name}.",
            "text__zh-hant": "",
            "position": "5",
            "active": "1",
        },
    )
    assert r.status_code == 302
    p = StandardPhrase.objects.get(text_zh="请稍等，{customer_name}，马上就好。")
    assert p.tr("text", "hu") == "Egy pillanat türelmet, {customer_name}."
    assert p.missing_translations() == {"zh-hant": ["text"]}
    r = c.post(
        reverse("console:config_phrase_edit", args=[p.pk]),
        {
            "situation": "waiting",
            "text_zh": p.text_zh,
            "text__en": "Wait {name}",
            "position": "5",
            "active": "1",
        },
    )
    assert r.status_code == 400 and 'data-testid="error-text__en"' in r.content.decode()
    listing = c.get(reverse("console:config_phrases") + "?missing=zh-hant&q=马上就好").content.decode()
    assert f'id="phrase-{p.pk}"' in listing
    found = c.get(reverse("console:config_phrases"), {"q": "türelmet"}).content.decode()
    assert f'id="phrase-{p.pk}"' in found, found[found.find('id="phrase-list"') :][:1500]


def test_the_sentence_test_checks_in_the_chosen_language(world: World) -> None:
    ensure_defaults()
    c = login(world.admin)
    url = reverse("console:config_phrases")
    r = c.post(url, {"action": "test", "sentence": "Ez nem az én dolgom.", "test_language": "hu"})
    assert 'data-testid="test-match"' in r.content.decode()
    r = c.post(
        url, {"action": "test", "sentence": "Go and complain, it is not my problem.", "test_language": "en"}
    )
    assert r.content.decode().count('data-testid="test-match"') == 2
    r = c.post(url, {"action": "test", "sentence": "请稍候，我马上给您办理。", "test_language": "zh-hans"})
    assert 'data-testid="test-pass"' in r.content.decode()


def test_a_forbidden_phrase_is_added_to_the_hungarian_list_and_deactivated(world: World) -> None:
    c = login(world.admin)
    r = c.post(
        reverse("console:config_forbidden_new"),
        {"text": "ne zavarjon", "language": "hu", "mode": "anywhere", "active": "1"},
    )
    assert r.status_code == 302
    row = ForbiddenPhrase.objects.get(text="ne zavarjon")
    assert row.language == "hu" and row.active
    r = c.post(
        reverse("console:config_forbidden_new"), {"text": "NE ZAVARJON", "language": "hu", "mode": "anywhere"}
    )
    assert r.status_code == 400 and 'data-testid="error-text"' in r.content.decode()
    c.post(
        reverse("console:config_forbidden_edit", args=[row.pk]),
        {"text": "ne zavarjon", "language": "hu", "mode": "anywhere"},
    )
    row.refresh_from_db()
    assert not row.active
    assert AuditRecord.objects.filter(action="forbidden_phrase.changed", object_id=str(row.pk)).exists()


def test_the_configuration_page_lists_the_editors_by_role(world: World) -> None:
    admin = login(world.admin).get(reverse("console:config_index")).content.decode()
    assert 'id="config-phrases"' in admin and 'id="nav-config"' in admin
    manager = login(world.supervisor).get(reverse("console:config_index")).content.decode()
    assert 'id="config-calendars"' in manager and 'id="config-phrases"' not in manager
    assert login(world.agent).get(reverse("console:config_index")).status_code == 404


def test_the_disclosure_page_shows_outlets_in_the_readers_language(world: World) -> None:
    Outlet.objects.create(
        branch=world.north,
        name="和平里营业厅",
        address="和平里街道1号",
        opening_hours="周一至周六 8:30–17:30",
        translations={
            "hu": {"name": "Hepingli ügyfélszolgálati iroda", "opening_hours": "hétfő–szombat 8:30–17:30"}
        },
    )
    html = Client(HTTP_ACCEPT_LANGUAGE="hu").get("/disclosure/").content.decode()
    assert "Hepingli ügyfélszolgálati iroda" in html and "hétfő–szombat 8:30–17:30" in html
    assert "和平里街道1号" in html  # no Hungarian address: the Simplified Chinese one
    assert "和平里营业厅" in Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/disclosure/").content.decode()
