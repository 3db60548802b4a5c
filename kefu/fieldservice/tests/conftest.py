"""A north-branch safety-check campaign over 和平里片区 with two technicians and ten households."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.commitments.models import Service
from kefu.fieldservice import campaigns
from kefu.testing.factories import make_staff

SH = ZoneInfo("Asia/Shanghai")
# Wednesday 30 September 2026, 10:00 in Shanghai: the National Day holidays (1–7 October) lie ahead,
# Saturday 10 October is a make-up working day
NOW = dt.datetime(2026, 9, 30, 10, 0, tzinfo=SH)


@pytest.fixture
def at_now(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(dt.UTC))
    return NOW


@pytest.fixture
def safety(world):  # type: ignore[no-untyped-def]
    return Service.objects.create(
        code="gas-safety-check",
        name="入户燃气安全检查",
        name_en="Household gas safety check",
        order_type="fault_general",
        technical=True,
        place="onsite",
    )


@pytest.fixture
def techs(world):  # type: ignore[no-untyped-def]
    tech2 = make_staff("tech2", "technician", world.north, leader=world.supervisor, name="钱师傅")
    world.area_n1.responsible.add(world.technician, tech2)
    return [world.technician, tech2]


@pytest.fixture
def homes(world):  # type: ignore[no-untyped-def]
    rows = [
        world.customer(name=f"住户{i}", phone=f"1390000{i:04d}", address=f"和平里{i}号") for i in range(1, 10)
    ]
    # no mobile: the notice is a printed letter
    rows.append(world.customer(name="固话户", phone="010-62345678", address="和平里10号"))
    return rows


def campaign_input(safety, world, **kw):  # type: ignore[no-untyped-def]
    data = {
        "name": "2026年秋季入户安检",
        "service_id": safety.pk,
        "area_ids": [world.area_n1.pk],
        "starts_on": dt.date(2026, 10, 5),
        "ends_on": dt.date(2026, 10, 16),
        "notice_text": "{name}您好，{technician}将于{date} {window}上门安检，改约请拨{hotline}。",
        "window_minutes": 120,
        "daily_capacity": 2,
        "batch_size": 10,
        "absent_repeats": 1,
        "repeat_gap_days": 7,
    }
    data.update(kw)
    return campaigns.CampaignInput(**data)


@pytest.fixture
def campaign(world, safety, techs, homes, at_now):  # type: ignore[no-untyped-def]
    return campaigns.do_create_campaign(world.supervisor.user, campaign_input(safety, world))
