"""The console pages: the macro card on the order page, the macro editor, the queue's saved-view menu and
its bulk bar."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kefu.macros import actions, saved
from kefu.macros.models import Macro, SavedView
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


def client_for(staff):  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(staff.user)
    return c


@pytest.fixture
def orders(world):  # type: ignore[no-untyped-def]
    c = world.customer(name="王五", phone="13700137000")
    return [world.order(c, title=f"燃气表故障 {i}", channel="sms") for i in range(3)]


def test_macro_editor_and_list(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    page = c.get(reverse("console:macro_create"))
    assert page.status_code == 200 and b"{{order.number}}" in page.content
    assert b'name="shared"' not in page.content  # agents write personal macros only
    bad = c.post(reverse("console:macro_create"), {"name": "错", "reply_text": "{{order.numbr}}"})
    assert bad.status_code == 200 and "order.numbr" in bad.content.decode()
    ok = c.post(
        reverse("console:macro_create"),
        {"name": "上门预约", "note": "已预约 {{order.due}}", "priority": "high"},
    )
    assert ok.status_code == 302
    m = Macro.objects.get(name="上门预约")
    assert m.owner_id == world.agent.pk and m.priority == "high"
    listing = c.get(reverse("console:macro_list")).content.decode()
    assert "上门预约" in listing and reverse("console:macro_edit", args=[m.pk]) in listing
    sup = client_for(world.supervisor)
    assert b'name="shared"' in sup.get(reverse("console:macro_create")).content
    # another agent neither sees nor edits it
    other = client_for(world.agent_senior)
    assert other.get(reverse("console:macro_edit", args=[m.pk])).status_code == 404


def test_order_page_card_preview_and_apply(world, orders) -> None:  # type: ignore[no-untyped-def]
    m = actions.do_save_macro(
        world.supervisor.user,
        actions.MacroInput(
            name="受理", shared=True, reply_text="{{customer.name}}您好，已受理{{order.number}}。"
        ),
    )
    c = client_for(world.agent)
    o = orders[0]
    detail = c.get(reverse("console:order_detail", args=[o.number])).content.decode()
    assert (
        'data-testid="macros-panel"' in detail and reverse("console:macro_picker", args=[o.number]) in detail
    )
    picker = c.get(reverse("console:macro_picker", args=[o.number])).content.decode()
    assert f'<option value="{m.pk}">受理' in picker
    preview = c.get(reverse("console:macro_preview"), {"macro": m.pk, "orders": o.number}).content.decode()
    assert f"王五您好，已受理{o.number}。" in preview
    applied = c.post(
        reverse("console:macro_apply"),
        {"macro": m.pk, "orders": o.number, "next": reverse("console:order_detail", args=[o.number])},
    )
    assert applied.status_code == 302 and applied["Location"].endswith(f"/orders/{o.number}/")
    assert TimelineEntry.objects.get(workorder=o, kind="reply").body == f"王五您好，已受理{o.number}。"
    # an outside "next" is not followed
    again = c.post(
        reverse("console:macro_apply"), {"macro": m.pk, "orders": o.number, "next": "https://evil.example/"}
    )
    assert again["Location"] == reverse("console:queue")


def test_queue_saved_views_menu_and_save(world, orders) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.supervisor)
    saved_resp = c.post(
        reverse("console:view_create"),
        {
            "name": "北区新单",
            "shared": "on",
            "tab": "team",
            "status": "new",
            "sort": "-received_at",
            "columns": ["customer", "owner"],
            "position": "5",
        },
    )
    assert saved_resp.status_code == 302
    v = SavedView.objects.get(name="北区新单")
    assert (v.owner_id, v.branch_id, v.filters, v.sort, v.columns) == (
        None,
        world.north.pk,
        {"status": "new"},
        "-received_at",
        ["customer", "owner"],
    )
    agent = client_for(world.agent)
    queue = agent.get(reverse("console:queue")).content.decode()
    assert reverse("console:view_menu") in queue  # the menu loads after the page
    menu = agent.get(reverse("console:view_menu"), {"active": v.pk}).content.decode()
    assert f'data-testid="view-{v.pk}"' in menu and '北区新单 <span class="count">3</span>' in menu
    assert 'aria-current="page" id="view-' in menu
    shown = agent.get(reverse("console:queue") + "?" + saved.query_string(v)).content.decode()
    assert f"{reverse('console:view_menu')}?active={v.pk}" in shown
    # the view's columns only: customer and owner of the six optional ones
    assert queue.count('<th class="col-opt">') == 6 and shown.count('<th class="col-opt">') == 2
    assert shown.count('<td class="col-opt">') == 3 * 2
    # an agent's view is personal (the form has no "shared" for them)
    c2 = agent.post(
        reverse("console:view_create"), {"name": "共享", "shared": "on", "tab": "team", "position": "1"}
    )
    assert c2.status_code == 302 and SavedView.objects.get(name="共享").owner_id == world.agent.pk


def test_queue_bulk_bar(world, orders, no_tags) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    form = c.get(reverse("console:queue_bulk_form")).content.decode()
    assert 'value="assign"' in form and 'value="add_tag"' not in form and world.technician.name in form
    r = c.post(
        reverse("console:queue_bulk_apply"),
        {"action": "priority", "priority": "urgent", "orders": [str(o.pk) for o in orders]},
    )
    assert r.status_code == 200 and 'data-testid="bulk-summary"' in r.content.decode()
    assert set(WorkOrder.objects.values_list("priority", flat=True)) == {"urgent"}
    empty = c.post(reverse("console:queue_bulk_apply"), {"action": "priority", "priority": "low"})
    assert empty.status_code == 400
    queue = c.get(reverse("console:queue") + "?tab=owned").content.decode()
    assert f'name="orders" value="{orders[0].pk}" form="bulk-form"' in queue
