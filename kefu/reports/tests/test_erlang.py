"""Erlang C arithmetic against a published worked example, plus its limits and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.reports import erlang


def test_published_example_100_calls_per_half_hour() -> None:
    """The worked example of Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked
    Example" (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm), as reproduced in the
    pyworkforce tutorial "Solving Queue Problems with ErlangC" (rodrigo-arenas/pyworkforce,
    docs/tutorials/erlangc_example.rst): 100 calls in 30 minutes, AHT 3 minutes, target 80 % answered in
    20 seconds, maximum occupancy 85 %, shrinkage 30 %. The source's results: 14 agents before shrinkage,
    20 after, service level 0.888, occupancy 0.714, probability of waiting 0.174.

    Expected values below are those published numbers (rounded as published), not our output; the
    average speed of answer is derived by hand from the published probability: 0.174 × 180 s / (14 − 10)
    = 7.83 s.
    """
    a = erlang.traffic_intensity(100, 180, 30 * 60)
    assert a == pytest.approx(10.0)  # 100 × 3 min / 30 min
    assert erlang.agents_needed(a, 180, 0.80, 20, max_occupancy=0.85) == 14
    assert erlang.agents_needed(a, 180, 0.80, 20) == 14
    assert erlang.rostered(14, 0.30) == 20
    assert round(erlang.service_level(14, a, 180, 20), 3) == 0.888
    assert round(erlang.occupancy(14, a), 3) == 0.714
    assert round(erlang.erlang_c(14, a), 3) == 0.174
    assert erlang.average_speed_of_answer(14, a, 180) == pytest.approx(0.174 * 180 / 4, abs=0.01)
    s = erlang.staffing(100, 180, 1800, 0.80, 20, 0.30, max_occupancy=0.85)
    assert (s.agents, s.rostered) == (14, 20)
    # 13 agents do not reach 80 % (that is why 14 are needed)
    assert erlang.service_level(13, a, 180, 20) < 0.80


def test_erlang_c_equals_the_textbook_formula() -> None:
    """The stable recursion gives the closed formula of the module docstring (A = 10, N = 11..20)."""
    a = 10.0
    for n in range(11, 21):
        top = a**n / math.factorial(n) * n / (n - a)
        bottom = sum(a**k / math.factorial(k) for k in range(n)) + top
        assert erlang.erlang_c(n, a) == pytest.approx(top / bottom, rel=1e-12)


def test_overloaded_and_empty_intervals() -> None:
    assert erlang.erlang_c(10, 10.0) == 1.0
    assert erlang.service_level(9, 10.0, 180, 20) == 0.0
    assert erlang.average_speed_of_answer(10, 10.0, 180) == math.inf
    assert erlang.agents_needed(0.0, 180, 0.8, 20) == 0
    assert erlang.rostered(0, 0.3) == 0
    assert erlang.service_level(1, 0.0, 180, 20) == 1.0
    with pytest.raises(ValueError):
        erlang.agents_needed(5.0, 180, 1.0, 20)
    with pytest.raises(ValueError):
        erlang.rostered(3, 1.0)


def test_large_traffic_is_stable() -> None:
    """No overflow with hundreds of agents (factorials are never formed)."""
    a = erlang.traffic_intensity(6000, 300, 1800)  # 1,000 Erlangs
    n = erlang.agents_needed(a, 300, 0.8, 20)
    assert 1000 < n < 1100
    assert erlang.service_level(n, a, 300, 20) >= 0.8 > erlang.service_level(n - 1, a, 300, 20)


@given(
    calls=st.integers(min_value=1, max_value=800),
    aht=st.integers(min_value=30, max_value=900),
    level=st.sampled_from([0.7, 0.8, 0.9, 0.95]),
    t=st.integers(min_value=0, max_value=120),
)
def test_agents_needed_is_the_smallest_sufficient(calls: int, aht: int, level: float, t: int) -> None:
    a = erlang.traffic_intensity(calls, aht, 1800)
    n = erlang.agents_needed(a, aht, level, t)
    assert n > a
    assert erlang.service_level(n, a, aht, t) >= level
    if n - 1 > a:
        assert erlang.service_level(n - 1, a, aht, t) < level
    # more agents never make the service worse
    assert erlang.service_level(n + 1, a, aht, t) >= erlang.service_level(n, a, aht, t)
    assert erlang.erlang_c(n + 1, a) <= erlang.erlang_c(n, a)


@given(agents=st.integers(min_value=0, max_value=500), s=st.floats(min_value=0, max_value=0.9))
def test_rostered_covers_the_shrinkage(agents: int, s: float) -> None:
    r = erlang.rostered(agents, s)
    assert r >= agents
    assert r * (1 - s) >= agents - 1e-6
    if r > 0:
        assert (r - 1) * (1 - s) < agents + 1e-6
