"""Work-order search (kefu/lib/search.py) on SQLite and PostgreSQL: Chinese substrings of 1, 2, 3 and
4+ characters, mixed scripts, full-width forms, phone digits, several words, no false positives,
the bigram index really used, and results that follow edits."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from kefu.customers.actions import CustomerInput, do_update_customer
from kefu.lib import search
from kefu.workorders.access import visible_workorders
from kefu.workorders.actions import do_update_order
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

TEXTS = {
    "refund": ("申请退款", "客户要求退款并开具发票"),
    "goods": ("退货款项核对", "退货后款项未到账"),  # has 退 and 款, never 退款
    "modem": ("光猫故障", "ONU光猫红灯闪烁，宽带无法上网"),
    "fullwidth": ("ＡＢＣ型号机顶盒", "机顶盒型号ＡＢＣ－１２３"),
    "percent": ("资费咨询", "优惠50%是否包含月租"),
}


@pytest.fixture
def orders(world: Any) -> dict[str, WorkOrder]:
    c = world.customer(name="欧阳娜娜", phone="13800138000")
    other = world.customer(name="李四", phone="13900139000")
    result = {}
    for key, (title, description) in TEXTS.items():
        result[key] = world.order(other if key != "refund" else c, title=title, description=description)
    return result


def found(query: str, orders: dict[str, WorkOrder]) -> set[str]:
    by_pk = {o.pk: k for k, o in orders.items()}
    pks = search.filter_queryset(WorkOrder.objects.all(), query).values_list("pk", flat=True)
    return {by_pk[pk] for pk in pks}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("退款", {"refund"}),  # 2 characters: trigram indexes miss these
        ("款退", set()),  # reversed: not a substring anywhere
        ("退货", {"goods"}),
        ("款项", {"goods"}),
        ("开具发", {"refund"}),  # 3 characters
        ("宽带无法上网", {"modem"}),  # 4+ characters
        ("无法 宽带", {"modem"}),  # several words, any order
        ("退款 发票", {"refund"}),
        ("退款 光猫", set()),  # every word must match
        ("退", {"refund", "goods"}),  # one character: LIKE fallback
        ("猫", {"modem"}),
        ("onu光猫", {"modem"}),  # mixed scripts, case-insensitive
        ("ONU", {"modem"}),
        ("abc", {"fullwidth"}),  # ＡＢＣ is indexed as abc
        ("ＡＢＣ", {"fullwidth"}),
        ("abc-123", {"fullwidth"}),  # full-width hyphen and digits
        ("50%", {"percent"}),  # LIKE wildcards are literal
        ("5%", set()),
        ("0%是", {"percent"}),
        ("欧阳", {"refund"}),  # customer name is searchable on the order
        ("娜娜", {"refund"}),
        ("13800138000", {"refund"}),  # phone digits
        ("0013800", {"refund"}),
        ("+8613800138000", {"refund"}),
        ("   ", {"refund", "goods", "modem", "fullwidth", "percent"}),  # empty query: no filter
        ("退款退款", set()),
        ("不存在的词", set()),
        ("{退款}", set()),  # array-literal and FTS syntax characters are plain text
        ('退款" OR "光猫', set()),
        ("\\'%_*", set()),
        ("NEAR(退款)", set()),
    ],
)
def test_queries(orders: dict[str, WorkOrder], query: str, expected: set[str]) -> None:
    assert found(query, orders) == expected


def test_search_by_number(orders: dict[str, WorkOrder]) -> None:
    o = orders["modem"]
    assert found(o.number, orders) == {"modem"}
    assert found(o.number.lower(), orders) == {"modem"}
    assert found(o.number[-6:], orders) >= {"modem"}


def test_combines_with_access_rules(world: Any, orders: dict[str, WorkOrder]) -> None:
    south = world.customer(name="南方客户", phone="13700137000", branch=world.south)
    s = world.order(south, title="申请退款", description="南区退款")
    qs = search.filter_queryset(visible_workorders(world.agent_south.user), "退款")
    assert list(qs.values_list("pk", flat=True)) == [s.pk]
    qs = search.filter_queryset(visible_workorders(world.agent.user), "退款")
    assert list(qs.values_list("pk", flat=True)) == [orders["refund"].pk]


def test_results_follow_order_edits(world: Any, orders: dict[str, WorkOrder]) -> None:
    o = orders["refund"]
    do_update_order(world.agent.user, o.pk, {"title": "资费变更", "description": "改为包年套餐"})
    assert found("退款", orders) == set()
    assert found("包年", orders) == {"refund"}
    assert found("资费", orders) == {"refund", "percent"}


def test_results_follow_customer_edits(world: Any, orders: dict[str, WorkOrder]) -> None:
    """The customer's name and phone are part of the order's search text; an edit updates both."""
    o = orders["refund"]
    c = o.customer
    do_update_customer(world.agent.user, c.pk, CustomerInput(name="司马光", phone="13500135000"))
    assert found("欧阳", orders) == set()
    assert found("司马", orders) == {"refund"}
    assert found("13500135000", orders) == {"refund"}
    assert found("13800138000", orders) == set()


def test_the_bigram_index_is_used(orders: dict[str, WorkOrder]) -> None:
    qs = search.filter_queryset(WorkOrder.objects.order_by(), "退款")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
        assert "workorders_workorder_grams_gin" in plan, plan
    else:
        plan = qs.explain()
        assert "kefu_fts_workorder" in plan, plan
        # and the FTS table really decides: without its rows, 2+-character queries find nothing
        with connection.cursor() as cur:
            cur.execute("DELETE FROM kefu_fts_workorder")
        assert found("退款", orders) == set()
        assert found("退", orders) == {"refund", "goods"}  # 1 character: LIKE only


@pytest.mark.pg
def test_pg_grams_column_matches_python_bigrams(orders: dict[str, WorkOrder]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the generated search_grams column")
    o = orders["modem"]
    with connection.cursor() as cur:
        cur.execute("SELECT search_grams FROM workorders_workorder WHERE id = %s", [o.pk])
        (grams,) = cur.fetchone()
    assert sorted(grams) == sorted(search.bigrams(o.search_text))


def test_bigrams_and_normalize() -> None:
    assert search.normalize("  ＡＢＣ　退款\n  Ok ") == "abc 退款 ok"
    assert search.bigrams("退款 退款") == ["退款"]
    assert search.bigrams("宽带故障") == ["宽带", "带故", "故障"]
    assert search.bigrams("a b") == []
    assert search.bigrams("退") == []
