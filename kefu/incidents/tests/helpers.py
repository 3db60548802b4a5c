"""Shared set-up of the incident tests: an incident of the north branch and reporters of every kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import trans_real

from kefu.incidents import actions
from kefu.incidents.models import Incident
from kefu.lib import clock
from kefu.workorders.models import WorkOrder


def make_incident(world: Any, **kw: Any) -> Incident:
    data = {
        "title": "安定路爆管停水",
        "owner_unit_id": world.repair_north.pk,
        "kind": "burst_main",
        "area_id": world.area_n1.pk,
        "address_range": "安定路 1–99号",
        "cause": "主管道爆裂",
        "started_at": clock.now() - dt.timedelta(hours=1),
        "estimated_end_at": clock.now() + dt.timedelta(hours=5),
        **kw,
    }
    return actions.do_create_incident(world.agent.user, actions.IncidentInput(**data))


def reporters(world: Any, n: int, *, start: int = 0) -> list[WorkOrder]:
    """``n`` reports of the burst in 和平里: every third by e-mail in English, the others by SMS (a mobile)
    in Chinese; each a different customer."""
    orders = []
    for i in range(start, start + n):
        if i % 3 == 2:
            c = world.customer(name=f"Reporter {i}", phone="", email=f"r{i}@example.com", language="en")
            o = world.order(
                c,
                channel="email",
                title="No water",
                description="No water since noon",
                area_id=world.area_n1.pk,
            )
        else:
            c = world.customer(name=f"报修人{i}", phone=f"1390000{i:04d}", language="zh-hans")
            o = world.order(
                c, channel="sms", title="停水了", description="安定路爆管，家里没水", area_id=world.area_n1.pk
            )
        orders.append(o)
    return orders


@contextmanager
def translated(language: str, strings: dict[str, str]) -> Iterator[None]:
    """Messages of this change not yet in the .po files (the lead merges the translations), put into the
    running catalogue of ``language`` for one test, so that "in the reporter's language" can be checked."""
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    saved = {k: catalog.get(k) for k in strings}
    for k, v in strings.items():
        catalog[k] = v
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                for part in catalog._catalogs:
                    part.pop(k, None)
            else:
                catalog[k] = v
