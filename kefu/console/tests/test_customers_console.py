"""Customer pages of the console: search, create/edit with duplicate warnings, the customer page with every
archive record, forms that add records/notes/contacts/tier overrides, branch isolation and query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kefu.audit.models import AuditRecord
from kefu.customers import actions
from kefu.customers.models import (
    BadRecord,
    Contact,
    ContactPerson,
    Contract,
    Customer,
    CustomerNote,
    Payment,
    Purchase,
    Subscription,
)

pytestmark = pytest.mark.django_db

LIST = "/customers/"


def client_for(staff, lang: str = "en") -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    c.force_login(staff.user)
    return c


def listed(resp) -> set[str]:  # type: ignore[no-untyped-def]
    return set(re.findall(r'data-customer="(KH\d{8})"', resp.content.decode()))


def detail_url(c: Customer) -> str:
    return reverse("console:customer_detail", args=[c.pk])


def test_url_names() -> None:
    assert reverse("console:customer_list") == LIST
    assert reverse("console:customer_create") == "/customers/new/"
    assert reverse("console:customer_detail", args=[7]) == "/customers/7/"
    assert reverse("console:customer_edit", args=[7]) == "/customers/7/edit/"
    assert reverse("console:customer_add_record", args=[7, "payment"]) == "/customers/7/records/payment/"


# ---------------------------------------------------------------------------------------------------
# search


@pytest.fixture
def people(world):  # type: ignore[no-untyped-def]
    return {
        "zhang": world.customer(name="张三丰", phone="13800138000", address="和平里三区5号楼"),
        "li": world.customer(name="李四", phone="010-6552 9988", email="Li.Si@Example.com"),
        "wang": world.customer(name="王五退款专户", phone="13911112222", extra_phones=["13700001111"]),
        "south": world.customer(name="张三", phone="13500135000", branch=world.south),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", {"zhang"}),  # 2 Chinese characters, branch isolation hides the southern 张三
        ("张三丰", {"zhang"}),
        ("退款", {"wang"}),
        ("和平里", {"zhang"}),
        ("138 0013 8000", {"zhang"}),
        ("138-0013-8000", {"zhang"}),
        ("+86 138 0013 8000", {"zhang"}),
        ("(010) 65529988", {"li"}),
        ("8613800138000", {"zhang"}),
        ("13700001111", {"wang"}),  # a second number of the customer
        ("li.si@example.COM", {"li"}),
        ("0013", {"zhang"}),  # part of a number
        ("不存在", set()),
    ],
)
def test_search(world, people, query: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    resp = client_for(world.agent).get(LIST, {"q": query})
    assert resp.status_code == 200
    assert listed(resp) == {people[k].number for k in expected}


def test_search_company_staff_sees_both_branches(world, people) -> None:  # type: ignore[no-untyped-def]
    resp = client_for(world.admin).get(LIST, {"q": "张三"})
    assert listed(resp) == {people["zhang"].number, people["south"].number}


def test_search_by_number_opens_the_customer(world, people) -> None:  # type: ignore[no-untyped-def]
    resp = client_for(world.agent).get(LIST, {"q": people["li"].number.lower()})
    assert resp.status_code == 302
    assert resp["Location"] == detail_url(people["li"])
    # another branch's number is not opened
    resp = client_for(world.agent).get(LIST, {"q": people["south"].number})
    assert resp.status_code == 200 and listed(resp) == set()


def test_filters_and_htmx_fragment(world, people) -> None:  # type: ignore[no-untyped-def]
    actions.do_override_tier(world.supervisor.user, people["li"].pk, "gold", "大客户")
    c = client_for(world.agent)
    assert listed(c.get(LIST, {"tier": "gold"})) == {people["li"].number}
    assert listed(c.get(LIST, {"area": world.area_n1.pk})) == {people["zhang"].number}
    frag = c.get(LIST, {"q": "李四"}, HTTP_HX_REQUEST="true")
    body = frag.content.decode()
    assert "<html" not in body and 'id="customer-list-body"' in body
    assert listed(frag) == {people["li"].number}


def test_list_pages(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_PAGE_SIZE = 3
    made = [world.customer(name=f"客户{i}", phone=f"1380000{i:04d}") for i in range(7)]
    c = client_for(world.agent)
    first, third = c.get(LIST), c.get(LIST, {"page": 3})
    assert listed(first) == {m.number for m in made[-3:]}  # newest first
    assert listed(third) == {made[0].number}
    assert "page 1 of 3" in first.content.decode()


def test_list_query_count_is_constant(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    for i in range(3):
        world.customer(name=f"客户{i}", phone=f"1380000{i:04d}", address="和平里")
    c.get(LIST)  # warm caches (session, language)
    with CaptureQueriesContext(connection) as few:
        c.get(LIST)
    for i in range(3, 30):
        world.customer(name=f"客户{i}", phone=f"1380000{i:04d}", address="北苑")
    with CaptureQueriesContext(connection) as many:
        assert c.get(LIST).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 12


# ---------------------------------------------------------------------------------------------------
# create / edit


def form_data(**kw: str) -> dict[str, str]:
    data = {
        "name": "",
        "kind": "person",
        "relationship": "individual",
        "phone": "",
        "email": "",
        "address": "",
    }
    data.update(kw)
    return data


def test_create_customer_normalises_and_finds_area(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    resp = c.post(
        "/customers/new/",
        form_data(
            name=" 赵  六 ",
            phone="138 0013 9000",
            email="ZHAO@Example.com",
            address="北苑路8号",
            relationship="business",
            kind="organisation",
            extra_phones="010-65529900，13911110000",
        ),
    )
    new = Customer.objects.get(name="赵 六")
    assert resp.status_code == 302 and resp["Location"] == detail_url(new)
    assert (new.phone_e164, new.email, new.area, new.branch) == (
        "+8613800139000",
        "zhao@example.com",
        world.area_n2,
        world.north,
    )
    assert (new.relationship, new.kind) == ("business", "organisation")
    assert {p.normalized for p in new.contact_points.filter(kind="phone")} == {
        "+8613800139000",
        "+861065529900",
        "+8613911110000",
    }
    assert AuditRecord.objects.filter(action="customer.create", customer_id=new.pk).count() == 1


def test_create_errors_name_the_field_in_chinese(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent, lang="zh-hans")
    resp = c.post("/customers/new/", form_data(phone="12345", email="not-an-email"))
    assert resp.status_code == 400
    body = resp.content.decode()
    assert 'data-testid="error-cust-name"' in body
    assert 'data-testid="error-cust-phone"' in body
    assert 'data-testid="error-cust-email"' in body
    assert 'lang="zh-hans"' in body
    assert Customer.objects.count() == 0


def test_duplicate_warning_then_create_anyway(world) -> None:  # type: ignore[no-untyped-def]
    old = world.customer(name="张三", phone="13800138000")
    hidden = world.customer(name="南方张三", phone="13800138000", branch=world.south)
    c = client_for(world.agent)
    resp = c.post("/customers/new/", form_data(name="张三的家人", phone="+86 138-0013-8000"))
    assert resp.status_code == 400
    body = resp.content.decode()
    assert 'id="duplicate-warning"' in body
    assert f'data-duplicate="{old.number}"' in body
    assert hidden.number not in body  # another branch: counted, not shown
    assert "1 more in another branch" in body
    assert f"/orders/new/?customer={old.pk}" in body
    assert 'name="allow_duplicate"' in body
    assert Customer.objects.filter(name="张三的家人").count() == 0
    resp = c.post(
        "/customers/new/", form_data(name="张三的家人", phone="+86 138-0013-8000", allow_duplicate="on")
    )
    assert resp.status_code == 302
    assert Customer.objects.filter(name="张三的家人", phone_e164="+8613800138000").count() == 1


def test_duplicate_by_email_of_a_contact_point(world) -> None:  # type: ignore[no-untyped-def]
    old = world.customer(name="李四", phone="13800138000", email="li@example.com")
    resp = client_for(world.agent).post("/customers/new/", form_data(name="李四四", email="LI@example.com"))
    assert resp.status_code == 400 and f'data-duplicate="{old.number}"' in resp.content.decode()


def test_create_prefills_from_query(world) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.agent).get("/customers/new/", {"phone": "13800138000"}).content.decode()
    assert 'value="13800138000"' in body


def test_roles_without_customer_create_get_404(world) -> None:  # type: ignore[no-untyped-def]
    for staff in (world.technician, world.inspector, world.followup):
        assert client_for(staff).get("/customers/new/").status_code == 404
    assert client_for(world.agent).get("/customers/new/").status_code == 200


def test_edit_customer_with_version(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer(name="张三", phone="13800138000", address="和平里1号")
    c = client_for(world.agent)
    url = reverse("console:customer_edit", args=[cust.pk])
    page = c.get(url).content.decode()
    assert 'value="张三"' in page and f'name="version" value="{cust.version}"' in page
    resp = c.post(
        url, form_data(name="张三", phone="13800138001", address="北苑2号", version=str(cust.version))
    )
    assert resp.status_code == 302
    cust.refresh_from_db()
    assert (cust.phone_e164, cust.area) == ("+8613800138001", world.area_n2)
    # a stale version: 409, nothing saved, the form carries the new version
    resp = c.post(url, form_data(name="张三三", phone="13800138001", version=str(cust.version - 1)))
    assert resp.status_code == 409
    body = resp.content.decode()
    assert 'id="conflict-notice"' in body and f'name="version" value="{cust.version}"' in body
    cust.refresh_from_db()
    assert cust.name == "张三"


def test_edit_other_branch_customer_is_404(world) -> None:  # type: ignore[no-untyped-def]
    south = world.customer(name="南方客户", phone="13500135000", branch=world.south)
    c = client_for(world.agent)
    assert c.get(reverse("console:customer_edit", args=[south.pk])).status_code == 404
    assert c.post(reverse("console:customer_edit", args=[south.pk]), form_data(name="x")).status_code == 404
    assert c.get(detail_url(south)).status_code == 404
    assert c.get("/customers/999999/").status_code == 404


# ---------------------------------------------------------------------------------------------------
# the customer page


@pytest.fixture
def archive(world):  # type: ignore[no-untyped-def]
    cust = world.customer(
        name="北苑物业公司", phone="13800138000", kind="organisation", relationship="business"
    )
    u = world.agent.user
    actions.do_add_record(
        u, cust.pk, "person", {"name": "陈经理", "title": "物业经理", "phone": "13900001111"}
    )
    actions.do_add_record(
        u,
        cust.pk,
        "subscription",
        {"product": "宽带100M", "start_date": dt.date(2024, 1, 1), "expiry_date": dt.date(2025, 1, 1)},
    )
    actions.do_add_record(
        u,
        cust.pk,
        "contract",
        {
            "number": "HT-2024-001",
            "title": "物业燃气维护",
            "signed_on": dt.date(2024, 1, 1),
            "start_date": dt.date(2024, 1, 1),
            "amount": Decimal("50000"),
        },
    )
    actions.do_add_record(
        u,
        cust.pk,
        "purchase",
        {
            "product": "燃气报警器",
            "quantity": 3,
            "unit_price": Decimal("199"),
            "purchased_on": dt.date(2025, 6, 1),
        },
    )
    actions.do_add_record(
        u,
        cust.pk,
        "payment",
        {"amount": Decimal("300"), "due_date": dt.date(2025, 3, 1), "paid_on": dt.date(2025, 3, 20)},
    )
    actions.do_add_record(
        u,
        cust.pk,
        "bad_record",
        {"recorded_on": dt.date(2025, 4, 1), "kind": "恶意欠费", "description": "催缴三次"},
    )
    actions.do_add_note(u, cust.pk, "客户要求上午上门")
    actions.do_log_contact(u, cust.pk, "counter", "营业厅咨询账单")
    order = world.order(cust, title="燃气表漏气")
    return cust, order


def test_customer_page_shows_everything(world, archive) -> None:  # type: ignore[no-untyped-def]
    cust, order = archive
    body = client_for(world.agent).get(detail_url(cust)).content.decode()
    for text in (
        "北苑物业公司",
        cust.number,
        "陈经理",
        "宽带100M",
        "2025-01-01",
        "HT-2024-001",
        "燃气报警器",
        "597",  # 3 x 199
        "恶意欠费",
        "客户要求上午上门",
        "营业厅咨询账单",
        order.number,
        "燃气表漏气",
        "customer.add_payment",
        "business",
    ):
        assert text in body, text
    assert 'class="badge churn-high">late<' in body.replace("\n", "")  # paid 19 days after due
    assert f'href="/orders/new/?customer={cust.pk}"' in body
    assert "expired" in body  # the 2025 subscription


def test_customer_page_query_count_is_constant(world, archive) -> None:  # type: ignore[no-untyped-def]
    cust, _order = archive
    c = client_for(world.agent)
    c.get(detail_url(cust))
    with CaptureQueriesContext(connection) as few:
        c.get(detail_url(cust))
    u = world.agent.user
    for i in range(15):
        world.order(cust, title=f"工单{i}")
        actions.do_add_note(u, cust.pk, f"备注{i}")
        actions.do_log_contact(u, cust.pk, "phone", f"来电{i}")
        actions.do_add_record(
            u, cust.pk, "payment", {"amount": Decimal("10"), "due_date": dt.date(2025, 1, 1 + i)}
        )
    with CaptureQueriesContext(connection) as many:
        assert c.get(detail_url(cust)).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 40


@pytest.mark.parametrize(
    ("kind", "data", "model", "check"),
    [
        ("subscription", {"product": "有线电视", "start_date": "2026-01-01", "expiry_date": "2026-12-31", "monthly_fee": "28.50"}, Subscription, {"monthly_fee": Decimal("28.50")}),
        ("contract", {"number": "HT-9", "title": "年度维护", "signed_on": "2026-02-01", "start_date": "2026-02-01", "amount": "1200"}, Contract, {"number": "HT-9"}),
        ("purchase", {"product": "报警器", "quantity": "2", "unit_price": "99", "purchased_on": "2026-03-01"}, Purchase, {"quantity": 2}),
        ("payment", {"description": "3月气费", "amount": "88", "due_date": "2026-03-31", "paid_on": "2026-03-30"}, Payment, {"paid_on": dt.date(2026, 3, 30)}),
        ("bad_record", {"recorded_on": "2026-04-01", "kind": "拒绝安检", "description": ""}, BadRecord, {"kind": "拒绝安检"}),
        ("person", {"name": "刘会计", "title": "财务", "phone": "", "email": "liu@example.com"}, ContactPerson, {"name": "刘会计"}),
    ],
)  # fmt: skip
def test_add_record_forms(world, kind, data, model, check) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    resp = client_for(world.agent).post(reverse("console:customer_add_record", args=[cust.pk, kind]), data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert resp["Location"] == detail_url(cust) + f"#{kind}-section"
    row = model.objects.get(customer=cust)
    for name, value in check.items():
        assert getattr(row, name) == value
    assert AuditRecord.objects.filter(action=f"customer.add_{kind}", customer_id=cust.pk).count() == 1


def test_add_record_errors_keep_the_input(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    url = reverse("console:customer_add_record", args=[cust.pk, "subscription"])
    resp = client_for(world.agent).post(
        url, {"product": "宽带", "start_date": "2026-05-01", "expiry_date": "2026-04-01", "monthly_fee": "-3"}
    )
    assert resp.status_code == 400
    body = resp.content.decode()
    assert 'data-testid="error-subscription-expiry_date"' in body
    assert 'data-testid="error-subscription-monthly_fee"' in body
    assert 'id="subscription-form-section" open' in body
    assert 'value="宽带"' in body
    assert not Subscription.objects.exists()
    bad_date = client_for(world.agent).post(url, {"product": "宽带", "start_date": "2026-13-01"})
    assert (
        bad_date.status_code == 400
        and 'data-testid="error-subscription-start_date"' in bad_date.content.decode()
    )
    assert (
        client_for(world.agent)
        .post(reverse("console:customer_add_record", args=[cust.pk, "nonsense"]), {})
        .status_code
        == 404
    )


def test_records_recompute_the_tier(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    assert cust.tier == "lead"
    c = client_for(world.agent)
    url = reverse("console:customer_add_record", args=[cust.pk, "purchase"])
    today = timezone.localdate().isoformat()
    c.post(url, {"product": "整户改造", "quantity": "1", "unit_price": "80000", "purchased_on": today})
    cust.refresh_from_db()
    assert cust.tier_score >= 50 and cust.tier in ("gold", "diamond")
    body = c.get(detail_url(cust)).content.decode()
    assert f"score {cust.tier_score}" in body


def test_note_contact_and_tier_forms(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer()
    agent, sup = client_for(world.agent), client_for(world.supervisor)
    assert agent.post(reverse("console:customer_note", args=[cust.pk]), {"body": "  "}).status_code == 400
    assert (
        agent.post(reverse("console:customer_note", args=[cust.pk]), {"body": "周末不在家"}).status_code
        == 302
    )
    assert CustomerNote.objects.get(customer=cust).author == world.agent
    resp = agent.post(
        reverse("console:customer_contact", args=[cust.pk]),
        {"channel": "phone", "direction": "out", "summary": ""},
    )
    assert resp.status_code == 400 and 'data-testid="error-contact-summary"' in resp.content.decode()
    resp = agent.post(
        reverse("console:customer_contact", args=[cust.pk]),
        {"channel": "phone", "direction": "out", "summary": "回电确认上门时间"},
    )
    assert resp.status_code == 302
    contact = Contact.objects.get(customer=cust, summary="回电确认上门时间")
    assert (contact.staff, contact.direction, contact.channel) == (world.agent, "out", "phone")
    # an agent may not override the tier: the form is not shown and a post is refused
    assert 'id="tier-form"' not in agent.get(detail_url(cust)).content.decode()
    resp = agent.post(reverse("console:customer_tier", args=[cust.pk]), {"tier": "diamond", "reason": "x"})
    assert resp.status_code == 403
    cust.refresh_from_db()
    assert cust.tier == "lead"
    # the supervisor must give a reason
    resp = sup.post(reverse("console:customer_tier", args=[cust.pk]), {"tier": "diamond", "reason": ""})
    assert resp.status_code == 400 and 'data-testid="error-tier-reason"' in resp.content.decode()
    resp = sup.post(
        reverse("console:customer_tier", args=[cust.pk]), {"tier": "diamond", "reason": "市重点单位"}
    )
    assert resp.status_code == 302
    cust.refresh_from_db()
    assert (cust.tier, cust.tier_override_reason) == ("diamond", "市重点单位")
    body = sup.get(detail_url(cust)).content.decode()
    assert "市重点单位" in body and "set by hand" in body
    # clearing the override returns to the computed tier
    sup.post(reverse("console:customer_tier", args=[cust.pk]), {"tier": "", "reason": ""})
    cust.refresh_from_db()
    assert (cust.tier, cust.tier_override) == ("lead", "")


def test_audit_shows_before_and_after(world) -> None:  # type: ignore[no-untyped-def]
    cust = world.customer(name="张三", phone="13800138000")
    actions.do_update_customer(
        world.agent.user,
        cust.pk,
        actions.CustomerInput(name="张三", phone="13800138000", address="和平里9号"),
    )
    body = client_for(world.agent).get(detail_url(cust)).content.decode()
    # the agent sees the changed address masked, like the rest of the page (docs/privacy.md)
    assert "customer.update" in body and "和平里***" in body and "和平里9号" not in body
    body = client_for(world.admin).get(detail_url(cust)).content.decode()
    assert "customer.update" in body and "和平里9号" in body


def test_forms_posted_to_other_branch_customer_are_404(world) -> None:  # type: ignore[no-untyped-def]
    south = world.customer(name="南方客户", phone="13500135000", branch=world.south)
    c = client_for(world.agent)
    assert c.post(reverse("console:customer_note", args=[south.pk]), {"body": "x"}).status_code == 404
    assert (
        c.post(
            reverse("console:customer_add_record", args=[south.pk, "bad_record"]),
            {"recorded_on": "2026-01-01", "kind": "x"},
        ).status_code
        == 404
    )
    assert not CustomerNote.objects.exists() and not BadRecord.objects.exists()


def test_portal_customer_cannot_open_console_customer_pages(world) -> None:  # type: ignore[no-untyped-def]
    from kefu.testing.factories import make_user

    cust = world.customer()
    user = make_user("cust_login")
    cust.user = user
    cust.save(update_fields=["user"])
    c = Client()
    c.force_login(user)
    assert c.get(detail_url(cust)).status_code == 404
    assert c.get(LIST).status_code == 404


def test_anonymous_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(LIST)
    assert resp.status_code == 302 and "/login" in resp["Location"]
