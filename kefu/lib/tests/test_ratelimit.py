"""Rate-limit counters survive a burst of other cache keys (the database cache culls at MAX_ENTRIES)."""

from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from kefu.lib import ratelimit


@pytest.mark.django_db
def test_counter_survives_a_burst_of_distinct_keys() -> None:
    default: dict[str, Any] = settings.CACHES["default"]
    assert default["OPTIONS"]["MAX_ENTRIES"] >= 100_000
    for _ in range(5):
        ratelimit.increment("login-ip", "203.0.113.7", 3600)
    # an attacker rotates identities: 400 fresh counters (Django's default limit of 300 would cull a third)
    for i in range(400):
        ratelimit.increment("portal-report-address", f"road {i}", 3600)
    assert ratelimit.count("login-ip", "203.0.113.7") == 5
    assert ratelimit.increment("login-ip", "203.0.113.7", 3600) == 6
    cache.clear()
    assert ratelimit.count("login-ip", "203.0.113.7") == 0
