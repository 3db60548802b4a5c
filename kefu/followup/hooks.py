"""Extension point of follow-up: other apps (e.g. surveys) act when a follow-up task ends.

Register in your ``AppConfig.ready()``::

    from kefu.followup.hooks import register_followup_done
    register_followup_done("surveys.invite", send_invitation)

Each function gets the finished ``FollowupTask`` (status ``done`` or ``unreachable``; ``task.workorder``
may be empty for planned visits) and runs inside the transaction that finished it, so what it writes
commits or rolls back with the result. An exception refuses the result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kefu.followup.models import FollowupTask

FollowupDone = Callable[["FollowupTask"], None]

_on_followup_done: dict[str, FollowupDone] = {}


def register_followup_done(name: str, fn: FollowupDone) -> None:
    _on_followup_done[name] = fn  # keyed, so a second ready() (tests) does not register twice


def unregister_followup_done(name: str) -> None:
    _on_followup_done.pop(name, None)


def notify_followup_done(task: FollowupTask) -> None:
    for fn in list(_on_followup_done.values()):
        fn(task)
