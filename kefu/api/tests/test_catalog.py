"""Catalog and calendar endpoints: services with materials/steps/fees/limits, calendars, days, deadlines."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.commitments import clocks
from kefu.commitments.models import BusinessCalendar, Service
from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_limits(db: Any) -> None:
    clocks.ensure_defaults()


def test_services_with_their_commitments(world, apis):  # type: ignore[no-untyped-def]
    svc = Service.objects.create(code="install-urban", name="城区新装", order_type="install_urban")
    ServiceMaterial.objects.create(service=svc, name="身份证复印件", order=0)
    ServiceStep.objects.create(service=svc, order=0, title="受理")
    ServiceFee.objects.create(service=svc, name="开户安装费", amount="300.00", unit="每户")
    Service.objects.create(code="retired", name="旧业务", order_type="inquiry", is_active=False)
    r = apis("agent").get("/services")
    assert r.status_code == 200
    by_code = {s["code"]: s for s in r.json()}
    assert "retired" not in by_code
    s = by_code["install-urban"]
    assert s["materials"] == [{"name": "身份证复印件", "description": "", "required": True}]
    assert s["steps"][0]["title"] == "受理" and s["fees"][0]["amount"] == "300.00"
    assert [(lim["kind"], lim["unit"], lim["amount"]) for lim in s["time_limits"]] == [
        ("resolution", "working_days", "5.00")
    ]
    fault = by_code["broadband-fault"]
    assert {(lim["tier"], lim["amount"]) for lim in fault["time_limits"]} == {
        ("", "24.00"),
        ("diamond", "12.00"),
        ("gold", "12.00"),
    }
    assert apis("agent").get("/services/install-urban").json()["name"] == "城区新装"
    assert_error(apis("agent").get("/services/nope"), 404, "not_found")


def test_calendars_days_and_deadline(world, apis):  # type: ignore[no-untyped-def]
    office = BusinessCalendar.objects.get(name=clocks.OFFICE_CALENDAR)
    api = apis("agent")
    cals = {c["name"]: c for c in api.get("/calendars").json()}
    assert cals[clocks.OFFICE_CALENDAR]["periods"][:2] == [
        {"weekday": 0, "start": "08:30:00", "end": "12:00:00"},
        {"weekday": 0, "start": "14:00:00", "end": "17:30:00"},
    ]
    assert 2025 in cals[clocks.OFFICE_CALENDAR]["years"] and 2027 not in cals[clocks.OFFICE_CALENDAR]["years"]
    assert cals[clocks.AROUND_THE_CLOCK_CALENDAR]["is_24x7"] is True
    days = api.get(f"/calendars/{office.pk}/days?year=2025").json()
    assert {"date": "2025-02-08", "kind": "workday"} in [{k: d[k] for k in ("date", "kind")} for d in days]
    assert "2025-01-28" in {d["date"] for d in days if d["kind"] == "holiday"}
    # the 17:45 Spring Festival example of docs/commitments.md
    r = api.get(
        f"/calendars/{office.pk}/deadline",
        start="2025-01-27T17:45:00+08:00",
        unit="working_days",
        amount="5",
    )
    assert r.status_code == 200, r.content
    assert r.json()["due_local"] == "2025-02-11 17:30"
    err = assert_error(
        api.get(
            f"/calendars/{office.pk}/deadline",
            start="2026-12-24T10:00:00+08:00",
            unit="working_days",
            amount="10",
        ),
        400,
        "calendar_missing",
        "start",
    )
    assert err["year"] == 2027
    assert_error(
        api.get(
            f"/calendars/{office.pk}/deadline",
            start="2025-01-27T17:45",
            unit="working_days",
            amount="5",
        ),
        400,
        "invalid",  # the schema's date-time has its offset
        "start",
    )
    assert_error(
        api.get(
            f"/calendars/{office.pk}/deadline",
            start="2025-01-27T17:45:00+08:00",
            unit="weeks",
            amount="5",
        ),
        400,
        "invalid",  # an enum of the schema
        "unit",
    )
    assert_error(api.get("/calendars/999999"), 404, "not_found")


def test_customers_cannot_read_the_catalog_api(world, apis):  # type: ignore[no-untyped-def]
    from kefu.api.tests.conftest import api_for
    from kefu.testing.factories import make_portal_customer

    user = make_portal_customer(world, world.customer())
    r = api_for(user).get("/services")
    assert r.status_code in (403, 404)


def test_a_service_overrides_its_type_limits_kind_by_kind(world, apis):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from kefu.commitments.models import TimeLimit

    svc = Service.objects.create(code="vip-complaint", name="重大投诉", order_type="complaint")
    TimeLimit.objects.create(
        kind="complaint_answer", order_type="complaint", service=svc, unit="working_days", amount=Decimal(1)
    )
    limits = {lim["kind"]: lim for lim in apis("agent").get("/services/vip-complaint").json()["time_limits"]}
    assert limits["complaint_answer"]["amount"] == "1.00"  # the service's own
    assert limits["first_response"]["amount"] == "4.00"  # the complaint type's, not dropped


def test_deadline_outside_the_calendar_is_a_field_error(world, apis):  # type: ignore[no-untyped-def]
    office = BusinessCalendar.objects.get(name=clocks.AROUND_THE_CLOCK_CALENDAR)
    r = apis("agent").get(
        f"/calendars/{office.pk}/deadline",
        start="9999-12-31T20:00:00+00:00",
        unit="calendar_hours",
        amount="10",
    )
    # years end at 2199 in the schema: the far future is a schema error of the field, never a 500
    assert_error(r, 400, "invalid", "start")


def test_the_catalog_api_serves_the_requested_language(world: Any, apis: Any) -> None:
    s = world.service_fault
    s.translations = {"hu": {"name": "Internethiba javítása"}, "en": {"name": "Broadband fault repair"}}
    s.description = "宽带无法上网。"
    s.save()
    ServiceMaterial.objects.create(
        service=s, name="身份证", order=0, translations={"en": {"name": "Identity card"}}
    )
    api = apis("agent")
    hu = api.call(
        "GET", f"/services/{s.code}", params={"lang": "hu"}, headers={"Accept-Language": "zh-hans"}
    ).json()
    assert hu["name"] == "Internethiba javítása" and hu["description"] == "宽带无法上网。"
    assert hu["materials"][0]["name"] == "身份证"  # no Hungarian: the Chinese text
    en = api.call("GET", f"/services/{s.code}", headers={"Accept-Language": "en"}).json()
    assert en["name"] == "Broadband fault repair" and en["materials"][0]["name"] == "Identity card"
    zh = api.get("/services", lang="zh-hans").json()
    assert {x["code"]: x["name"] for x in zh}[s.code] == "宽带故障报修"


def test_catalogue_changes_are_listed_and_a_pending_one_is_cancelled(world: Any, apis: Any) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kefu.audit.models import AuditRecord
    from kefu.commitments import catalogue
    from kefu.lib import clock

    s = world.service_fault
    new_year = dt.datetime(2027, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    with clock.simulated(dt.datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        entry = catalogue.entry_of(s)
        entry["service"]["commitment"] = "24小时内修复。"
        rev = catalogue.do_save_entry(world.admin.user, s, entry, new_year)
    page = apis("supervisor").get("/services/broadband-fault/revisions", limit=10).json()
    assert page["count"] == 1 and page["limit"] == 10
    item = page["items"][0]
    assert item["status"] == "pending" and item["effective_from"].startswith("2026-12-31T16:00:00")
    assert item["created_by"] == "admin"
    assert {"field": "commitment", "before": "", "after": "24小时内修复。"} in item["changes"]
    path = f"/services/broadband-fault/revisions/{rev.pk}/cancel"
    assert_error(apis("supervisor").post(path), 403)  # branch managers read the catalogue, admins change it
    r = apis("admin").post(path)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["decided_by"] == "admin"
    assert AuditRecord.objects.filter(action="catalogue.revision_cancelled", object_id=str(s.pk)).exists()
    assert_error(apis("admin").post(path), 409, "invalid_state")
    assert_error(apis("admin").post("/services/broadband-fault/revisions/999999/cancel"), 404, "not_found")
    assert_error(apis("admin").get("/services/nope/revisions"), 404, "not_found")
