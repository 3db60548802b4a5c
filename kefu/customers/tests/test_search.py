"""Customer search by name, phone, e-mail and number on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from kefu.customers.access import visible_customers
from kefu.customers.actions import CustomerInput, do_update_customer
from kefu.customers.models import Customer
from kefu.lib import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world: Any) -> dict[str, Customer]:
    return {
        "zhang": world.customer(name="张三", phone="138 0013 8000", email="Zhang.San@Example.com"),
        "ouyang": world.customer(name="欧阳娜娜", phone="13900139000", address="和平里3号楼"),
        "shop": world.customer(name="ＡＢＣ通讯器材商行", phone="010-6552 9988", kind="organisation"),
        "zhangwei": world.customer(name="张伟", phone="13700137000"),
    }


def found(query: str, people: dict[str, Customer]) -> set[str]:
    by_pk = {c.pk: k for k, c in people.items()}
    return {
        by_pk[pk] for pk in search.filter_queryset(Customer.objects.all(), query).values_list("pk", flat=True)
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", {"zhang"}),  # a whole 2-character name
        ("三张", set()),
        ("张", {"zhang", "zhangwei"}),  # 1 character
        ("欧阳娜", {"ouyang"}),  # 3 characters
        ("欧阳娜娜", {"ouyang"}),
        ("和平里", {"ouyang"}),  # address
        ("abc通讯", {"shop"}),  # full-width name, mixed scripts
        ("ＡＢＣ", {"shop"}),
        ("13800138000", {"zhang"}),  # phone as typed without spaces
        ("138 0013 8000", {"zhang"}),  # as three words
        ("+8613800138000", {"zhang"}),
        ("8000", {"zhang"}),
        ("1065529988", {"shop"}),  # the landline's national digits
        ("zhang.san@example.com", {"zhang"}),  # e-mail, case-insensitive
        ("ZHANG.SAN", {"zhang"}),
        ("张 13700137000", {"zhangwei"}),
        ("张三 13700137000", set()),
    ],
)
def test_queries(people: dict[str, Customer], query: str, expected: set[str]) -> None:
    assert found(query, people) == expected


def test_customer_number(people: dict[str, Customer]) -> None:
    c = people["ouyang"]
    assert found(c.number, people) == {"ouyang"}
    assert found(c.number.lower(), people) == {"ouyang"}


def test_results_follow_edits(world: Any, people: dict[str, Customer]) -> None:
    c = people["zhang"]
    do_update_customer(world.agent.user, c.pk, CustomerInput(name="张三丰", phone="13600136000"))
    assert found("三丰", people) == {"zhang"}
    assert found("13600136000", people) == {"zhang"}
    assert found("13800138000", people) == set()
    assert found("example", people) == set()  # e-mail removed


def test_search_respects_branches(world: Any, people: dict[str, Customer]) -> None:
    south = world.customer(name="张三", phone="13500135000", branch=world.south)
    qs = search.filter_queryset(visible_customers(world.agent_south.user), "张三")
    assert list(qs.values_list("pk", flat=True)) == [south.pk]


def test_the_bigram_index_is_used(people: dict[str, Customer]) -> None:
    qs = search.filter_queryset(Customer.objects.order_by(), "张三")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
        assert "customers_customer_grams_gin" in plan, plan
    else:
        assert "kefu_fts_customer" in qs.explain()
        with connection.cursor() as cur:
            cur.execute("DELETE FROM kefu_fts_customer")
        assert found("张三", people) == set()
