"""The API's JSON is written by orjson with the values Django's encoder wrote: date-times with
milliseconds and ``Z``, decimals as strings; Chinese as UTF-8."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest

from kefu.api.renderer import dumps
from kefu.api.tests.conftest import api_for

pytestmark = pytest.mark.django_db


def test_values_as_djangos_encoder_writes_them() -> None:
    moment = dt.datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=dt.UTC)
    out = json.loads(
        dumps(
            {"at": moment, "day": dt.date(2026, 12, 7), "amount": Decimal("12.50"), 3: "three", "名": "王五"}
        )
    )
    assert out == {
        "at": "2026-12-07T08:30:15.123Z",
        "day": "2026-12-07",
        "amount": "12.50",
        "3": "three",
        "名": "王五",
    }


def test_the_same_values_as_the_renderer_before() -> None:
    from ninja.responses import NinjaJSONEncoder

    shanghai = dt.timezone(dt.timedelta(hours=8))
    data = {
        "times": [
            dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            dt.datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=shanghai),
        ],
        "time": dt.time(9, 30, 0, 250000),
        "money": [Decimal("0.10"), Decimal("1E+2")],
        "nested": {"list": [1, 2.5, None, True, "退款"]},
        "duration": dt.timedelta(hours=1, minutes=30),
    }
    assert json.loads(dumps(data)) == json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def test_an_order_answer_is_utf8_with_djangos_times(world: Any) -> None:
    cust = world.customer(name="王五", phone="13700137000")
    o = world.order(cust, title="宽带断网")
    resp = api_for(world.agent.user).get(f"/orders/{o.number}")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/json")
    raw = resp.content.decode("utf-8")
    assert "宽带断网" in raw and "\\u" not in raw
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", resp.body["created_at"])
