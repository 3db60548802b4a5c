"""Pure rules of incidents (一事多报): which reports look like an incident, which children the follow-up
samples, which child counts for the unit's response time. No Django, no I/O."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# text similar enough on its own (with the same area) to suggest an order for an incident
TEXT_THRESHOLD = 0.12
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> frozenset[str]:
    """Overlapping character pairs of ``text`` without spaces and punctuation (Chinese has no spaces)."""
    t = _NOISE.sub("", (text or "").lower())
    if len(t) < 2:
        return frozenset({t}) if t else frozenset()
    return frozenset(t[i : i + 2] for i in range(len(t) - 1))


def similarity(a: str, b: str) -> float:
    """Share of ``a``'s character pairs that ``b`` also has (0 … 1): how much of the incident's words the
    report uses, whatever the length of the report."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x)


@dataclass(frozen=True)
class IncidentFacts:
    incident_id: int
    branch_id: int
    area_id: int | None
    service_id: int | None
    started_at: dt.datetime
    resolved_at: dt.datetime | None
    text: str  # title, type, address range


@dataclass(frozen=True)
class ReportFacts:
    branch_id: int
    area_id: int | None
    service_id: int | None
    received_at: dt.datetime
    text: str  # title and description


def score(report: ReportFacts, incident: IncidentFacts, window: dt.timedelta) -> float | None:
    """How well a report matches an incident, or None when it cannot be one of its reports.

    A match is in the incident's branch, received from ``window`` before the incident started until its
    resolution, and either in the incident's area with the incident's service (or any service when the
    incident names none), or with text similar to the incident's (same area, or an incident for the whole
    branch). The score orders the suggestions: area 1, service 1, text similarity 0 … 1."""
    if report.branch_id != incident.branch_id:
        return None
    if report.received_at < incident.started_at - window:
        return None
    if incident.resolved_at is not None and report.received_at > incident.resolved_at:
        return None
    same_area = incident.area_id is None or report.area_id == incident.area_id
    if not same_area:
        return None
    same_service = incident.service_id is not None and report.service_id == incident.service_id
    text = similarity(incident.text, report.text)
    if not same_service and text < TEXT_THRESHOLD:
        return None
    if incident.area_id is None and not same_service and text < 2 * TEXT_THRESHOLD:
        return None  # a branch-wide incident needs clearer words
    return (1.0 if incident.area_id is not None else 0.0) + (1.0 if same_service else 0.0) + round(text, 3)


def rank(
    report: ReportFacts, incidents: Iterable[IncidentFacts], window: dt.timedelta, limit: int = 3
) -> list[tuple[int, float]]:
    """The incidents ``report`` may belong to, best first: (incident id, score)."""
    found = [(i.incident_id, s) for i in incidents if (s := score(report, i, window)) is not None]
    found.sort(key=lambda p: (-p[1], p[0]))
    return found[:limit]


def follow_up_sample(order_ids: Sequence[int], size: int, seed: int) -> frozenset[int]:
    """The reports whose customers are called back after the incident (R-19 by sample): ``size`` of them,
    chosen at random but reproducibly (the same incident draws the same sample); all when fewer."""
    ids = sorted(set(order_ids))
    if size <= 0:
        return frozenset()
    if len(ids) <= size:
        return frozenset(ids)
    return frozenset(random.Random(seed).sample(ids, size))  # a sample, not a secret


def lead(reports: Iterable[tuple[int, dt.datetime]]) -> int | None:
    """The report that stands for the incident in the unit's response time: the earliest received (lowest
    id on a tie)."""
    best = min(reports, key=lambda r: (r[1], r[0]), default=None)
    return best[0] if best is not None else None


def covers_area(incident_area_id: int | None, area_id: int | None) -> bool:
    """Whether an incident is shown to a caller of ``area_id``: its own area, or a branch-wide incident."""
    return incident_area_id is None or incident_area_id == area_id
