"""Customer merge (R-5): the preview, the merge moving every table that points at a customer, field choices,
one audit record, the lookups of every channel resolving to the survivor, the undo within its window, the
permissions — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import ForeignObjectRel
from django.test import Client

from kefu.api.tests.conftest import api_for
from kefu.audit.models import AuditRecord
from kefu.channels.actions import create_channel_customer
from kefu.channels.models import GatewayMessage
from kefu.customers import hooks, lookup, merge
from kefu.customers.actions import do_add_record, do_log_contact, find_duplicates
from kefu.customers.models import Contact, ContactPoint, Customer, CustomerMerge, Payment
from kefu.lib.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.testing.clock import freeze, utc
from kefu.testing.factories import World, make_portal_customer
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


def _reverse_foreign_keys() -> set[tuple[str, str]]:
    out = set()
    for r in Customer._meta.get_fields(include_hidden=True):
        if isinstance(r, ForeignObjectRel):
            out.add((r.related_model._meta.label, r.field.name))  # type: ignore[union-attr]
    return out


def test_every_foreign_key_to_a_customer_says_what_a_merge_does_with_it() -> None:
    """A new table pointing at a customer must register on kefu.customers.hooks (register_customer_reference)
    — else a merge would leave its rows on the merged record."""
    registered = {(r.model, r.field) for r in hooks.customer_references()}
    missing = _reverse_foreign_keys() - registered
    assert not missing, f"register these with kefu.customers.hooks.register_customer_reference: {missing}"
    assert not registered - _reverse_foreign_keys()  # no stale registration either
    assert ("workorders.WorkOrder", "customer") in registered
    assert ("surveys.SatisfactionRecord", "customer") in registered


def _placeholder(world: World, user: str = "wmZhang0001") -> Customer:
    c = create_channel_customer(name=f"WeChat user {user[-8:]}", branch=world.north, summary="chat")
    ContactPoint.objects.create(customer=c, kind="wechat", value=user, normalized=user)
    return c


def _pair(world: World) -> tuple[Customer, Customer]:
    real = world.customer(name="张伟", phone="13800138000", address="和平里3号楼")
    ph = _placeholder(world)
    return real, ph


def test_preview_lists_what_moves_the_identities_and_the_conflicting_fields(world: World) -> None:
    real, ph = _pair(world)
    world.order(ph, title="聊天：没有燃气")
    do_log_contact(world.agent.user, ph.pk, "chat", "微信咨询")
    do_add_record(
        world.agent.user,
        ph.pk,
        "payment",
        {"amount": Decimal("88.00"), "due_date": dt.date(2026, 1, 5), "paid_on": dt.date(2026, 1, 3)},
    )
    p = merge.preview(world.supervisor.user, real.pk, [ph.pk])
    rows = {r.key: r.counts for r in p.rows}
    assert rows["workorders.WorkOrder.customer"] == {ph.pk: 1}
    assert rows["customers.Payment.customer"] == {ph.pk: 1}
    assert rows["customers.Contact.customer"][ph.pk] >= 1
    assert [(i.kind, i.value, i.already) for i in p.identities] == [("wechat", "wmZhang0001", False)]
    names = {fc.name: fc for fc in p.choices}
    assert [o[0] for o in names["name"].options] == [real.pk, ph.pk]
    assert names["name"].default == real.pk
    assert "phone" not in names  # only the survivor has one: nothing to choose
    assert p.undo_hours == 72


def test_merge_moves_everything_redirects_and_writes_one_audit_record(world: World) -> None:
    real, ph = _pair(world)
    o = world.order(ph, title="聊天：没有燃气")
    do_log_contact(world.agent.user, ph.pk, "chat", "微信咨询")
    audits_before = AuditRecord.objects.filter(action="customer.merge").count()
    record = merge.do_merge(world.supervisor.user, real.pk, [ph.pk], reason="same person (called back)")
    o.refresh_from_db()
    ph.refresh_from_db()
    real.refresh_from_db()
    assert o.customer_id == real.pk
    assert "张伟" in o.search_text  # the order's search text names the survivor
    assert Contact.objects.filter(customer=ph).count() == 0
    assert Contact.objects.filter(customer=real, summary="微信咨询").exists()
    assert ph.merged_into_id == real.pk
    assert real.contact_points.filter(kind="wechat", normalized="wmZhang0001").exists()
    assert real.name == "张伟" and real.phone_e164 == "+8613800138000"
    assert AuditRecord.objects.filter(action="customer.merge").count() == audits_before + 1
    rec = AuditRecord.objects.get(action="customer.merge", customer_id=real.pk)
    assert rec.after is not None and rec.after["moved"]["workorders.WorkOrder.customer"] == 1
    assert ph.number in rec.summary and "same person" in rec.summary
    assert record.moved["workorders.WorkOrder.customer"] == {str(ph.pk): [o.pk]}
    # every channel's lookup finds the survivor
    assert lookup.customer_for_identity("wechat", "wmZhang0001") == real
    # the merged record's page redirects to the survivor
    c = Client()
    c.force_login(world.supervisor.user)
    r = c.get(f"/customers/{ph.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/customers/{real.pk}/"


def test_field_by_field_choice_takes_the_chosen_values(world: World) -> None:
    real = world.customer(name="张伟", phone="13800138000", email="old@example.com")
    other = world.customer(
        name="张 伟", phone="13900139000", email="zhang.wei@example.com", address="安定路8号"
    )
    merge.do_merge(world.supervisor.user, real.pk, [other.pk], choices={"email": other.pk, "phone": other.pk})
    real.refresh_from_db()
    assert real.email == "zhang.wei@example.com"
    assert (real.phone, real.phone_e164) == ("13900139000", "+8613900139000")
    assert real.name == "张伟"  # not chosen: the survivor's
    assert real.address == "安定路8号"  # blank on the survivor: the other's
    labels = dict(real.contact_points.filter(kind="phone").values_list("normalized", "label"))
    assert labels == {"+8613900139000": "primary", "+8613800138000": "previous"}
    assert find_duplicates(email="old@example.com") == [real]
    assert find_duplicates(email="zhang.wei@example.com") == [real]


def test_a_bad_choice_names_the_field(world: World) -> None:
    real, ph = _pair(world)
    stranger = world.customer(name="李四", phone="13700137000")
    with pytest.raises(ValidationFailed) as exc:
        merge.do_merge(world.supervisor.user, real.pk, [ph.pk], choices={"name": stranger.pk})
    assert exc.value.field == "choices.name"
    with pytest.raises(ValidationFailed) as exc:
        merge.do_merge(world.supervisor.user, real.pk, [ph.pk], choices={"tier": ph.pk})
    assert exc.value.code == "invalid_choice"
    assert not Customer.objects.filter(merged_into__isnull=False).exists()  # nothing half-done


def test_refusals(world: World) -> None:
    real, ph = _pair(world)
    south = world.customer(name="钱七", phone="13600136000", branch=world.south)
    with pytest.raises(PermissionDenied):
        merge.do_merge(world.agent.user, real.pk, [ph.pk])  # agents do not merge
    with pytest.raises(NotFound) as nf:
        merge.do_merge(world.supervisor.user, real.pk, [south.pk])  # another branch: not in scope
    assert nf.value.field == "merged"
    with pytest.raises(NotFound):
        merge.preview(world.supervisor_south.user, real.pk, [ph.pk])
    with pytest.raises(ValidationFailed) as exc:
        merge.do_merge(world.supervisor.user, real.pk, [real.pk])
    assert exc.value.code == "self_merge"
    with pytest.raises(ValidationFailed) as exc:
        merge.do_merge(world.supervisor.user, real.pk, [])
    assert exc.value.code == "required"
    merge.do_merge(world.supervisor.user, real.pk, [ph.pk])
    with pytest.raises(ValidationFailed) as exc:
        merge.do_merge(world.supervisor.user, real.pk, [ph.pk])
    assert exc.value.code == "already_merged"
    # a company-level administrator may merge across branches
    merge.do_merge(world.admin.user, south.pk, [real.pk])
    assert Customer.objects.get(pk=real.pk).merged_into_id == south.pk
    assert Customer.objects.get(pk=ph.pk).merged_into_id == south.pk  # the chain is flattened
    assert lookup.customer_for_identity("wechat", "wmZhang0001") == south  # the chain resolves


def test_portal_login_moves_and_a_second_one_is_switched_off_until_undo(world: World) -> None:
    real, ph = _pair(world)
    login = make_portal_customer(world, ph, username="wechat-zhang")
    merge.do_merge(world.supervisor.user, real.pk, [ph.pk])
    real.refresh_from_db()
    assert real.user_id == login.pk
    other = world.customer(name="张伟", phone="13800138001")
    second = make_portal_customer(world, other, username="zhang-2")
    record = merge.do_merge(world.supervisor.user, real.pk, [other.pk])
    assert get_user_model().objects.get(pk=second.pk).is_active is False
    merge.do_undo(world.supervisor.user, record.pk)
    assert get_user_model().objects.get(pk=second.pk).is_active is True
    assert Customer.objects.get(pk=other.pk).user_id == second.pk


def test_undo_puts_back_what_moved_and_keeps_what_came_later(world: World) -> None:
    real, ph = _pair(world)
    o = world.order(ph, title="聊天：没有燃气")
    other = world.customer(name="张伟", phone="13900139000", email="zw@example.com")
    ContactPoint.objects.create(
        customer=other, kind="phone", value="13800138000", normalized="+8613800138000"
    )
    record = merge.do_merge(world.supervisor.user, real.pk, [ph.pk, other.pk], choices={"email": other.pk})
    assert not ContactPoint.objects.filter(customer=other).exists()  # the shared phone was dropped
    later = world.order(real, title="合并之后的新工单")
    merge.do_undo(world.supervisor.user, record.pk)
    o.refresh_from_db()
    later.refresh_from_db()
    assert o.customer_id == ph.pk
    assert later.customer_id == real.pk  # came after the merge: stays
    ph.refresh_from_db()
    other.refresh_from_db()
    real.refresh_from_db()
    assert ph.merged_into_id is None and other.merged_into_id is None
    assert real.email == ""  # the chosen value went back
    assert set(other.contact_points.values_list("kind", "normalized")) == {
        ("phone", "+8613900139000"),
        ("email", "zw@example.com"),
        ("phone", "+8613800138000"),
    }
    assert ph.contact_points.filter(kind="wechat").exists()
    assert lookup.customer_for_identity("wechat", "wmZhang0001") == ph
    assert ph.number.lower() in o.search_text and "张伟" not in o.search_text
    assert AuditRecord.objects.filter(action="customer.merge_undone", customer_id=real.pk).count() == 1
    with pytest.raises(ValidationFailed) as exc:
        merge.do_undo(world.supervisor.user, record.pk)
    assert exc.value.code == "already_undone"


def test_undo_only_within_the_configured_window(world: World, monkeypatch: Any, settings: Any) -> None:
    settings.KEFU_CUSTOMER_MERGE_UNDO_HOURS = 24
    now = freeze(monkeypatch, utc(2026, 12, 1, 2))
    real, ph = _pair(world)
    record = merge.do_merge(world.supervisor.user, real.pk, [ph.pk])
    assert record.undo_until == utc(2026, 12, 2, 2)
    now.set(utc(2026, 12, 2, 2, 1))
    with pytest.raises(ValidationFailed) as exc:
        merge.do_undo(world.supervisor.user, record.pk)
    assert exc.value.code == "undo_expired"
    now.set(utc(2026, 12, 2, 1, 59))
    merge.do_undo(world.supervisor.user, record.pk)
    assert CustomerMerge.objects.get(pk=record.pk).undone_at == utc(2026, 12, 2, 1, 59)


def test_chat_from_a_merged_placeholders_identity_lands_on_the_survivor(world: World) -> None:
    api = api_for(world.agent.user)
    first = {
        "msgid": "m-1",
        "open_kfid": "wkKF001",
        "external_userid": "wmZhang0001",
        "send_time": 0,
        "msgtype": "text",
        "text": {"content": "燃气灶打不着火"},
    }
    r = api.post("/chat/inbound", first)
    assert r.status_code == 200, r.body
    ph = GatewayMessage.objects.get(external_id="m-1").customer
    assert ph is not None and ph.name.startswith("WeChat user")
    real = world.customer(name="张伟", phone="13800138000")
    merge.do_merge(world.supervisor.user, real.pk, [ph.pk])
    r = api.post("/chat/inbound", {**first, "msgid": "m-2", "text": {"content": "还是不行"}})
    assert r.status_code == 200, r.body
    gm = GatewayMessage.objects.get(external_id="m-2")
    assert gm.customer_id == real.pk
    assert gm.workorder is not None and gm.workorder.customer_id == real.pk
    assert Customer.objects.filter(name__startswith="WeChat user").count() == 1  # no new placeholder


def test_a_phone_left_on_a_merged_record_resolves_to_the_survivor(world: World) -> None:
    real, ph = _pair(world)
    merge.do_merge(world.supervisor.user, real.pk, [ph.pk])
    # an identity written to the merged record afterwards (an import, a race) still finds the survivor
    ContactPoint.objects.create(customer=ph, kind="phone", value="13500135000", normalized="+8613500135000")
    assert lookup.customer_for_phone("+8613500135000") == real
    assert find_duplicates(phone_e164="+8613500135000") == [real]


def test_tier_points_of_the_merged_archive_count_for_the_survivor(world: World) -> None:
    real, ph = _pair(world)
    for month in range(1, 7):
        do_add_record(
            world.agent.user,
            ph.pk,
            "purchase",
            {
                "product": "燃气热水器",
                "quantity": 1,
                "unit_price": Decimal("9000"),
                "purchased_on": dt.date(2026, month, 1),
            },
        )
    before = Customer.objects.get(pk=real.pk).tier_score
    merge.do_merge(world.supervisor.user, real.pk, [ph.pk])
    assert Customer.objects.get(pk=real.pk).tier_score > before
    assert Payment.objects.filter(customer=ph).count() == 0


def test_timeline_entries_written_by_the_customer_follow(world: World) -> None:
    real, ph = _pair(world)
    o = world.order(ph)
    TimelineEntry.objects.create(
        workorder=o, kind="customer", author_customer=ph, body="我在家", created_at=o.received_at
    )
    merge.do_merge(world.supervisor.user, real.pk, [ph.pk])
    assert TimelineEntry.objects.get(workorder=o, body="我在家").author_customer_id == real.pk
    assert WorkOrder.objects.get(pk=o.pk).customer_id == real.pk


def test_an_erasure_of_the_survivor_also_erases_the_merged_records_and_the_undo_memory(world: World) -> None:
    from django.db import transaction

    from kefu.lib import clock
    from kefu.rights import erasure

    real, ph = _pair(world)
    ph.email = "zhang.wechat@example.com"
    ph.save(update_fields=["email"])
    record = merge.do_merge(world.supervisor.user, real.pk, [ph.pk], reason="张伟本人确认")
    ContactPoint.objects.create(customer=ph, kind="phone", value="13500135000", normalized="+8613500135000")
    with transaction.atomic():
        erasure.anonymise(Customer.objects.select_for_update().get(pk=real.pk), clock.now())
    ph.refresh_from_db()
    assert (ph.name, ph.email, ph.phone) == ("[erased]", "", "") and ph.erased_at is not None
    assert not ContactPoint.objects.filter(customer=ph).exists()
    record.refresh_from_db()
    assert record.survivor_before == {} and record.reason == "" and record.merged_ids == [ph.pk]
    with pytest.raises(ValidationFailed) as exc:
        merge.do_undo(world.supervisor.user, record.pk)
    assert exc.value.code == "erased"
