"""The kinds of trigger conditions and actions. Built-in kinds are in ``builtins.py``; other apps register
theirs in their ``AppConfig.ready()`` (docs/webhooks.md, "Registering kinds"), e.g.::

    from kefu.automation import registry

    registry.register_condition(
        "tag", registry.ConditionKind(label=_("Tags"), value=lambda ctx: tags_of(ctx.order), ops=("contains", "not_contains"))
    )
    registry.register_action(
        "add_tag", registry.ActionKind(label=_("Add tag"), run=add_tag, clean=clean_tag, value_label=_("Tag"))
    )

A condition kind turns the event into the value its operators compare; an action kind changes the order
through the owning app's actions (inside the change's transaction, as the trigger's ``run_as`` user)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kefu.organization.models import Staff
    from kefu.workorders.models import WorkOrder


@dataclass
class Context:
    """What a trigger sees: the event, the order (locked by the change), who acted, what changed."""

    event: str  # one of rules.EVENTS
    order: WorkOrder
    at: dt.datetime
    event_id: str  # the id of the webhook payload of this event (uuid)
    actor_id: int | None = None  # the staff member who acted, if any
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # the event's details (from/to, clocks, scores …)
    payload: dict[str, Any] | None = None  # the webhook payload, built once when first needed


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class ConditionKind:
    """``value(ctx)`` is what ``ops`` compare (a scalar, or a collection for contains / not contains);
    ``choices()`` the values an administrator picks from (None: free text); ``events`` the trigger events it
    makes sense for (empty: all)."""

    label: Any
    value: Callable[[Context], object]
    ops: Sequence[str] = ("is", "is_not", "in", "not_in")
    choices: Callable[[], list[Choice]] | None = None
    events: Sequence[str] = ()


@dataclass(frozen=True)
class ActionKind:
    """``run(ctx, run_as, value, text)`` does it (raise a ``KefuError`` to refuse: the trigger's other actions
    roll back with it, the change itself stands); ``clean(value, text)`` validates what the administrator
    entered when the trigger is saved and returns it normalised (raise ``ValidationFailed`` naming
    ``value`` or ``text``); ``choices()`` the values to pick from (None: free text)."""

    label: Any
    run: Callable[[Context, Staff, str, str], None]
    clean: Callable[[str, str], tuple[str, str]] = lambda value, text: (value.strip(), text.strip())
    choices: Callable[[], list[Choice]] | None = None
    value_label: Any = ""
    text_label: Any = ""  # empty: the action takes no text


CONDITIONS: dict[str, ConditionKind] = {}
ACTIONS: dict[str, ActionKind] = {}


def register_condition(name: str, kind: ConditionKind) -> None:
    CONDITIONS[name] = kind  # keyed: a second ready() (tests) replaces, never duplicates


def register_action(name: str, kind: ActionKind) -> None:
    ACTIONS[name] = kind


def unregister_condition(name: str) -> None:
    CONDITIONS.pop(name, None)


def unregister_action(name: str) -> None:
    ACTIONS.pop(name, None)
