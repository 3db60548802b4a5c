"""Fixtures of the complaints tests: the shipped causes (a transactional test may have flushed them)."""

from __future__ import annotations

import pytest


@pytest.fixture
def causes(world):  # type: ignore[no-untyped-def]
    from kefu.complaints.models import ComplaintCause
    from kefu.complaints.taxonomy import ensure_causes

    ensure_causes()
    return {c.code: c for c in ComplaintCause.objects.all()}


@pytest.fixture
def complaint(world):  # type: ignore[no-untyped-def]
    c = world.customer(name="投诉客户", phone="13900139000")
    return world.order(
        c, order_type="complaint", title="收费有误", description="上月账单多收了30元，请核实。"
    )
