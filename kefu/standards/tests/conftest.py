from __future__ import annotations

import pytest


@pytest.fixture
def standards(db):  # type: ignore[no-untyped-def]
    """The default phrase library and forbidden phrases (migration 0002; a flushing test may have emptied them)."""
    from kefu.standards.services import ensure_defaults

    ensure_defaults()
