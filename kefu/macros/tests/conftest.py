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


def _restore(previous: Any) -> None:
    if previous is None:
        hooks.unregister_order_action("add_tag")
    else:
        hooks.register_order_action("add_tag", previous)


@pytest.fixture
def tags():  # type: ignore[no-untyped-def]
    """A stand-in tags feature with a refusal (the real one, kefu.fields, is restored after)."""
    previous = hooks.order_action("add_tag")
    hooks.register_order_action("add_tag", add_tag_for_tests)
    yield
    _restore(previous)


@pytest.fixture
def no_tags():  # type: ignore[no-untyped-def]
    """As if no feature offered tags."""
    previous = hooks.order_action("add_tag")
    hooks.unregister_order_action("add_tag")
    yield
    _restore(previous)


@pytest.fixture
def standards(db):  # type: ignore[no-untyped-def]
    from kefu.standards.services import ensure_defaults

    ensure_defaults()
