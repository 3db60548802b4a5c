"""Shared fixtures: a small world of two branches and every persona (see kefu/testing/factories.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("KEFU_FAST_PASSWORD_HASHER", "true")


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    from kefu.testing.factories import build_world

    return build_world()


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
