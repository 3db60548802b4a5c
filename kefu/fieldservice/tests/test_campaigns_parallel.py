"""Two and more workers planning batches of one campaign on PostgreSQL: every household is planned once,
gets one notice, and no technician gets more visits a day than the capacity."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection

from kefu.channels.models import OutboxMessage
from kefu.fieldservice import campaigns
from kefu.fieldservice.models import Appointment, CampaignHousehold, CampaignVisit
from kefu.fieldservice.tests.conftest import SH
from kefu.testing.threads import together


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_parallel_batches_plan_each_household_once(world: Any, campaign: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("parallel planning is exercised on PostgreSQL (SQLite serialises writers)")
    campaign.batch_size = 3
    campaign.save()

    def worker(_: int) -> list[int]:
        return [campaigns.do_plan_batch(None, campaign.pk).planned for _ in range(2)]

    planned = [n for ns in together(worker, range(4)) for n in ns]
    assert sum(planned) == 10 and sorted(planned)[-1] == 3
    assert CampaignHousehold.objects.filter(campaign=campaign, status="scheduled").count() == 10
    assert CampaignVisit.objects.count() == 10
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"campaign:{campaign.pk}:").count() == 10
    load = Counter(
        (a.technician_id, a.window_start.astimezone(SH).date())
        for a in Appointment.objects.filter(source="campaign")
    )
    assert max(load.values()) <= campaign.daily_capacity
    # a re-run after everything is planned plans and sends nothing
    assert campaigns.do_plan_batch(None, campaign.pk).planned == 0
    assert OutboxMessage.objects.count() == 10
