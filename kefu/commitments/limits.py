"""Pure rules: which configured time limit (R-13) applies to a work order. No Django, no I/O.

A :class:`LimitRule` names a clock kind and optionally an order type, a service, "emergencies only", a
customer tier, a priority, an area kind (urban / rural) and the channel the request came in by. A rule
**matches** an order when the kind is equal and every optional criterion it sets equals the order's value
(an empty criterion matches anything; an emergency rule matches emergency orders only).

Most specific match wins
    Among the matching rules of one kind, the rule that sets the **most** optional criteria wins. A tie
    is broken by which criteria are set, in this order of weight: service, then emergency, then customer
    tier, then priority, then area kind, then order type, then channel (so "this service" beats "diamond
    customers", which beats "urgent", which beats "rural"; a complaint's first-response limit beats the
    e-mail channel's). A remaining tie (two rules with the same criteria) goes to the lower id (the older
    rule); the admin should not keep such duplicates.

Example: a general fault of a gold customer matches "fault (general), 24 h" and "fault (general), gold,
12 h"; the second sets one criterion more and wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from kefu.commitments.rules import Limit, Unit

T = TypeVar("T", bound=Any)


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    COMPLAINT_ANSWER = "complaint_answer"
    ARRIVAL = "arrival"  # emergencies: someone on site (minutes, 24×7)


@dataclass(frozen=True)
class LimitRule:
    """One configured time limit (a ``TimeLimit`` row as the rules see it)."""

    id: int
    kind: ClockKind
    order_type: str
    unit: Unit
    amount: int | Decimal
    service_id: int | None = None
    area_kind: str = ""
    tier: str = ""
    priority: str = ""
    around_the_clock: bool = False
    channel: str = ""
    emergency: bool = False

    @property
    def limit(self) -> Limit:
        return Limit(self.unit, self.amount)


@dataclass(frozen=True)
class OrderFacts:
    """What of a work order decides its time limits."""

    order_type: str
    service_id: int | None = None
    area_kind: str = ""
    tier: str = ""
    priority: str = ""
    channel: str = ""
    emergency: bool = False


def matches(rule: LimitRule, order: OrderFacts) -> bool:
    if rule.service_id is not None and rule.service_id != order.service_id:
        return False
    if rule.emergency and not order.emergency:
        return False
    return all(
        not wanted or wanted == actual
        for wanted, actual in (
            (rule.order_type, order.order_type),
            (rule.area_kind, order.area_kind),
            (rule.tier, order.tier),
            (rule.priority, order.priority),
            (rule.channel, order.channel),
        )
    )


def specificity(rule: LimitRule) -> tuple[int, int]:
    """(number of criteria set, weight of the criteria set): larger is more specific."""
    flags = (
        rule.service_id is not None,
        rule.emergency,
        bool(rule.tier),
        bool(rule.priority),
        bool(rule.area_kind),
        bool(rule.order_type),
        bool(rule.channel),
    )
    weight = sum(64 >> i for i, flag in enumerate(flags) if flag)
    return sum(flags), weight


def best_match(rules: Iterable[LimitRule], kind: ClockKind, order: OrderFacts) -> LimitRule | None:
    """The rule of ``kind`` that applies to ``order`` (see the module doc), or ``None``."""
    candidates = [r for r in rules if r.kind == kind and matches(r, order)]
    if not candidates:
        return None

    return max(candidates, key=lambda r: (specificity(r), -r.id))


def limits_for(rules: Iterable[LimitRule], order: OrderFacts) -> dict[ClockKind, LimitRule]:
    """Every clock kind that has a matching rule, with the rule that wins."""
    rules = list(rules)
    result = {}
    for kind in ClockKind:
        rule = best_match(rules, kind, order)
        if rule is not None:
            result[kind] = rule
    return result


def published_limits(limits: Iterable[T], service_id: int, order_type: str) -> list[T]:
    """The limits a service publishes (disclosure page, catalog API), kind by kind like the matching:
    the service's own rules of a kind if it has any, else its order type's general rules of that kind
    (with their tier / area / priority variants). ``limits`` are rows with ``kind``, ``service_id`` and
    ``order_type``; their order is kept within a kind."""
    limits = list(limits)
    out: list[T] = []
    for kind in ClockKind:
        own = [lim for lim in limits if lim.kind == kind and lim.service_id == service_id]
        out += own or [
            lim
            for lim in limits
            if lim.kind == kind and lim.service_id is None and lim.order_type == order_type
        ]
    return out
