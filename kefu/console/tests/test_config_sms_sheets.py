"""Console → Configuration → SMS templates and Score sheets over HTTP: CSRF on every form, who may see and
change what (an agent is not shown the pages: 404 as for every console page outside their role; a branch
manager reads and is refused a change with 403), the errors shown next to their field with nothing saved, the
fallback shown for an empty language, the preview, and "Add an item" adding a row without saving."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kefu.channels.models import SmsTemplate
from kefu.inspections.models import ScoreItem, ScoreSheet
from kefu.testing.factories import World

pytestmark = pytest.mark.django_db

ZH = "尊敬的{customer_name}，您的{product}将于{due}到期，请及时续费。"


def client(staff: Any, csrf: bool = False) -> Client:
    c = Client(enforce_csrf_checks=csrf)
    c.force_login(staff.user)
    return c


def test_sms_pages_csrf_and_permissions(world: World) -> None:
    url = reverse("console:config_sms_edit", args=["fee_reminder"])
    assert client(world.agent).get(reverse("console:config_sms")).status_code == 404
    assert client(world.agent).get(url).status_code == 404
    sup = client(world.supervisor)
    page = sup.get(reverse("console:config_sms")).content.decode()
    assert 'id="sms-fee_reminder"' in page and 'id="sms-opt_in_confirm"' in page
    edit_page = sup.get(url).content.decode()
    assert "disabled" in edit_page and 'id="sms-save"' not in edit_page
    assert sup.post(url, {"action": "save", "text": ZH}).status_code == 403
    assert client(world.admin, csrf=True).post(url, {"action": "save", "text": ZH}).status_code == 403
    assert not SmsTemplate.objects.exists()
    assert client(world.admin).get(reverse("console:config_sms_edit", args=["nonsense"])).status_code == 404


def test_sms_unknown_placeholder_is_shown_at_its_field_and_nothing_is_saved(world: World) -> None:
    url = reverse("console:config_sms_edit", args=["fee_reminder"])
    admin = client(world.admin)
    resp = admin.post(
        url,
        {"action": "save", "text": ZH, "text__hu": "Kedves {name}! {product} lejár: {due}", "active": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = resp.content.decode()
    assert resp.status_code == 400
    assert 'data-testid="error-text__hu"' in page and "{name}" in page
    assert "Kedves {name}!" in page  # the text typed stays in the form
    assert not SmsTemplate.objects.exists()
    ok = admin.post(
        url, {"action": "save", "text": ZH, "text__en": "Dear {customer_name}, renew {product} by {due}."}
    )
    assert ok.status_code == 302
    page = admin.get(url + "?lang=hu", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="fallback-text__hu"' in page and 'data-testid="fallback-text__en"' not in page
    # the preview of the Hungarian customer: the Chinese text with the Hungarian sample customer
    assert "尊敬的Kovács Anna" in page


def test_sms_preview_of_unsaved_texts_saves_nothing(world: World) -> None:
    url = reverse("console:config_sms_edit", args=["reply"])
    resp = client(world.admin).post(
        url,
        {
            "action": "preview",
            "preview_language": "en",
            "text": "{text}（工单{order_number}）",
            "text__en": "{text} (order {order_number})",
        },
    )
    page = resp.content.decode()
    assert resp.status_code == 200
    assert "Hello, our technician will come tomorrow morning. (order GD-20261207-000123)" in page
    assert not SmsTemplate.objects.exists()


def _sheet_form(sheet: ScoreSheet | None = None, **extra: str) -> dict[str, str]:
    data = {
        "action": "save",
        "name": "热线抽查表",
        "total_points": "20",
        "active": "1",
        "item_count": "2",
        "item-0-code": "L1",
        "item-0-category": "language",
        "item-0-text": "报工号",
        "item-0-max_points": "10",
        "item-1-code": "Q1",
        "item-1-category": "quality",
        "item-1-text": "一次告知",
        "item-1-max_points": "10",
    }
    if sheet is not None:
        for n, item in enumerate(sheet.items.order_by("position")):
            data[f"item-{n}-id"] = str(item.pk)
    data.update(extra)
    return data


def test_sheet_pages_csrf_and_permissions(world: World) -> None:
    assert client(world.agent).get(reverse("console:config_sheets")).status_code == 404
    assert client(world.supervisor).get(reverse("console:config_sheets")).status_code == 200
    assert client(world.supervisor).get(reverse("console:config_sheet_new")).status_code == 403
    assert (
        client(world.admin, csrf=True).post(reverse("console:config_sheet_new"), _sheet_form()).status_code
        == 403
    )
    assert not ScoreSheet.objects.filter(name="热线抽查表").exists()
    resp = client(world.admin).post(reverse("console:config_sheet_new"), _sheet_form())
    assert resp.status_code == 302
    sheet = ScoreSheet.objects.get(name="热线抽查表")
    url = reverse("console:config_sheet_edit", args=[sheet.pk])
    assert client(world.supervisor).post(url, _sheet_form(sheet, name="改名")).status_code == 403
    page = client(world.supervisor).get(url).content.decode()
    assert 'id="sheet-save"' not in page and "<fieldset disabled>" in page
    sheet.refresh_from_db()
    assert sheet.name == "热线抽查表"


def test_sheet_add_an_item_then_a_wrong_total_is_shown_and_nothing_saved(world: World) -> None:
    admin = client(world.admin)
    resp = admin.post(reverse("console:config_sheet_new"), _sheet_form(action="add"))
    page = resp.content.decode()
    assert resp.status_code == 200 and 'name="item-2-code"' in page and 'name="item_count" value="3"' in page
    assert not ScoreSheet.objects.filter(name="热线抽查表").exists()
    data = {
        **_sheet_form(item_count="3"),
        "item-2-code": "A1",
        "item-2-category": "attitude",
        "item-2-text": "语气亲切",
        "item-2-max_points": "5",
    }
    resp = admin.post(reverse("console:config_sheet_new"), data, HTTP_ACCEPT_LANGUAGE="en")
    page = resp.content.decode()
    assert resp.status_code == 400 and 'data-testid="error-total_points"' in page and "25" in page
    assert not ScoreSheet.objects.filter(name="热线抽查表").exists()
    assert admin.post(reverse("console:config_sheet_new"), {**data, "total_points": "25"}).status_code == 302
    sheet = ScoreSheet.objects.get(name="热线抽查表")
    assert list(
        ScoreItem.objects.filter(sheet=sheet).order_by("position").values_list("code", flat=True)
    ) == [
        "L1",
        "Q1",
        "A1",
    ]
    edit_page = admin.get(reverse("console:config_sheet_edit", args=[sheet.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-testid="fallback-item-0-text__hu"' in edit_page.content.decode()


def test_back_office_sms_templates_and_score_sheets_are_read_only_with_a_link(world: World) -> None:
    t = SmsTemplate.objects.create(code="reply", language="zh-hans", text="{text}")
    c = client(world.admin)
    page = c.get(f"/admin/channels/smstemplate/{t.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("console:config_sms") in page and 'name="_save"' not in page
    assert c.get("/admin/channels/smstemplate/add/").status_code == 403
    assert c.get("/admin/inspections/scoresheet/add/").status_code == 403
    assert reverse("console:config_sheets") in c.get("/admin/inspections/scoresheet/").content.decode()
