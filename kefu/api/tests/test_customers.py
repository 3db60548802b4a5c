"""Customer endpoints: list/search/filters/pagination, get, create, update with versions, records,
notes, tier override, orders of a customer."""

from __future__ import annotations

import pytest

from kefu.api.tests.conftest import assert_error
from kefu.audit.models import AuditRecord
from kefu.customers.models import Customer, Payment

pytestmark = pytest.mark.django_db


def test_list_paginates_with_total(world, apis):
    for i in range(7):
        world.customer(name=f"客户{i}", phone=f"1380013{8100 + i}")
    api = apis("agent")
    r = api.get("/customers", limit=3, offset=0, ordering="id")
    assert r.status_code == 200
    assert r.body["count"] == 7 and r.body["limit"] == 3 and r.body["offset"] == 0
    assert [c["name"] for c in r.body["items"]] == ["客户0", "客户1", "客户2"]
    r = api.get("/customers", limit=3, offset=6, ordering="id")
    assert [c["name"] for c in r.body["items"]] == ["客户6"]
    assert r.body["count"] == 7
    r = api.get("/customers", limit=3, offset=100)
    assert r.body["items"] == [] and r.body["count"] == 7


def test_search_two_character_chinese_substring(world, apis):
    world.customer(name="王退款", phone="13800138001")
    world.customer(name="李退货", phone="13800138002")
    world.customer(name="赵款项", phone="13800138003")
    r = apis("agent").get("/customers", q="退款")
    assert r.status_code == 200
    assert [c["name"] for c in r.body["items"]] == ["王退款"]
    assert r.body["count"] == 1
    assert {c["name"] for c in apis("agent").get("/customers", q="退").body["items"]} == {"王退款", "李退货"}


def test_phone_filter_matches_normalised_numbers(world, apis):
    world.customer(name="甲", phone="13800138001")
    world.customer(name="乙", phone="13900139002")
    r = apis("agent").get("/customers", phone="+86 138-0013-8001")
    assert [c["name"] for c in r.body["items"]] == ["甲"]
    assert_error(apis("agent").get("/customers", phone="12"), 400, "invalid_phone", "phone")


def test_filters_relationship_tier_area(world, apis):
    world.customer(name="公司", phone="13800138001", relationship="business", address="和平里3号")
    world.customer(name="个人", phone="13800138002")
    api = apis("agent")
    assert [c["name"] for c in api.get("/customers", relationship="business").body["items"]] == ["公司"]
    assert [c["name"] for c in api.get("/customers", area=world.area_n1.pk).body["items"]] == ["公司"]
    assert api.get("/customers", tier="lead").body["count"] == 2
    assert api.get("/customers", tier="diamond").body["count"] == 0
    assert_error(api.get("/customers", tier="platinum"), 400, "invalid", "tier")
    assert_error(api.get("/customers", ordering="password"), 400, "invalid", "ordering")


def test_get_customer_has_etag_and_staff_fields(world, apis):
    c = world.customer(name="张三")
    r = apis("agent").get(f"/customers/{c.pk}")
    assert r.status_code == 200
    assert r["ETag"] == '"1"'
    assert r.body["name"] == "张三" and r.body["version"] == 1
    assert r.body["tier"] == "lead" and r.body["branch"]["id"] == world.north.pk


def test_create_customer(world, apis):
    r = apis("agent").post(
        "/customers",
        {"name": "新客户", "phone": "139 0013 9000", "address": "北苑路1号", "relationship": "business"},
    )
    assert r.status_code == 201, r.body
    assert r.body["phone_e164"] == "139****9000"  # an agent's answers are masked (docs/privacy.md)
    assert Customer.objects.get(pk=r.body["id"]).phone_e164 == "+8613900139000"
    assert r.body["area"]["id"] == world.area_n2.pk
    assert r.body["branch"]["id"] == world.north.pk
    assert r["Location"].endswith(f"/customers/{r.body['id']}")
    assert AuditRecord.objects.filter(action="customer.create", customer_id=r.body["id"]).count() == 1


def test_create_duplicate_reports_ids_unless_allowed(world, apis):
    existing = world.customer(phone="13800138000")
    api = apis("agent")
    r = api.post("/customers", {"name": "另一个", "phone": "+86 13800138000"})
    err = assert_error(r, 400, "duplicate", "phone")
    assert err["duplicates"] == [existing.pk]
    assert Customer.objects.count() == 1
    r = api.post("/customers", {"name": "另一个", "phone": "+86 13800138000", "allow_duplicate": True})
    assert r.status_code == 201
    assert Customer.objects.count() == 2


def test_create_customer_field_errors(world, apis):
    err = assert_error(apis("agent").post("/customers", {"name": "  ", "phone": "13800138000"}), 400)
    assert err["field"] == "name" and err["code"] == "required"
    assert_error(apis("agent").post("/customers", {"name": "x"}), 400, "contact_required", "phone")
    assert_error(
        apis("agent").post("/customers", {"name": "x", "phone": "13800138000", "branch_id": world.south.pk}),
        400,
        "forbidden_branch",
        "branch",
    )
    assert Customer.objects.count() == 0


def test_patch_with_if_match_and_version(world, apis):
    c = world.customer(name="旧名")
    api = apis("agent")
    r = api.patch(f"/customers/{c.pk}", {"name": "新名"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.body
    assert r.body["name"] == "新名" and r.body["version"] == 2 and r["ETag"] == '"2"'
    assert r.body["phone_e164"] == "138****8000"  # untouched fields stay (masked for an agent)
    assert Customer.objects.get(pk=c.pk).phone_e164 == "+8613800138000"
    r = api.patch(f"/customers/{c.pk}", {"address": "和平里5号", "version": 2})
    assert r.status_code == 200
    assert r.body["version"] == 3 and r.body["area"]["id"] == world.area_n1.pk


def test_patch_stale_version_is_409(world, apis):
    c = world.customer(name="旧名")
    api = apis("agent")
    assert api.patch(f"/customers/{c.pk}", {"name": "A", "version": 1}).status_code == 200
    err = assert_error(api.patch(f"/customers/{c.pk}", {"name": "B", "version": 1}), 409, "stale", "version")
    assert err["current_version"] == 2
    c.refresh_from_db()
    assert c.name == "A" and c.version == 2


def test_patch_without_version_is_428(world, apis):
    c = world.customer()
    assert_error(apis("agent").patch(f"/customers/{c.pk}", {"name": "B"}), 428, "precondition_required")
    assert_error(
        apis("agent").patch(f"/customers/{c.pk}", {"name": "B"}, headers={"If-Match": "abc"}),
        400,
        "invalid",
        "If-Match",
    )
    assert_error(
        apis("agent").patch(f"/customers/{c.pk}", {"name": "B", "version": 2}, headers={"If-Match": '"1"'}),
        400,
        "version_mismatch",  # both well-formed: a rule, not the schema
        "version",
    )


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("subscription", {"product": "宽带100M", "start_date": "2024-01-01", "monthly_fee": "99.00"}),
        (
            "contract",
            {"number": "HT-1", "title": "年度合同", "signed_on": "2024-01-01", "start_date": "2024-01-01"},
        ),
        (
            "purchase",
            {"product": "光猫", "quantity": 2, "unit_price": "150.50", "purchased_on": "2024-05-01"},
        ),
        ("payment", {"amount": "300", "due_date": "2024-02-01", "paid_on": "2024-01-30"}),
        ("bad_record", {"recorded_on": "2024-03-01", "kind": "恶意欠费"}),
        ("person", {"name": "联系人", "phone": "13800138009", "is_primary": True}),
    ],
)
def test_add_records(world, apis, kind, body):
    c = world.customer()
    r = apis("agent").post(f"/customers/{c.pk}/records/{kind}", body)
    assert r.status_code == 201, r.body
    assert r.body["kind"] == kind and r.body["customer"]["id"] == c.pk
    assert AuditRecord.objects.filter(action=f"customer.add_{kind}", customer_id=c.pk).count() == 1


def test_record_business_errors(world, apis):
    c = world.customer()
    api = apis("agent")
    assert_error(
        api.post(
            f"/customers/{c.pk}/records/subscription",
            {"product": "x", "start_date": "2024-02-01", "expiry_date": "2024-01-01"},
        ),
        400,
        "date_order",
        "expiry_date",
    )
    assert_error(
        api.post(f"/customers/{c.pk}/records/payment", {"amount": "-5", "due_date": "2024-02-01"}),
        400,
        "invalid",  # the schema's minimum is 0
        "amount",
    )
    assert_error(api.post(f"/customers/{c.pk}/records/payment", {"amount": "5"}), 400, "invalid", "due_date")
    assert_error(api.post(f"/customers/{c.pk}/records/lottery", {"x": 1}), 404, "not_found")
    assert Payment.objects.count() == 0


def test_notes_and_tier_override(world, apis):
    c = world.customer()
    r = apis("agent").post(f"/customers/{c.pk}/notes", {"body": "客户要求回电"})
    assert r.status_code == 201 and r.body["author"]["id"] == world.agent.pk
    assert_error(apis("agent").post(f"/customers/{c.pk}/tier-override", {"tier": "gold", "reason": "x"}), 403)
    sup = apis("supervisor")
    assert_error(
        sup.post(f"/customers/{c.pk}/tier-override", {"tier": "gold"}), 400, "reason_required", "reason"
    )
    r = sup.post(f"/customers/{c.pk}/tier-override", {"tier": "gold", "reason": "大客户"})
    assert r.status_code == 200
    assert r.body["tier"] == "gold" and r.body["tier_override_reason"] == "大客户"
    r = sup.post(f"/customers/{c.pk}/tier-override", {"tier": None})
    assert r.body["tier"] == "lead" and r.body["tier_override"] == ""


def test_orders_of_a_customer(world, apis):
    c = world.customer()
    other = world.customer(name="别人", phone="13800138009")
    world.order(c, title="一")
    world.order(c, title="二")
    world.order(other, title="三")
    r = apis("agent").get(f"/customers/{c.pk}/orders", ordering="received_at")
    assert r.status_code == 200
    assert r.body["count"] == 2
    assert [o["title"] for o in r.body["items"]] == ["一", "二"]
