"""The read replica (``DATABASE_REPLICA_URL``, kefu.lib.replica) against a real streaming replica.

``scripts/test`` starts a primary and a hot standby of it on loopback (``scripts/pg-replica``) and runs this
file with ``DATABASE_URL`` on the primary and ``DATABASE_REPLICA_URL`` on the standby. The standby's replay
is paused while an order is written: the order is on the primary only, so a read that finds it read the
primary and a read that misses it read the replica. Without a replica configured (SQLite, the main
PostgreSQL run) the file is skipped.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.lib import replica
from kefu.workorders.models import WorkOrder

pytestmark = [
    pytest.mark.skipif(
        not replica.configured(),
        reason="DATABASE_REPLICA_URL is not set (scripts/test runs this file against scripts/pg-replica)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def _one(alias: str, sql: str, params: list[Any] | None = None) -> Any:
    with connections[alias].cursor() as cur:
        cur.execute(sql, params or [])
        return cur.fetchone()[0]


def caught_up(timeout: float = 20) -> None:
    """Wait until the replica has replayed everything the primary has written so far.

    The insert position, not ``pg_current_wal_lsn()`` (the position written out): the test server runs
    with ``synchronous_commit=off``, so a commit returns while its record may still be in the WAL buffers,
    behind the written position, and a replica at that position lacks it (seen on a loaded machine)."""
    lsn = _one("default", "SELECT pg_current_wal_insert_lsn()::text")
    deadline = time.monotonic() + timeout
    while not _one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
        assert time.monotonic() < deadline, "the replica did not catch up with the primary"
        time.sleep(0.05)


@contextlib.contextmanager
def replay_paused() -> Iterator[None]:
    """The replica stops applying the primary's changes (what is committed meanwhile is on the primary only)."""
    caught_up()
    _one("replica", "SELECT pg_wal_replay_pause()::text")
    try:
        yield
    finally:
        _one("replica", "SELECT pg_wal_replay_resume()::text")


def client_for(staff: Any) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def queue_numbers(resp: Any) -> set[str]:
    body = resp.content.decode()
    table = body[body.index('id="queue-table"') :]
    return set(re.findall(r'data-number="(GD-\d{8}-\d{6})"', table))


def test_the_replica_is_a_hot_standby_of_the_primary_with_the_same_database() -> None:
    assert _one("default", "SELECT pg_is_in_recovery()") is False
    assert _one("replica", "SELECT pg_is_in_recovery()") is True
    assert _one("replica", "SELECT current_database()") == _one("default", "SELECT current_database()")
    assert (
        connections["replica"].settings_dict["PORT"] != connections["default"].settings_dict["PORT"]
        or connections["replica"].settings_dict["HOST"] != connections["default"].settings_dict["HOST"]
    )


def test_search_and_export_read_the_replica_and_the_order_page_after_a_write_the_primary(world: Any) -> None:
    c = world.customer()
    old = world.order(c, title="燃气表漏气老单")
    agent = client_for(world.agent)
    with replay_paused():
        new = world.order(c, title="燃气表漏气新单")  # committed on the primary, not on the replica yet
        assert WorkOrder.objects.filter(number=new.number).exists()  # the ordinary read: the primary
        assert not WorkOrder.objects.using("replica").filter(number=new.number).exists()

        # the order page right after the write: the primary (the replica has not got the order)
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            page = agent.get(f"/orders/{new.number}/")
        assert page.status_code == 200 and "燃气表漏气新单" in page.content.decode()
        assert len(on_replica.captured_queries) == 0

        # a search reads the replica: the old order is found, the new one not yet
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            found = agent.get("/orders/", {"tab": "team", "q": "燃气表漏气"})
        assert found.status_code == 200
        assert queue_numbers(found) == {old.number}
        assert len(on_replica.captured_queries) > 0
        # the same list without a search reads the primary: both orders
        assert queue_numbers(agent.get("/orders/", {"tab": "team"})) == {old.number, new.number}

        # the streamed export reads the replica too
        export = agent.get("/reports/export/orders/", {"tab": "team", "format": "csv"})
        text = b"".join(export.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
        assert old.number in text and new.number not in text

        # the API's search as well
        api = agent.get("/api/v1/orders", {"q": "燃气表漏气"})
        assert api.status_code == 200, api.content
        assert [o["number"] for o in api.json()["items"]] == [old.number]

    caught_up()
    assert queue_numbers(agent.get("/orders/", {"tab": "team", "q": "燃气表漏气"})) == {
        old.number,
        new.number,
    }


def test_reports_run_their_queries_on_the_replica(world: Any) -> None:
    world.order(world.customer(), title="报表单")
    caught_up()
    sup = client_for(world.supervisor)
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        resp = sup.get("/reports/")
    assert resp.status_code == 200
    assert len(on_replica.captured_queries) >= 5
    report_tables = ("kefu_workorders_workorder", "workorders_workorder", "commitments_orderclock")
    assert not [q for q in on_primary.captured_queries if any(t in q["sql"] for t in report_tables)]


def test_inside_a_transaction_on_the_primary_reads_stay_there() -> None:
    with replica.replica_reads():
        assert WorkOrder.objects.all().db == "replica"
        with transaction.atomic():
            assert WorkOrder.objects.all().db == "default"
            assert replica.alias() == "default"
        assert replica.alias() == "replica"
    assert WorkOrder.objects.all().db == "default"
