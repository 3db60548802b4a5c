from __future__ import annotations

from typing import Any

import pytest

from kefu.workorders import actions as wo
from kefu.workorders import hooks
from kefu.workorders.models import TimelineEntry


def add_tag_for_tests(user: Any, key: int, value: str) -> None:
    """A real order action standing in for the tags feature (another branch): it writes a timeline entry
    through the core's public function, and refuses the tag "blocked" as a feature's rule would."""
    from kefu.lib.errors import ValidationFailed
    from kefu.workorders.access import access_workorder

    o = access_workorder(user, key, for_update=True)
    if value == "blocked":
        raise ValidationFailed("tag_refused", "This tag is not allowed.", "tag")
    wo.add_entry(o, TimelineEntry.Kind.SYSTEM, data={"event": "tag", "tag": value})


@pytest.fixture
def tags():  # type: ignore[no-untyped-def]
    hooks.register_order_action("add_tag", add_tag_for_tests)
    yield
    hooks.unregister_order_action("add_tag")


@pytest.fixture
def standards(db):  # type: ignore[no-untyped-def]
    from kefu.standards.services import ensure_defaults

    ensure_defaults()
