"""Work-order numbers GD-YYYYMMDD-NNNNNN: company-time-zone date, consecutive, per day, race-free."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from kefu.organization.models import NumberSequence
from kefu.organization.sequences import next_value
from kefu.testing.clock import freeze, utc
from kefu.testing.threads import together
from kefu.workorders.actions import OrderInput, do_create_order, order_number
from kefu.workorders.models import WorkOrder

UTC = dt.UTC
NUMBER = re.compile(r"^GD-(\d{8})-(\d{6})$")


@pytest.mark.django_db
def test_date_is_taken_in_asia_shanghai() -> None:
    with transaction.atomic():
        # 16:30 UTC on 1 March is 00:30 on 2 March in Beijing
        assert order_number(dt.datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) == "GD-20260302-000001"
        assert order_number(dt.datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)) == "GD-20260301-000001"
        assert order_number(dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC)) == "GD-20260302-000002"
        # a new day restarts at 1
        assert order_number(dt.datetime(2026, 3, 2, 16, 0, tzinfo=UTC)) == "GD-20260303-000001"
        assert order_number(dt.datetime(2026, 3, 1, 1, 0, tzinfo=UTC)) == "GD-20260301-000002"
    assert dict(NumberSequence.objects.filter(key__startswith="GD-").values_list("key", "value")) == {
        "GD-20260301": 2,
        "GD-20260302": 2,
        "GD-20260303": 1,
    }


@pytest.mark.django_db
def test_created_orders_are_numbered_consecutively_per_day(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = world.customer()
    clock = freeze(monkeypatch, utc(2026, 3, 1, 16, 30))
    numbers = [world.order(c).number for _ in range(3)]
    assert numbers == ["GD-20260302-000001", "GD-20260302-000002", "GD-20260302-000003"]
    clock.set(utc(2026, 3, 2, 16, 5))  # 00:05 on 3 March in Beijing
    assert world.order(c).number == "GD-20260303-000001"


@pytest.mark.django_db
def test_number_of_a_normal_order_matches_today(world: Any) -> None:
    o = world.order(world.customer())
    m = NUMBER.match(o.number)
    assert m is not None
    assert m.group(1) == timezone.localtime(o.created_at).strftime("%Y%m%d")


@pytest.mark.django_db
def test_refused_creation_gives_its_number_back(world: Any) -> None:
    c = world.customer()
    first = world.order(c)
    with pytest.raises(RuntimeError, match="rolled back"), transaction.atomic():
        order_number(timezone.now())
        raise RuntimeError("rolled back")
    second = world.order(c)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


@pytest.mark.django_db(transaction=True)
def test_next_value_outside_a_transaction_raises() -> None:
    with pytest.raises(RuntimeError, match="inside a transaction"):
        next_value("GD-20260101")
    assert not NumberSequence.objects.filter(key="GD-20260101").exists()


THREADS, PER_THREAD = 8, 25


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_distinct_consecutive_numbers(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite's in-memory test database cannot be shared by threads")
    customer = world.customer()

    def worker(i: int) -> list[str]:
        return [
            do_create_order(
                world.agent.user,
                customer.pk,
                OrderInput(order_type="inquiry", title=f"并发 {i}-{j}", description="并发测试"),
            ).number
            for j in range(PER_THREAD)
        ]

    numbers = [n for ns in together(worker, range(THREADS), timeout=60) for n in ns]
    assert len(numbers) == THREADS * PER_THREAD == 200
    assert len(set(numbers)) == 200
    days = {NUMBER.match(n).group(1) for n in numbers}  # type: ignore[union-attr]
    seqs = sorted(int(n[-6:]) for n in numbers)
    if len(days) == 1:  # (a run across midnight would restart the count)
        assert seqs == list(range(1, 201))
    assert WorkOrder.objects.count() == 200
