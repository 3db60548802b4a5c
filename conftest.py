"""Shared fixtures: a small world of two branches and every persona (see kefu/testing/factories.py)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("KEFU_FAST_PASSWORD_HASHER", "true")

# Property tests check rules, not speed: on a loaded 2-core machine (xdist workers, a browser, a server)
# one example can take longer than hypothesis' default 200 ms deadline, which fails a correct rule.
hypothesis_settings.register_profile("kefu", deadline=None)
hypothesis_settings.load_profile("kefu")


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    from kefu.testing.factories import build_world

    return build_world()


@pytest.fixture
def kefu_serve(tmp_path):  # type: ignore[no-untyped-def]
    """``kefu serve`` on two free loopback ports with its own data directory (kefu/testing/serve.py)."""
    from kefu.testing.serve import serving

    with serving(tmp_path / "data") as served:
        yield served


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache(request):  # type: ignore[no-untyped-def]
    """Rate-limit counters live in the database cache; start every database test from zero."""
    names = set(request.fixturenames)
    if names & {"db", "transactional_db", "live_server"}:
        from django.core.cache import cache

        cache.clear()


# Data the migrations seed (default calendars and limits, complaint causes, satisfaction levels, score
# sheets, standard and forbidden phrases, survey instruments). A transactional test (browser tests, the
# concurrency tests) empties every table when it ends; the next test in the same worker must still find
# this data, whatever order pytest-xdist gives the tests. (migration module, model whose rows show the
# seed is present)
SEEDS = [
    ("kefu.commitments.migrations.0004_default_calendars_limits", "forwards", "commitments.TimeLimit"),
    ("kefu.complaints.migrations.0002_seed_causes", "seed", "complaints.ComplaintCause"),
    ("kefu.followup.migrations.0002_satisfaction_levels", "seed", "followup.SatisfactionLevel"),
    ("kefu.inspections.migrations.0002_default_sheets", "seed", "inspections.ScoreSheet"),
    ("kefu.standards.migrations.0002_default_phrases", "seed", "standards.ForbiddenPhrase"),
    ("kefu.surveys.migrations.0002_default_instruments", "seed", "surveys.Survey"),
]


def reseed() -> None:
    import importlib

    from django.apps import apps
    from django.db import transaction

    for module, func, label in SEEDS:
        if apps.get_model(label).objects.exists():
            continue
        with transaction.atomic():
            getattr(importlib.import_module(module), func)(apps, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):  # type: ignore[no-untyped-def]
    yield  # every fixture is torn down now, the flush of a transactional test included
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )
    if not transactional or nextitem is None:
        return  # after the worker's last test the test database is already gone
    from pytest_django.plugin import blocking_manager_key

    blocker = item.config.stash[blocking_manager_key]
    with blocker.unblock():
        reseed()
