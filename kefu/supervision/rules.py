"""Pure rules of supervision (R-27, R-30): the proposed outcome of an accountability record, the
"heard before a decision" rule, and the household load of the area contractors.

No Django, no I/O. Reasons are machine codes; ``kefu.supervision.models.REASON_LABELS`` translates them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    BREACH = "breach"  # a passed deadline
    MISSED_FOLLOWUP = "missed_followup"  # 回访 not done in time
    FORBIDDEN_PHRASE = "forbidden_phrase"  # 服务忌语 sent anyway
    SENT_AWAY = "sent_away"  # 推诿: the customer was passed on instead of helped
    NOTICE_OVERDUE = "notice_overdue"  # a supervision notice (督办) not answered in time
    MANUAL = "manual"  # recorded by a supervisor or inspector


class Severity(StrEnum):
    MINOR = "minor"
    SERIOUS = "serious"
    GRAVE = "grave"


class Outcome(StrEnum):
    """R-27 outcomes, lightest first."""

    NONE = "none"  # not at fault / no sanction
    WARNING = "warning"  # 警告
    NO_AWARD = "no_award"  # loss of award eligibility (取消评优资格)
    CRITICISM = "criticism"  # public criticism and a penalty (通报批评并罚款)


LADDER = [Outcome.NONE, Outcome.WARNING, Outcome.NO_AWARD, Outcome.CRITICISM]

# the severity a record of each kind gets unless the person recording it says otherwise
DEFAULT_SEVERITY: dict[Kind, Severity] = {
    Kind.BREACH: Severity.MINOR,
    Kind.MISSED_FOLLOWUP: Severity.MINOR,
    Kind.FORBIDDEN_PHRASE: Severity.SERIOUS,  # sent after the checker warned: deliberate
    Kind.SENT_AWAY: Severity.SERIOUS,
    Kind.NOTICE_OVERDUE: Severity.SERIOUS,  # ignored a supervisor's notice
    Kind.MANUAL: Severity.MINOR,
}

BASE_OUTCOME: dict[Severity, Outcome] = {
    Severity.MINOR: Outcome.WARNING,
    Severity.SERIOUS: Outcome.NO_AWARD,
    Severity.GRAVE: Outcome.CRITICISM,
}

REPEAT_THRESHOLD = 2  # "two or more in a year" before this one
REPEAT_WINDOW_MONTHS = 12


@dataclass(frozen=True)
class Factors:
    """What the decider found about the case (flags of the record)."""

    retaliation: bool = False  # 打击报复 the customer
    obstruction: bool = False  # hindered the investigation
    apologised_forgiven: bool = False  # apologised and the customer forgave
    harm_prevented: bool = False
    loss_recovered: bool = False


@dataclass(frozen=True)
class Reason:
    code: str  # see models.REASON_LABELS
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    outcome: Outcome
    penalty: Decimal
    reasons: tuple[Reason, ...]


def default_severity(kind: str) -> Severity:
    return DEFAULT_SEVERITY.get(Kind(kind), Severity.MINOR)


def window_start(at: dt.date) -> dt.date:
    """First day of the trailing 12 months before ``at``: 2026-11-20 → 2025-11-20 (Feb 29 → Feb 28)."""
    try:
        return at.replace(year=at.year - REPEAT_WINDOW_MONTHS // 12)
    except ValueError:  # 29 February
        return at.replace(year=at.year - 1, day=28)


def prior_count(at: dt.date, others: Iterable[dt.date]) -> int:
    """How many of the staff member's other violations fall in [window_start(at), at] (the same day counts:
    two violations the same day are two). ``others`` must not contain this record itself."""
    start = window_start(at)
    return sum(1 for d in others if start <= d <= at)


def _step(outcome: Outcome, by: int, floor: Outcome = Outcome.NONE) -> Outcome:
    i = max(LADDER.index(floor), min(len(LADDER) - 1, LADDER.index(outcome) + by))
    return LADDER[i]


def propose(
    kind: str,
    severity: str,
    factors: Factors,
    prior: int,
    *,
    penalty: Decimal = Decimal("200"),
) -> Proposal:
    """R-27: the proposed outcome, one step per factor.

    Base by severity (minor → warning, serious → loss of award eligibility, grave → public criticism).
    Heavier by one step each: a repeat offence (``prior`` ≥ 2 other violations in the trailing 12
    months), retaliation, obstruction. Lighter by one step each: apologised and the customer forgave,
    harm prevented, loss recovered — but never below a warning (the violation happened; "no sanction" is
    the decider's own finding, not a proposal). Public criticism carries ``penalty`` (doubled for a
    repeat offence); lighter outcomes none.
    """
    sev = Severity(severity)
    base = BASE_OUTCOME[sev]
    reasons: list[Reason] = [Reason(f"severity_{sev.value}", {"kind": Kind(kind).value})]
    up = 0
    repeat = prior >= REPEAT_THRESHOLD
    if repeat:
        up += 1
        reasons.append(Reason("repeat", {"count": prior}))
    if factors.retaliation:
        up += 1
        reasons.append(Reason("retaliation"))
    if factors.obstruction:
        up += 1
        reasons.append(Reason("obstruction"))
    down = 0
    for flag, code in (
        (factors.apologised_forgiven, "apologised_forgiven"),
        (factors.harm_prevented, "harm_prevented"),
        (factors.loss_recovered, "loss_recovered"),
    ):
        if flag:
            down += 1
            reasons.append(Reason(code))
    outcome = _step(base, up - down, floor=Outcome.WARNING)
    if LADDER.index(base) + up - down < LADDER.index(Outcome.WARNING):
        reasons.append(Reason("floor_warning"))
    amount = Decimal("0")
    if outcome == Outcome.CRITICISM:
        amount = penalty * (2 if repeat else 1)
        reasons.append(Reason("penalty", {"amount": str(amount)}))
    return Proposal(outcome, amount, tuple(reasons))


def may_decide(statement_given: bool, statement_due: dt.datetime, now: dt.datetime) -> bool:
    """The staff member is heard first: a decision needs their statement or the statement deadline passed."""
    return statement_given or now >= statement_due


# --- area contracting (R-30) ------------------------------------------------------------------------------

HOUSEHOLDS_PER_PERSON: dict[str, int] = {"urban": 4500, "rural": 2000}


def guidance(area_kind: str) -> int:
    return HOUSEHOLDS_PER_PERSON.get(area_kind, HOUSEHOLDS_PER_PERSON["urban"])


@dataclass(frozen=True)
class AreaLoad:
    area_id: int
    households: int
    kind: str
    responsible: tuple[int, ...]  # staff ids


@dataclass(frozen=True)
class AreaVerdict:
    area_id: int
    per_person: int | None  # households per responsible person (rounded up); None without anybody
    guidance: int
    over: bool  # above the guidance, or nobody responsible for households


@dataclass(frozen=True)
class StaffVerdict:
    staff_id: int
    households: int  # the sum of their shares
    load: Decimal  # sum of share / guidance of each area: 1.00 = exactly the guidance
    over: bool


def area_verdict(a: AreaLoad) -> AreaVerdict:
    g = guidance(a.kind)
    n = len(a.responsible)
    if n == 0:
        return AreaVerdict(a.area_id, None, g, a.households > 0)
    per = -(-a.households // n)
    return AreaVerdict(a.area_id, per, g, per > g)


def staff_verdicts(areas: Iterable[AreaLoad]) -> dict[int, StaffVerdict]:
    """Each responsible person's households: an area's households split evenly among its responsible staff;
    over when the shares, each measured against its area's guidance (4,500 urban, 2,000 county), add up to
    more than one person's work."""
    households: dict[int, Decimal] = {}
    load: dict[int, Decimal] = {}
    for a in areas:
        if not a.responsible:
            continue
        share = Decimal(a.households) / len(a.responsible)
        for s in a.responsible:
            households[s] = households.get(s, Decimal(0)) + share
            load[s] = load.get(s, Decimal(0)) + share / guidance(a.kind)
    return {
        s: StaffVerdict(
            s, int(households[s].to_integral_value()), load[s].quantize(Decimal("0.01")), load[s] > 1
        )
        for s in households
    }
