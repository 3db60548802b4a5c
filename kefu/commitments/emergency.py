"""Emergencies (issue 17, point 1): which requests are emergencies, and what that does to the order.

A request is an **emergency** when its service is marked *emergency* (``Service.is_emergency``) or its
text contains an active ``EmergencyKeyword`` of any language (燃气泄漏, 漏气, 燃气味, 停水, 爆管, gas leak,
…; matching ignores case and white space). The work-order core asks ``match`` before it saves a new order
(an emergency gets the priority *urgent*); ``on_order_created`` then records ``OrderEmergency`` (the
order's flag, which the time limits read: *emergencies only* rules such as the 30/60-minute arrival clock
apply) and puts an *emergency* line on the timeline. Telling the on-duty technicians is the knowledge
app's roster (``knowledge.duty``), which listens to the new order's text.

The keyword list is cached per process for ``CACHE_SECONDS`` and dropped on any change in this process;
``public_config`` gives the pages what their static script needs to warn before anything is submitted.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import post_delete, post_save

from kefu.commitments.models import EmergencyKeyword, OrderEmergency, Service
from kefu.commitments.models.emergency import EmergencyReason
from kefu.organization.models import Company

CACHE_SECONDS = 300
_lock = threading.Lock()
_cache: dict[str, tuple[float, Any]] = {}
_SPACE = re.compile(r"\s+")


def clear_cache(*_args: Any, **_kwargs: Any) -> None:
    with _lock:
        _cache.clear()


for _model in (EmergencyKeyword, Service, Company):
    post_save.connect(clear_cache, sender=_model, dispatch_uid=f"emergency-{_model.__name__}")
    post_delete.connect(clear_cache, sender=_model, dispatch_uid=f"emergency-del-{_model.__name__}")


def _cached(name: str, load: Any) -> Any:
    now = time.monotonic()
    with _lock:
        hit = _cache.get(name)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = load()
    with _lock:
        _cache[name] = (now, value)
    return value


def normalize(text: str) -> str:
    """What keywords are compared on: lower case, no white space (燃气 味 = 燃气味, Gas Leak = gasleak)."""
    return _SPACE.sub("", (text or "").casefold())


def keywords() -> list[str]:
    """The active keywords of every language, normalised, longest first (cached)."""

    def load() -> list[str]:
        words = {
            normalize(k)
            for k in EmergencyKeyword.objects.filter(is_active=True).values_list("keyword", flat=True)
        }
        return sorted((w for w in words if w), key=lambda w: (-len(w), w))

    return list(_cached("keywords", load))


def emergency_service_ids() -> frozenset[int]:
    return frozenset(
        _cached(
            "services",
            lambda: frozenset(
                Service.objects.filter(is_emergency=True, is_active=True).values_list("pk", flat=True)
            ),
        )
    )


def hotline() -> str:
    """The 24-hour hotline the emergency notice names: the company's hotline (back office → Company)."""
    return str(_cached("hotline", lambda: Company.objects.values_list("hotline", flat=True).first() or ""))


def keyword_in(text: str) -> str:
    """The first (longest) keyword the text contains, or ""."""
    flat = normalize(text)
    return next((k for k in keywords() if k in flat), "")


@dataclass(frozen=True)
class Match:
    reason: str  # EmergencyReason
    keyword: str = ""


def match(service_id: int | None, text: str) -> Match | None:
    """Is a request for ``service_id`` saying ``text`` an emergency? The service first, then keywords."""
    if service_id is not None and service_id in emergency_service_ids():
        return Match(EmergencyReason.SERVICE.value)
    found = keyword_in(text)
    return Match(EmergencyReason.KEYWORD.value, found) if found else None


def is_emergency(o: Any) -> bool:
    return OrderEmergency.objects.filter(workorder_id=o.pk).exists()


def mark(o: Any, found: Match, at: dt.datetime) -> OrderEmergency:
    """Record that the (new, locked) order is an emergency."""
    row, _created = OrderEmergency.objects.get_or_create(
        workorder_id=o.pk, defaults={"reason": found.reason, "keyword": found.keyword, "detected_at": at}
    )
    return row


def public_config() -> dict[str, Any]:
    """For the customer pages' static script: the keywords, the emergency services and the hotline."""
    return {
        "keywords": keywords(),
        "services": sorted(emergency_service_ids()),
        "hotline": hotline(),
    }
