"""Customer archive actions: normalisation, validation per field, duplicates, updates, records,
notes — each audited, nothing half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.customers.actions import (
    CustomerInput,
    do_add_note,
    do_add_record,
    do_create_customer,
    do_update_customer,
    find_duplicates,
)
from kefu.customers.models import ContactPoint, Customer
from kefu.lib.errors import Conflict, Errors, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def create(world: Any, **kw: Any) -> Customer:
    data: dict[str, Any] = {"name": "张三", "phone": "13800138000"}
    data.update(kw)
    allow = data.pop("allow_duplicate", False)
    actor = data.pop("actor", world.agent)
    return do_create_customer(actor.user, CustomerInput(**data), allow_duplicate=allow)


@pytest.mark.parametrize("raw", ["138 0013 8000", "+86 138-0013-8000", "008613800138000"])
def test_phone_normalised(world: Any, raw: str) -> None:
    c = create(world, phone=raw)
    assert c.phone_e164 == "+8613800138000"
    assert c.phone == raw.strip()
    assert ContactPoint.objects.filter(customer=c, kind="phone", normalized="+8613800138000").exists()
    assert c.number.startswith("KH") and len(c.number) == 10
    assert c.branch == world.north


@pytest.mark.parametrize(
    ("kw", "field", "code"),
    [
        ({"phone": "12345"}, "phone", "invalid_phone"),
        ({"phone": "abc"}, "phone", "invalid_phone"),
        ({"phone": "", "email": ""}, "phone", "contact_required"),
        ({"phone": "", "email": "not-an-email"}, "email", "invalid_email"),
        ({"name": "   "}, "name", "required"),
        ({"name": "名" * 201}, "name", "too_long"),
        ({"kind": "robot"}, "kind", "invalid_choice"),
        ({"relationship": "enemy"}, "relationship", "invalid_choice"),
        ({"customer_since": dt.date(2999, 1, 1)}, "customer_since", "future_date"),
    ],
)
def test_invalid_input_names_the_field(world: Any, kw: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        create(world, **kw)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert str(exc.value.message)
    assert not Customer.objects.exists()
    assert not AuditRecord.objects.exists()


def test_several_errors_reported_together(world: Any) -> None:
    with pytest.raises(Errors) as exc:
        create(world, name="", phone="12345", kind="robot")
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("name", "required"),
        ("phone", "invalid_phone"),
        ("kind", "invalid_choice"),
    ]


def test_branch_scope(world: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        create(world, branch_id=world.south.pk)
    assert (exc.value.field, exc.value.code) == ("branch", "forbidden_branch")
    c = create(world, actor=world.admin, branch_id=world.south.pk)
    assert c.branch == world.south
    with pytest.raises(ValidationFailed) as exc:
        create(world, actor=world.admin, phone="13900139000")  # company-level staff must choose
    assert exc.value.field == "branch"


def test_area_found_from_address(world: Any) -> None:
    c = create(world, address="北京市 和平里 3号楼")
    assert c.area == world.area_n1
    with pytest.raises(ValidationFailed) as exc:
        create(world, phone="13900139000", area_id=world.area_s1.pk)
    assert exc.value.field == "area"


def test_roles_that_cannot_create(world: Any) -> None:
    for persona in (world.technician, world.followup, world.inspector):
        with pytest.raises(PermissionDenied):
            create(world, actor=persona)
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ({"phone": "008613800138000"}, "phone"),  # primary phone, another notation
        ({"phone": "", "email": "ZHANG@example.COM"}, "email"),  # e-mail, case-insensitive
        ({"phone": "13900139000"}, "phone"),  # an extra phone (ContactPoint) of the first customer
        ({"phone": "", "email": "zhang.work@example.com"}, "email"),  # an extra e-mail point
    ],
)
def test_duplicates(world: Any, second: dict[str, Any], field: str) -> None:
    first = create(world, email="zhang@example.com", extra_phones=["139-0013-9000"])
    from kefu.customers.actions import add_contact_point

    add_contact_point(first, ContactPoint.Kind.EMAIL, "Zhang.Work@Example.com")
    with pytest.raises(ValidationFailed) as exc:
        create(world, name="张三（重复）", **second)
    assert (exc.value.code, exc.value.field) == ("duplicate", field)
    assert exc.value.extra["duplicates"] == [first.pk]
    assert first.number in str(exc.value.message)
    assert Customer.objects.count() == 1
    # allowed on purpose (e.g. two households sharing a phone)
    assert create(world, name="张三（重复）", allow_duplicate=True, **second).pk != first.pk


def test_find_duplicates(world: Any) -> None:
    a = create(world, email="a@example.com")
    b = create(world, name="李四", phone="13900139000", extra_phones=["13800138000"], allow_duplicate=True)
    assert [c.pk for c in find_duplicates("+8613800138000")] == [a.pk, b.pk]
    assert [c.pk for c in find_duplicates("+8613800138000", exclude_id=a.pk)] == [b.pk]
    assert [c.pk for c in find_duplicates(email="a@example.com")] == [a.pk]
    assert find_duplicates() == []
    assert find_duplicates("+8613700137000", "nobody@example.com") == []


def test_create_is_audited(world: Any) -> None:
    c = create(world)
    rec = AuditRecord.objects.get(action="customer.create")
    assert (rec.actor, rec.customer_id, rec.object_id) == (world.agent.user, c.pk, str(c.pk))
    assert rec.after is not None
    assert rec.after["name"] == "张三" and rec.after["phone_e164"] == "+8613800138000"


def test_update(world: Any) -> None:
    c = create(world)
    c2 = do_update_customer(
        world.agent.user, c.pk, CustomerInput(name="张三丰", phone="13800138000"), expected_version=c.version
    )
    assert (c2.name, c2.version) == ("张三丰", c.version + 1)
    rec = AuditRecord.objects.get(action="customer.update")
    assert rec.before is not None and rec.after is not None
    assert rec.before["name"] == "张三" and rec.after["name"] == "张三丰"
    assert "phone" not in rec.after  # only what changed
    with pytest.raises(Conflict) as exc:
        do_update_customer(
            world.agent.user, c.pk, CustomerInput(name="X", phone="13800138000"), expected_version=c.version
        )
    assert (exc.value.status, exc.value.code) == (409, "stale")
    assert Customer.objects.get(pk=c.pk).name == "张三丰"
    assert AuditRecord.objects.filter(action="customer.update").count() == 1


def test_update_without_changes_writes_nothing(world: Any) -> None:
    c = create(world, address="和平里3号楼", email="zhang@example.com")
    same = CustomerInput(name=" 张三 ", phone="13800138000", email="ZHANG@example.com", address="和平里3号楼")
    got = do_update_customer(world.agent.user, c.pk, same, expected_version=c.version)
    assert got.pk == c.pk and got.version == c.version
    fresh = Customer.objects.get(pk=c.pk)
    assert (fresh.version, fresh.updated_at, fresh.name) == (c.version, c.updated_at, "张三")
    assert not AuditRecord.objects.filter(action="customer.update").exists()
    # a real change afterwards is still saved and audited, against the unchanged version
    do_update_customer(
        world.agent.user,
        c.pk,
        CustomerInput(name="张三", phone="13800138000", email="zhang@example.com", address="和平里5号楼"),
        expected_version=c.version,
    )
    rec = AuditRecord.objects.get(action="customer.update")
    assert rec.before is not None
    assert rec.after is not None
    assert (rec.before["address"], rec.after["address"]) == ("和平里3号楼", "和平里5号楼")
    assert Customer.objects.get(pk=c.pk).version == c.version + 1


def _points(c: Customer) -> set[tuple[str, str, str, str]]:
    return set(ContactPoint.objects.filter(customer=c).values_list("kind", "value", "normalized", "label"))


def test_new_primary_phone_and_email_keep_the_old_ones_as_previous(world: Any) -> None:
    c = create(world, email="zhang@example.com")
    do_update_customer(
        world.agent.user, c.pk, CustomerInput(name="张三", phone="139 0013 9000", email="z3@example.com")
    )
    assert _points(c) == {
        ("phone", "13800138000", "+8613800138000", "previous"),
        ("phone", "139 0013 9000", "+8613900139000", "primary"),
        ("email", "zhang@example.com", "zhang@example.com", "previous"),
        ("email", "z3@example.com", "z3@example.com", "primary"),
    }
    # the old number still finds the customer (duplicate matching)
    assert [d.pk for d in find_duplicates("+8613800138000")] == [c.pk]
    # back to the old number, written differently; the e-mail removed
    do_update_customer(world.agent.user, c.pk, CustomerInput(name="张三", phone="+86 138-0013-8000"))
    assert _points(c) == {
        ("phone", "+86 138-0013-8000", "+8613800138000", "primary"),
        ("phone", "139 0013 9000", "+8613900139000", "previous"),
        ("email", "zhang@example.com", "zhang@example.com", "previous"),
        ("email", "z3@example.com", "z3@example.com", "previous"),
    }


def test_an_extra_phone_that_becomes_primary_is_relabelled(world: Any) -> None:
    c = create(world, extra_phones=["13900139000"])
    assert ("phone", "13900139000", "+8613900139000", "") in _points(c)
    do_update_customer(world.agent.user, c.pk, CustomerInput(name="张三", phone="13900139000"))
    labels = dict(ContactPoint.objects.filter(customer=c).values_list("normalized", "label"))
    assert labels == {"+8613800138000": "previous", "+8613900139000": "primary"}


def test_update_refuses_duplicate_and_other_branch(world: Any) -> None:
    a = create(world)
    b = create(world, name="李四", phone="13900139000")
    with pytest.raises(ValidationFailed) as exc:
        do_update_customer(world.agent.user, b.pk, CustomerInput(name="李四", phone="138 0013 8000"))
    assert exc.value.code == "duplicate" and exc.value.extra["duplicates"] == [a.pk]
    assert Customer.objects.get(pk=b.pk).phone_e164 == "+8613900139000"
    with pytest.raises(NotFound):
        do_update_customer(world.agent_south.user, a.pk, CustomerInput(name="改名", phone="13800138000"))
    assert Customer.objects.get(pk=a.pk).name == "张三"


@pytest.mark.parametrize(
    ("kind", "values", "field", "code"),
    [
        (
            "subscription",
            {"product": "宽带", "start_date": dt.date(2025, 5, 1), "expiry_date": dt.date(2025, 4, 1)},
            "expiry_date",
            "date_order",
        ),
        (
            "subscription",
            {"product": "宽带", "start_date": dt.date(2025, 5, 1), "monthly_fee": Decimal("-1")},
            "monthly_fee",
            "negative",
        ),
        (
            "purchase",
            {
                "product": "光猫",
                "quantity": 0,
                "unit_price": Decimal("100"),
                "purchased_on": dt.date(2025, 5, 1),
            },
            "quantity",
            "too_small",
        ),
        ("payment", {"amount": Decimal("-5"), "due_date": dt.date(2025, 5, 1)}, "amount", "negative"),
        (
            "contract",
            {"title": "合同", "start_date": dt.date(2025, 5, 1), "end_date": dt.date(2024, 1, 1)},
            "end_date",
            "date_order",
        ),
        ("spaceship", {}, "kind", "invalid_choice"),
    ],
)
def test_record_validation(world: Any, kind: str, values: dict[str, Any], field: str, code: str) -> None:
    c = create(world)
    with pytest.raises(ValidationFailed) as exc:
        do_add_record(world.agent.user, c.pk, kind, values)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert not AuditRecord.objects.filter(action__startswith="customer.add_").exists()


def test_records_are_audited(world: Any) -> None:
    c = create(world)
    p = do_add_record(
        world.agent.user,
        c.pk,
        "purchase",
        {
            "product": "光猫",
            "quantity": 2,
            "unit_price": Decimal("150.50"),
            "purchased_on": dt.date(2025, 5, 1),
        },
    )
    rec = AuditRecord.objects.get(action="customer.add_purchase")
    assert (rec.actor, rec.customer_id, rec.object_id) == (world.agent.user, c.pk, str(p.pk))
    assert rec.after is not None
    assert rec.after["unit_price"] == "150.50" and rec.after["quantity"] == 2
    with pytest.raises(PermissionDenied):
        do_add_record(
            world.technician.user, c.pk, "bad_record", {"recorded_on": dt.date(2025, 1, 1), "kind": "欠费"}
        )


def test_note(world: Any) -> None:
    c = create(world)
    note = do_add_note(world.agent.user, c.pk, "  客户偏好上午联系 ")
    assert note.body == "客户偏好上午联系" and note.author == world.agent
    rec = AuditRecord.objects.get(action="customer.note")
    assert rec.after == {"body": "客户偏好上午联系"}
    with pytest.raises(ValidationFailed):
        do_add_note(world.agent.user, c.pk, "  ")
    with pytest.raises(NotFound):
        do_add_note(world.agent_south.user, c.pk, "看不到的客户")
    assert AuditRecord.objects.filter(action="customer.note").count() == 1


RECORDS: dict[str, dict[str, Any]] = {
    "subscription": {
        "product": "宽带100M",
        "start_date": dt.date(2025, 1, 1),
        "expiry_date": dt.date(2026, 1, 1),
    },
    "contract": {
        "number": "HT-001",
        "title": "政企专线",
        "signed_on": dt.date(2025, 1, 1),
        "start_date": dt.date(2025, 1, 1),
    },
    "purchase": {
        "product": "光猫",
        "quantity": 1,
        "unit_price": Decimal("199"),
        "purchased_on": dt.date(2025, 1, 1),
    },
    "payment": {"amount": Decimal("120"), "due_date": dt.date(2025, 1, 31), "paid_on": dt.date(2025, 2, 3)},
    "bad_record": {"recorded_on": dt.date(2025, 3, 1), "kind": "恶意欠费"},
    "person": {"name": "王主任", "title": "办公室主任", "phone": "13900139000"},
}


@pytest.mark.parametrize("kind", list(RECORDS))
def test_every_record_kind_is_audited(world: Any, kind: str) -> None:
    c = create(world)
    obj = do_add_record(world.supervisor.user, c.pk, kind, dict(RECORDS[kind]))
    rec = AuditRecord.objects.get(action=f"customer.add_{kind}")
    assert (rec.actor, rec.customer_id, rec.object_id) == (world.supervisor.user, c.pk, str(obj.pk))
    assert rec.after is not None
    assert rec.after["customer_id"] == c.pk
    assert obj.customer_id == c.pk  # type: ignore[attr-defined]
