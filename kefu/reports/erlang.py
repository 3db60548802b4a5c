"""Erlang C staffing arithmetic (pure: no Django, no I/O).

The model (M/M/N queue, callers wait, nobody abandons):

* traffic intensity ``A = calls × AHT / interval`` (Erlangs: how many agents the work keeps busy);
* probability that a call waits (Erlang C) for ``N`` agents, with ``N > A``::

      C(N, A) = (A^N / N! · N / (N − A)) / (Σ_{k=0}^{N−1} A^k / k! + A^N / N! · N / (N − A))

  computed through the Erlang B recursion ``B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1))`` and
  ``C = N·B / (N − A·(1 − B))``, which never forms large powers or factorials;
* service level ``P(wait ≤ t) = 1 − C · e^(−(N − A)·t / AHT)``;
* average speed of answer ``ASA = C · AHT / (N − A)``;
* occupancy ``A / N``;
* agents needed: the smallest ``N > A`` whose service level reaches the target (and, when given, whose
  occupancy does not exceed a maximum);
* rostered agents for a shrinkage ``s`` (breaks, training, absence): ``ceil(agents / (1 − s))``.

With ``N ≤ A`` the queue grows without bound: the probability of waiting is 1, the service level 0
and the average speed of answer infinite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def traffic_intensity(calls: float, aht_seconds: float, interval_seconds: float) -> float:
    """Offered load in Erlangs: calls in the interval × average handling time ÷ interval length."""
    if calls < 0 or aht_seconds <= 0 or interval_seconds <= 0:
        raise ValueError("calls must be ≥ 0, AHT and interval > 0")
    return calls * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic: float) -> float:
    """Erlang B blocking probability (recursive form, numerically stable)."""
    if agents < 0 or traffic < 0:
        raise ValueError("agents and traffic must be ≥ 0")
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a call has to wait (0 … 1)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: int, traffic: float, aht_seconds: float, target_seconds: float) -> float:
    """Share of calls answered within ``target_seconds``."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    c = erlang_c(agents, traffic)
    return max(0.0, 1.0 - c * math.exp(-(agents - traffic) * target_seconds / aht_seconds))


def average_speed_of_answer(agents: int, traffic: float, aht_seconds: float) -> float:
    """Mean wait over all calls, in seconds (``inf`` when the agents cannot keep up)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_seconds / (agents - traffic)


def occupancy(agents: int, traffic: float) -> float:
    """Share of the agents' time spent on calls (capped at 1)."""
    if agents <= 0:
        return 1.0 if traffic > 0 else 0.0
    return min(1.0, traffic / agents)


def agents_needed(
    traffic: float,
    aht_seconds: float,
    target_level: float,
    target_seconds: float,
    *,
    max_occupancy: float | None = None,
    limit: int = 10_000,
) -> int:
    """The fewest agents reaching ``target_level`` (0 < level < 1) within ``target_seconds``.

    No traffic needs no agent. ``max_occupancy`` (0 < m ≤ 1) adds the condition A / N ≤ m.
    """
    if not 0 < target_level < 1:
        raise ValueError("the service-level target must be between 0 and 1")
    if target_seconds < 0:
        raise ValueError("the answer-time target cannot be negative")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise ValueError("the maximum occupancy must be in (0, 1]")
    if traffic <= 0:
        return 0
    n = max(1, math.floor(traffic) + 1)
    while n <= limit:
        ok = service_level(n, traffic, aht_seconds, target_seconds) >= target_level
        if ok and (max_occupancy is None or traffic / n <= max_occupancy):
            return n
        n += 1
    raise ValueError("more agents than the limit would be needed")


def rostered(agents: int, shrinkage: float) -> int:
    """Agents to put on the roster so that ``agents`` are available after ``shrinkage`` (0 ≤ s < 1)."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    if agents <= 0:
        return 0
    # round before ceil so that 14 / 0.7 = 20.000000000000004 stays 20
    return math.ceil(round(agents / (1 - shrinkage), 9))


@dataclass(frozen=True)
class Staffing:
    """What one interval needs and what the chosen number of agents achieves."""

    calls: float
    traffic: float
    agents: int
    rostered: int
    probability_wait: float
    service_level: float
    asa_seconds: float
    occupancy: float


def staffing(
    calls: float,
    aht_seconds: float,
    interval_seconds: float,
    target_level: float,
    target_seconds: float,
    shrinkage: float = 0.0,
    *,
    max_occupancy: float | None = None,
) -> Staffing:
    """Agents needed for one interval, with the figures they achieve."""
    a = traffic_intensity(calls, aht_seconds, interval_seconds)
    n = agents_needed(a, aht_seconds, target_level, target_seconds, max_occupancy=max_occupancy)
    return Staffing(
        calls=calls,
        traffic=a,
        agents=n,
        rostered=rostered(n, shrinkage),
        probability_wait=erlang_c(n, a),
        service_level=service_level(n, a, aht_seconds, target_seconds),
        asa_seconds=average_speed_of_answer(n, a, aht_seconds),
        occupancy=occupancy(n, a),
    )
