"""kefu.lib.search.capped_count: a common word is counted among the newest rows first (PostgreSQL), with the
same result as the plain capped count; rare words and a failed probe count as usual."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.lib import search
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):  # type: ignore[no-untyped-def]
    cust = world.customer()
    # one rare word, 30 older orders about a leak, then the 10 newest of which 6 about a leak
    world.order(cust, title="阀门锈蚀")
    for i in range(30):
        world.order(cust, title=f"燃气泄漏 {i}")
    for i in range(10):
        world.order(cust, title=f"燃气泄漏 新{i}" if i < 6 else f"燃气表不走字 {i}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE workorders_workorder")
    search._stats.clear()
    return WorkOrder.objects.all()


def count(qs, word: str, cap: int) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as q:
        n = search.capped_count(search.filter_queryset(qs, word), word, cap)
    return n, [x["sql"] for x in q]


def test_same_counts_as_the_plain_capped_count(orders, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "PROBE_ROWS", 10)
    for word, cap in [("燃气泄漏", 5), ("燃气泄漏", 100), ("泄漏", 36), ("阀门锈蚀", 5), ("不存在的词", 5)]:
        plain = search.filter_queryset(orders, word).order_by()[: cap + 1].count()
        assert count(orders, word, cap)[0] == plain, word
    assert count(orders, "燃气泄漏", 100)[0] == 36
    assert count(orders, "燃气泄漏", 5)[0] == 6  # "more than 5"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the probe is PostgreSQL's")
def test_probe_of_a_common_word_on_postgresql(orders, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "PROBE_ROWS", 10)
    freqs = search.gram_frequencies("workorders_workorder")
    assert freqs["泄漏"] > 0.8 and search.is_common("workorders_workorder", "燃气泄漏")
    assert not search.is_common("workorders_workorder", "阀门锈蚀")  # 1 of 41 rows: below 5 %

    # the 10 newest rows hold 6 leaks: a cap of 5 is reached there, with the bitmap scans off
    n, sql = count(orders, "燃气泄漏", 5)
    assert n == 6
    assert any("enable_bitmapscan = off" in s for s in sql)
    counts = [s for s in sql if "COUNT(*)" in s]
    assert len(counts) == 1 and '"workorders_workorder"."id" >' in counts[0]

    # a cap of 10 is not reached among them: the whole table is counted after the probe
    n, sql = count(orders, "燃气泄漏", 10)
    assert n == 11
    assert len([s for s in sql if "COUNT(*)" in s]) == 2

    # a rare word goes straight to the index
    n, sql = count(orders, "阀门锈蚀", 5)
    assert n == 1 and not any("enable_bitmapscan" in s for s in sql)

    # the setting is back for the rest of the transaction
    with connection.cursor() as cur:
        cur.execute("SHOW enable_bitmapscan")
        assert cur.fetchone()[0] == "on"
