"""Emergencies: which requests are emergencies, and what that does to the order.

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

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments.models import EmergencyKeyword, OrderEmergency, Service
from kefu.commitments.models.emergency import EmergencyReason
from kefu.lib.errors import KefuError, NotFound, PermissionDenied, ValidationFailed, raise_if
from kefu.organization.access import require_staff
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


# --- editing the keywords (console → Administration → Emergency keywords) ----------------------------------


def _editor(user: Any) -> Any:
    staff = require_staff(user)
    if staff.role not in ("supervisor", "admin"):
        raise PermissionDenied(
            "forbidden", _("Only supervisors and administrators can edit emergency keywords.")
        )
    return staff


@transaction.atomic
def do_add_keyword(user: Any, language: str, keyword: str) -> EmergencyKeyword:
    """Add (or switch back on) a keyword of ``language``; audited."""
    _editor(user)
    word = " ".join((keyword or "").split())
    errors: list[KefuError] = []
    if language not in dict(settings.LANGUAGES):
        errors.append(ValidationFailed("invalid_choice", _("Choose a language."), "language"))
    if not word:
        errors.append(ValidationFailed("required", _("Enter the keyword."), "keyword"))
    elif len(word) > 50:
        errors.append(ValidationFailed("too_long", _("At most 50 characters."), "keyword"))
    elif len(normalize(word)) < 2:
        errors.append(ValidationFailed("too_short", _("At least two characters."), "keyword"))
    raise_if(errors)
    row, created = EmergencyKeyword.objects.get_or_create(language=language, keyword=word)
    if not created and row.is_active:
        raise ValidationFailed("duplicate", _("This keyword is already in the list."), "keyword")
    row.is_active = True
    row.save()
    audit.record(
        user, "emergency_keyword.add", row, after={"language": language, "keyword": word}, summary=word
    )
    clear_cache()
    return row


@transaction.atomic
def do_set_keyword_active(user: Any, pk: int, active: bool) -> EmergencyKeyword:
    _editor(user)
    row = EmergencyKeyword.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFound("not_found", _("No such keyword."))
    before = row.is_active
    row.is_active = bool(active)
    row.save()
    audit.record(
        user,
        "emergency_keyword.update",
        row,
        before={"is_active": before},
        after={"is_active": row.is_active},
        summary=row.keyword,
    )
    clear_cache()
    return row
