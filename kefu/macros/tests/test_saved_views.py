"""Saved views: personal and shared queue definitions, their counts (one COUNT per view, cached briefly)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.lib.errors import KefuError, PermissionDenied
from kefu.macros import saved
from kefu.macros.models import SavedView

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):  # type: ignore[no-untyped-def]
    c = world.customer(name="王五", phone="13700137000")
    made = [world.order(c, title=f"燃气表故障 {i}") for i in range(5)]
    from kefu.workorders import actions as wo

    for o in made[:2]:
        wo.do_update_order(world.agent.user, o.pk, {"priority": "urgent"})
    south = world.customer(name="赵六", phone="13600136000", branch=world.south)
    world.order(south, priority="urgent")
    return made


def test_shared_view_is_defined_by_a_supervisor_and_counted(world, orders) -> None:  # type: ignore[no-untyped-def]
    v = saved.do_save_view(
        world.supervisor.user,
        saved.ViewInput(
            name="紧急", tab="team", filters={"priority": "urgent"}, shared=True, columns=["customer"]
        ),
    )
    assert v.shared and v.branch_id == world.north.pk
    with pytest.raises(PermissionDenied):
        saved.do_save_view(world.agent.user, saved.ViewInput(name="x", shared=True))
    menu = saved.menu(world.agent.user, world.agent)
    assert [(r["name"], r["count"]) for r in menu] == [("紧急", 2)]  # the south order is not the agent's
    assert saved.menu(world.agent_south.user, world.agent_south) == []
    assert "priority=urgent" in menu[0]["query"] and f"view={v.pk}" in menu[0]["query"]


def test_counts_cost_one_query_per_view_and_are_cached(world, orders) -> None:  # type: ignore[no-untyped-def]
    views = [
        saved.do_save_view(
            world.agent.user, saved.ViewInput(name="a", tab="team", filters={"priority": "urgent"})
        ),
        saved.do_save_view(world.agent.user, saved.ViewInput(name="b", tab="owned")),
        saved.do_save_view(
            world.agent.user, saved.ViewInput(name="c", tab="mine", filters={"status": "new"})
        ),
    ]
    with CaptureQueriesContext(connection) as first:
        counts = saved.counts(world.agent.user, world.agent, views)
    assert counts == {views[0].pk: 2, views[1].pk: 5, views[2].pk: 0}
    counting = [q for q in first.captured_queries if "workorders_workorder" in q["sql"]]
    assert len(counting) == 3
    from kefu.workorders import actions as wo

    wo.do_update_order(world.agent.user, orders[2].pk, {"priority": "urgent"})
    with CaptureQueriesContext(connection) as again:
        cached = saved.counts(world.agent.user, world.agent, views)
    assert cached[views[0].pk] == 2  # reused for COUNT_SECONDS
    assert len(again.captured_queries) == 1  # one cache read for the whole menu
    # a changed view is counted again at once
    saved.do_save_view(
        world.agent.user, saved.ViewInput(name="a2", tab="team", filters={"priority": "urgent"}), views[0].pk
    )
    fresh = saved.counts(world.agent.user, world.agent, list(SavedView.objects.filter(pk=views[0].pk)))
    assert fresh[views[0].pk] == 3


def test_filters_are_checked(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KefuError) as exc:
        saved.do_save_view(
            world.agent.user,
            saved.ViewInput(
                name="", tab="all", filters={"priority": "asap", "area": world.area_s1.pk, "x": 1}
            ),
        )
    fields = {e.field for e in exc.value.errors}  # type: ignore[attr-defined]
    assert fields == {"name", "tab", "priority", "area", "x"}
    ok = saved.do_save_view(
        world.agent.user,
        saved.ViewInput(name="片区", filters={"area": str(world.area_n1.pk), "overdue": "on", "q": " 燃气 "}),
    )
    assert ok.filters == {"area": world.area_n1.pk, "overdue": True, "q": "燃气"}


def test_personal_views_are_private(world, orders) -> None:  # type: ignore[no-untyped-def]
    v = saved.do_save_view(world.agent.user, saved.ViewInput(name="我的"))
    assert saved.menu(world.agent_senior.user, world.agent_senior) == []
    with pytest.raises(KefuError):
        saved.do_delete_view(world.agent_senior.user, v.pk)
    saved.do_delete_view(world.agent.user, v.pk)
    assert not SavedView.objects.exists()
