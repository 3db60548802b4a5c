"""Pure KPI rules (no database): periods, values, scoring, ranks, spread, Pareto; SVG escaping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.reports import kpis, svg
from kefu.reports.kpis import Direction, Kpi, Period, Ratio


def test_period_parse_and_bounds() -> None:
    p = Period.parse("2026-02")
    assert (p.first_day, p.last_day, p.end_day) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 1),
    )
    tz = ZoneInfo("Asia/Shanghai")
    start, end = p.bounds(tz)
    assert start == dt.datetime(2026, 2, 1, tzinfo=tz) and end == dt.datetime(2026, 3, 1, tzinfo=tz)
    y = Period.parse("2026")
    assert (y.first_day, y.last_day, len(y.months())) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), 12)
    for bad in ("", "2026-13", "26-01", "2026-1-1", "abcd"):
        with pytest.raises(ValueError):
            Period.parse(bad)
    assert [str(m) for m in kpis.previous_months(Period(2026, 2), 3)] == ["2025-12", "2026-01", "2026-02"]


def test_values() -> None:
    assert kpis.value(Kpi.COMPLAINT_RATE, Ratio(6, 4000)) == Decimal("1.5")
    assert kpis.value(Kpi.ANSWERED_24H, Ratio(30, 40)) == Decimal(75)
    assert kpis.value(Kpi.NPS, Ratio(5, 10, 2)) == Decimal(30)
    assert kpis.value(Kpi.NPS, Ratio(0, 4, 4)) == Decimal(-100)
    assert kpis.value(Kpi.CSAT, Ratio(0, 0)) is None
    received = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert kpis.answered_within(received, received + dt.timedelta(hours=24))
    assert not kpis.answered_within(received, received + dt.timedelta(hours=24, seconds=1))
    assert not kpis.answered_within(received, None)


def test_score() -> None:
    assert kpis.score(Decimal(75), Decimal(80), Direction.HIGHER, 15) == Decimal("14.06")
    assert kpis.score(Decimal(85), Decimal(80), Direction.HIGHER, 15) == Decimal(15)
    assert kpis.score(Decimal("1.5"), Decimal(1), Direction.LOWER, 20) == Decimal("13.33")
    assert kpis.score(Decimal("0.5"), Decimal(1), Direction.LOWER, 20) == Decimal(20)
    assert kpis.score(Decimal(3), Decimal(0), Direction.LOWER, 20) == Decimal(0)
    assert kpis.score(Decimal(-20), Decimal(30), Direction.HIGHER, 10) == Decimal(0)  # negative NPS
    assert kpis.score(None, Decimal(1), Direction.LOWER, 20) is None
    assert kpis.score(Decimal(1), None, Direction.LOWER, 20) is None
    t = kpis.total([(Decimal("14.06"), 15), (None, 10), (Decimal(20), 20)])
    assert (t.points, t.possible, t.percent) == (Decimal("34.06"), 35, Decimal("97.3"))
    assert kpis.total([]).percent is None


@given(
    st.decimals(min_value=-100, max_value=10000, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=10000, places=2, allow_nan=False),
    st.sampled_from(list(Direction)),
    st.integers(min_value=1, max_value=50),
)
def test_score_is_between_zero_and_weight(v: Decimal, target: Decimal, d: Direction, w: int) -> None:
    s = kpis.score(v, target, d, w)
    assert s is not None and Decimal(0) <= s <= w
    assert (s == w) or not kpis.meets(v, target, d)


def test_ranks_and_spread() -> None:
    assert kpis.ranks({1: Decimal(90), 2: Decimal(95), 3: Decimal(90), 4: None, 5: Decimal(10)}) == {
        2: 1,
        1: 2,
        3: 2,
        5: 4,
        4: None,
    }
    assert kpis.spread([Decimal(3), None, Decimal(1)], Direction.LOWER) == (
        Decimal(1),
        Decimal(3),
        Decimal(2),
    )
    assert kpis.spread([Decimal(3), Decimal(1)], Direction.HIGHER) == (Decimal(3), Decimal(1), Decimal(2))
    assert kpis.spread([None], Direction.HIGHER) == (None, None, None)


def test_weights_add_up_to_100() -> None:
    assert kpis.TOTAL_WEIGHT == 100


def test_svg_escapes_and_labels() -> None:
    out = str(svg.bar_chart("投诉<script>", ["城北&城南"], [("率", [50.0])], "%"))
    assert "<script>" not in out and "投诉&lt;script&gt;" in out and "城北&amp;城南" in out
    assert 'role="img"' in out and "Noto Sans CJK SC" in out and "<desc id=" in out
    heat = str(svg.heat_map("片区", [("和平里片区", "城北分公司", 1.5), ("北苑", "城北", None)], "‰"))
    assert heat.count('class="tile"') == 2 and "—" in heat
    par = str(svg.pareto_chart("原因", ["服务态度", "收费差错"], [3, 1], [75.0, 100.0]))
    assert 'class="cumulative"' in par
