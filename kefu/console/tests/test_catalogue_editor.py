"""The service catalogue editor: one page saves a service with its limits, materials, fees and steps in one
transaction; combinations that contradict each other are refused at the field, nothing saved; a change can
take effect from a later date and is applied by the job on that date; supervisors read, only admins edit."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kefu.audit.models import AuditRecord
from kefu.commitments import catalogue, catalogue_patch, clocks
from kefu.commitments.models import Service, ServiceRevision, TimeLimit
from kefu.commitments.models.materials import ServiceFee, ServiceMaterial
from kefu.console.views_catalogue import _as_post
from kefu.lib import clock
from kefu.testing.factories import make_staff

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _defaults(db: Any) -> None:
    clocks.ensure_defaults()


def _management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _new_service_post(**service: str) -> dict[str, str]:
    data = {
        "service-code": "install-rural",
        "service-name": "农村燃气开户安装",
        "service-tr_en_name": "Rural gas installation",
        "service-tr_hu_name": "Vidéki gázbekötés",
        "service-order_type": "install_rural",
        "service-sale_phase": "pre",
        "service-technical": "on",
        "service-place": "onsite",
        "service-paid": "on",
        "service-fee": "2800",
        "service-public": "on",
        "service-is_active": "on",
        "service-description": "村镇居民燃气开户、报装、通气。",
        "service-tr_en_description": "Gas connection for village households.",
        "service-commitment": "材料齐全后15个工作日内通气。",
        "service-tr_hu_commitment": "A teljes dokumentáció után 15 munkanapon belül bekötjük.",
        "action": "save",
        **_management("limits", 2),
        "limits-0-kind": "resolution",
        "limits-0-area_kind": "rural",
        "limits-0-amount": "15",
        "limits-0-unit": "working_days",
        "limits-0-is_active": "on",
        "limits-1-kind": "first_response",
        "limits-1-channel": "phone",
        "limits-1-amount": "2",
        "limits-1-unit": "working_hours",
        "limits-1-is_active": "on",
        **_management("materials", 3),
        **{f"materials-{i}-order": str(i) for i in range(3)},
        "materials-0-name": "身份证",
        "materials-0-tr_en_name": "Identity card",
        "materials-0-required": "on",
        "materials-1-name": "房产证",
        "materials-1-tr_en_name": "Property certificate",
        "materials-1-required": "on",
        "materials-2-name": "户口本",
        **_management("steps", 0),
        **_management("fees", 1),
        "fees-0-order": "0",
        "fees-0-name": "安装费",
        "fees-0-tr_en_name": "Installation fee",
        "fees-0-amount": "2800",
    }
    data.update(service)
    return data


def test_admin_creates_a_service_with_limits_materials_and_fees_in_one_page(world: Any) -> None:
    c = Client()
    c.force_login(world.admin.user)
    assert c.get(reverse("console:catalogue_new")).status_code == 200
    resp = c.post(reverse("console:catalogue_new"), _new_service_post())
    assert resp.status_code == 302, re.findall(r"errorlist.{0,300}", resp.content.decode())
    s = Service.objects.get(code="install-rural")
    assert s.tr("name", "en") == "Rural gas installation" and s.name_en == "Rural gas installation"
    assert s.tr("name", "hu") == "Vidéki gázbekötés"
    assert s.tr("description", "hu") == "村镇居民燃气开户、报装、通气。"  # falls back
    limits = {(x.kind, x.area_kind, x.channel): (x.amount, x.unit) for x in s.time_limits.all()}
    assert limits == {
        ("resolution", "rural", ""): (Decimal("15"), "working_days"),
        ("first_response", "", "phone"): (Decimal("2"), "working_hours"),
    }
    assert [m.name for m in s.materials.order_by("order")] == ["身份证", "房产证", "户口本"]
    assert [m.required for m in s.materials.order_by("order")] == [True, True, False]
    assert s.fees.get().tr("name", "en") == "Installation fee"
    rev = ServiceRevision.objects.get(service=s)
    assert rev.status == "applied" and rev.created_by == world.admin.user
    assert AuditRecord.objects.filter(action="catalogue.revision", object_id=str(s.pk)).exists()
    page = c.get(reverse("console:catalogue_edit", args=[s.pk])).content.decode()
    assert 'data-testid="revision"' in page


def test_complaint_limit_on_an_inquiry_service_is_refused_at_the_field_and_nothing_is_saved(
    world: Any,
) -> None:
    c = Client()
    c.force_login(world.admin.user)
    data = _new_service_post(**{"service-order_type": "inquiry", "limits-1-kind": "complaint_answer"})
    with translation.override("en"):
        resp = c.post(reverse("console:catalogue_new"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 400
    page = resp.content.decode()
    assert 'data-field="limits-1-kind"' in page
    assert "A complaint-answer limit applies only to complaints" in page
    assert not Service.objects.filter(code="install-rural").exists()
    assert not TimeLimit.objects.filter(kind="complaint_answer", service__isnull=False).exists()


def test_fee_in_the_table_must_be_the_base_fee_item(world: Any) -> None:
    c = Client()
    c.force_login(world.admin.user)
    data = _new_service_post(**{"fees-0-amount": "300"})
    resp = c.post(reverse("console:catalogue_new"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 400
    page = resp.content.decode()
    assert 'data-field="service-fee"' in page and "(¥2800.00)" in page and "(¥300.00)" in page
    assert not Service.objects.filter(code="install-rural").exists()
    assert not ServiceFee.objects.filter(name="安装费").exists()


def test_materials_of_an_unpublished_service_are_unreachable(world: Any) -> None:
    data = _new_service_post()
    data.pop("service-public")
    c = Client()
    c.force_login(world.admin.user)
    resp = c.post(reverse("console:catalogue_new"), data)
    assert resp.status_code == 400 and 'data-field="service-public"' in resp.content.decode()
    assert not ServiceMaterial.objects.filter(name="身份证").exists()


def test_add_a_row_keeps_what_was_typed_and_saves_nothing(world: Any) -> None:
    c = Client()
    c.force_login(world.admin.user)
    data = _new_service_post(action="add-materials")
    resp = c.post(reverse("console:catalogue_new"), data)
    page = resp.content.decode()
    assert resp.status_code == 200 and 'name="materials-3-name"' in page and 'value="户口本"' in page
    assert 'data-testid="field-error"' not in page
    assert not Service.objects.exists() or not Service.objects.filter(code="install-rural").exists()


def test_supervisor_reads_but_cannot_change_and_agents_do_not_see_it(world: Any) -> None:
    s = world.service_fault
    c = Client()
    c.force_login(world.supervisor.user)
    assert c.get(reverse("console:catalogue_list")).status_code == 200
    page = c.get(reverse("console:catalogue_edit", args=[s.pk])).content.decode()
    assert "disabled" in page and 'id="catalogue-save"' not in page
    assert 'data-testid="general-limits"' in page  # the order type's limits this service falls back to
    assert c.post(reverse("console:catalogue_edit", args=[s.pk]), {"action": "save"}).status_code == 404
    assert c.get(reverse("console:catalogue_new")).status_code == 404
    c.force_login(world.agent.user)
    assert c.get(reverse("console:catalogue_list")).status_code == 404


def _entry_with_fee(service: Service, fee: str) -> dict[str, Any]:
    entry = catalogue.entry_of(service)
    entry["service"]["paid"] = True
    entry["service"]["fee"] = fee
    entry["fees"] = [
        {"id": None, "name": "上门费", "amount": fee, "unit": "", "note": "", "order": 0, "translations": {}}
    ]
    return entry


def test_a_change_from_a_later_date_waits_for_its_date(world: Any) -> None:
    s = world.service_fault
    start = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    with clock.simulated(start):
        effective = dt.datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)
        rev = catalogue.do_save_entry(world.admin.user, s, _entry_with_fee(s, "50.00"), effective)
        assert rev.status == "pending" and rev.effective_from == effective
        s.refresh_from_db()
        assert s.fee == Decimal("0") and not s.fees.exists()  # today's entry stays in effect
        assert catalogue.apply_due_revisions() == 0
    with clock.simulated(dt.datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI)):
        assert catalogue.apply_due_revisions() == 0
    with clock.simulated(dt.datetime(2027, 1, 1, 0, 1, tzinfo=SHANGHAI)):
        assert catalogue.apply_due_revisions() == 1
        assert catalogue.apply_due_revisions() == 0  # once
    s.refresh_from_db()
    assert s.paid and s.fee == Decimal("50.00") and s.fees.get().amount == Decimal("50.00")
    rev.refresh_from_db()
    assert rev.status == "applied" and rev.applied_at == dt.datetime(2027, 1, 1, 0, 1, tzinfo=SHANGHAI)
    assert {"field": "fee", "before": "0.00", "after": "50.00"} in rev.changes
    assert AuditRecord.objects.filter(action="catalogue.revision_applied", object_id=str(s.pk)).exists()


def test_a_past_or_empty_date_takes_effect_at_once(world: Any) -> None:
    s = world.service_fault
    with clock.simulated(dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)):
        rev = catalogue.do_save_entry(
            world.admin.user, s, _entry_with_fee(s, "20.00"), dt.datetime(2026, 12, 1, tzinfo=SHANGHAI)
        )
    assert rev.status == "applied" and rev.effective_from == dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
    s.refresh_from_db()
    assert s.fee == Decimal("20.00")


def test_save_refuses_contradictions_for_every_caller(world: Any) -> None:
    from kefu.lib.errors import PermissionDenied, ValidationFailed

    s = world.service_fault
    entry = _entry_with_fee(s, "50.00")
    entry["service"]["fee"] = "80.00"
    with pytest.raises(ValidationFailed) as e:
        catalogue.do_save_entry(world.admin.user, s, entry)
    assert e.value.field == "fee"
    with pytest.raises(PermissionDenied):
        catalogue.do_save_entry(world.supervisor.user, s, _entry_with_fee(s, "50.00"))
    assert not ServiceRevision.objects.exists()


def test_preview_shows_the_unsaved_texts_in_the_chosen_language(world: Any) -> None:
    c = Client()
    c.force_login(world.admin.user)
    data = _new_service_post(action="preview", preview_language="hu")
    resp = c.post(reverse("console:catalogue_new"), data)
    page = resp.content.decode()
    assert resp.status_code == 200 and "Vidéki gázbekötés" in page
    assert "A teljes dokumentáció után 15 munkanapon belül bekötjük." in page
    assert "身份证" in page  # no Hungarian name: the Chinese one
    assert not Service.objects.filter(code="install-rural").exists()
    data["preview_language"] = "en"
    page = c.post(reverse("console:catalogue_new"), data).content.decode()
    assert "Rural gas installation" in page and "Identity card" in page and "Installation fee" in page


def test_the_page_says_a_change_is_waiting_for_its_date(world: Any) -> None:
    s = world.service_fault
    with clock.simulated(dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)):
        catalogue.do_save_entry(
            world.admin.user, s, _entry_with_fee(s, "50.00"), dt.datetime(2027, 1, 1, tzinfo=SHANGHAI)
        )
    c = Client()
    c.force_login(world.admin.user)
    page = c.get(reverse("console:catalogue_edit", args=[s.pk])).content.decode()
    assert 'data-testid="pending-revision"' in page and "2027-01-01 00:00" in page
    assert 'data-status="pending"' in page and 'data-testid="open-change"' in page
    listing = c.get(reverse("console:catalogue_list")).content.decode()
    assert "change scheduled" in listing or "已安排修改" in listing


def test_check_entry_names_the_field_of_each_contradiction(world: Any) -> None:
    entry = catalogue.entry_of(world.service_fault)
    entry["service"]["fee"] = "30.00"  # a fee on a service marked free
    entry["materials"] = [
        {"id": None, "name": "身份证", "description": "", "required": True, "order": 0, "translations": {}},
        {"id": None, "name": "身份证", "description": "", "required": True, "order": 1, "translations": {}},
    ]
    found = {(p.section, p.index, p.field) for p in catalogue.check_entry(entry)}
    assert found == {("service", None, "paid"), ("materials", 1, "name")}


def test_the_english_name_and_name_en_stay_equal(world: Any) -> None:
    s = Service.objects.create(code="x-old", name="旧接口", name_en="Old API name", order_type="inquiry")
    assert s.translations == {"en": {"name": "Old API name"}}
    s.translations = {"en": {"name": "New name"}, "hu": {"name": "Új név"}}
    s.save()
    s.refresh_from_db()
    assert s.name_en == "New name" and s.tr("name", "hu") == "Új név"


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


def _form_post(page: str, entry: dict[str, Any]) -> dict[str, Any]:
    """What the browser posts: the form showing ``entry`` with the hidden version fields of ``page``."""
    data = _as_post(entry).dict()
    data.update(
        {
            "revision-base": _hidden(page, "revision-base"),
            "revision-opened_at": _hidden(page, "revision-opened_at"),
            "action": "save",
        }
    )
    return data


def test_a_save_against_a_service_another_admin_changed_is_refused_and_nothing_is_lost(world: Any) -> None:
    s = world.service_fault
    other = make_staff("admin2", "admin", None, name="李管理")
    c = Client()
    c.force_login(world.admin.user)
    with clock.simulated(dt.datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)):
        opened = c.get(reverse("console:catalogue_edit", args=[s.pk])).content.decode()
        assert "revision-base" in opened and "revision-opened_at" in opened
        mine = catalogue.entry_of(s)  # what the form shows
    with clock.simulated(dt.datetime(2026, 12, 10, 9, 5, tzinfo=SHANGHAI)):  # the other admin saves first
        base = catalogue.entry_of(s)
        catalogue.do_save_entry(other.user, s, _entry_with_fee(s, "30.00"), base=base)
    mine["service"]["description"] = "宽带中断、网速慢的上门维修。"
    data = _form_post(opened, mine)
    with clock.simulated(dt.datetime(2026, 12, 10, 9, 10, tzinfo=SHANGHAI)):
        resp = c.post(reverse("console:catalogue_edit", args=[s.pk]), data, HTTP_ACCEPT_LANGUAGE="en")
    page = resp.content.decode()
    assert resp.status_code == 409
    assert 'data-testid="stale-edit"' in page and "李管理" in page and "2026-12-10 09:05" in page
    assert "Nothing was saved" in page
    assert "宽带中断、网速慢的上门维修。" in page  # the user's input is kept …
    assert 'name="service-fee" value="30.00"' in page  # … on top of the other admin's change
    s.refresh_from_db()
    assert s.description == "" and s.fee == Decimal("30.00")
    assert catalogue_patch.canonical(catalogue.entry_of(s)) == _hidden(page, "revision-base")
    again = catalogue.entry_of(s)
    again["service"]["description"] = "宽带中断、网速慢的上门维修。"
    with clock.simulated(dt.datetime(2026, 12, 10, 9, 12, tzinfo=SHANGHAI)):
        resp = c.post(reverse("console:catalogue_edit", args=[s.pk]), _form_post(page, again))
    assert resp.status_code == 302
    s.refresh_from_db()
    assert s.description == "宽带中断、网速慢的上门维修。" and s.fee == Decimal("30.00")  # both kept


def test_a_pending_change_is_cancelled_on_the_service_page(world: Any) -> None:
    s = world.service_fault
    with clock.simulated(dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)):
        rev = catalogue.do_save_entry(
            world.admin.user, s, _entry_with_fee(s, "50.00"), dt.datetime(2027, 1, 1, tzinfo=SHANGHAI)
        )
    url = reverse("console:catalogue_revision_cancel", args=[s.pk, rev.pk])
    c = Client()
    c.force_login(world.supervisor.user)
    page = c.get(reverse("console:catalogue_edit", args=[s.pk])).content.decode()
    assert 'data-testid="open-change"' in page and 'data-testid="cancel-change"' not in page
    assert c.post(url).status_code == 404
    c.force_login(world.admin.user)
    page = c.get(reverse("console:catalogue_edit", args=[s.pk])).content.decode()
    assert 'data-testid="cancel-change"' in page and url in page
    assert c.get(url).status_code == 405
    assert c.post(url).status_code == 302
    rev.refresh_from_db()
    assert rev.status == "cancelled" and rev.decided_by == world.admin.user
    assert AuditRecord.objects.filter(action="catalogue.revision_cancelled", object_id=str(s.pk)).exists()
    page = c.get(reverse("console:catalogue_edit", args=[s.pk])).content.decode()
    assert 'data-testid="open-change"' not in page and 'data-status="cancelled"' in page
    resp = c.post(url, HTTP_ACCEPT_LANGUAGE="en")  # cancelled already: said on the page
    assert resp.status_code == 409 and 'data-testid="refusal"' in resp.content.decode()


def test_a_conflict_is_shown_on_the_page_and_in_the_list_and_applied_anyway(world: Any) -> None:
    s = world.service_fault
    with clock.simulated(dt.datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)):
        entry = catalogue.entry_of(s)
        entry["service"]["commitment"] = "24小时内修复。"
        rev = catalogue.do_save_entry(world.admin.user, s, entry, dt.datetime(2027, 1, 1, tzinfo=SHANGHAI))
    with clock.simulated(dt.datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)):
        entry = catalogue.entry_of(s)
        entry["service"]["commitment"] = "12小时内修复。"
        catalogue.do_save_entry(world.admin.user, s, entry)
    with clock.simulated(dt.datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)):
        assert catalogue.apply_due_revisions() == 0
    c = Client()
    c.force_login(world.admin.user)
    listing = c.get(reverse("console:catalogue_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="catalogue-conflicts"' in listing and 'data-testid="conflict-badge"' in listing
    page = c.get(reverse("console:catalogue_edit", args=[s.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="conflict"' in page and 'data-testid="apply-anyway"' in page
    assert "24小时内修复。" in page and "12小时内修复。" in page
    url = reverse("console:catalogue_revision_apply", args=[s.pk, rev.pk])
    assert c.post(url).status_code == 302
    s.refresh_from_db()
    rev.refresh_from_db()
    assert s.commitment == "24小时内修复。" and rev.status == "applied"
    listing = c.get(reverse("console:catalogue_list")).content.decode()
    assert 'data-testid="catalogue-conflicts"' not in listing
