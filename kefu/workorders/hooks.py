"""Extension points of the work-order flow.

Feature apps (follow-up, surveys, complaints, service standards) plug into the order's life
here instead of the core importing them. Each app registers its functions in its
``AppConfig.ready()``; the core calls them inside the same transaction as the change, so a
guard that raises refuses the change and a listener's writes commit or roll back with it.

- transition guards run before a status change is applied and may raise a ``KefuError``
  (e.g. "a complaint must be classified before it is closed");
- transition listeners run after the change is written (e.g. "a resolved repair gets a
  follow-up task");
- reply checks run before a staff reply is stored (e.g. the forbidden-phrase checker);
- customer-text listeners get what the customer wrote: the request of a new order and each later
  message (e.g. the customer-type suggestion); new-order-text classifiers see the request of a new
  order *before* its row is written and may ask for a higher priority, so that the priority and the
  clocks are computed once (their findings reach their customer-text listener in ``prepared``);
- order panels add a card to the console order page;
- the commitments engine (one, registered by the commitments app) keeps the order's clocks in step
  with its life — created, changed, status changed, first reply — and looks services up in the
  catalogue; the core calls it where it used to import the clocks, so the work-order layer does not
  depend on the layer above it;
- follow-up-done listeners run when a follow-up task ends (e.g. surveys send an invitation after the
  call): each gets the finished task (status ``done`` or ``unreachable``; ``task.workorder`` may be empty
  for planned visits) inside the transaction that finished it, so what it writes commits or rolls back
  with the result, and an exception refuses the result;
- follow-up waivers say that a resolved order needs no follow-up call of its own (e.g. the reports of an
  incident closed together, of which only a sample is called back): the follow-up app asks them before it
  creates a task; a waiver returns the reason, or "" when it has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.http import HttpRequest

    from kefu.organization.access import Actor
    from kefu.organization.models import Staff
    from kefu.workorders.models import WorkOrder


@dataclass(frozen=True)
class TransitionEvent:
    order: WorkOrder
    staff: Staff
    user: Actor
    from_status: str
    to_status: str
    action: str  # rules.action_name: "resolve", "close", "reopen", ...
    at: dt.datetime
    reason: str = ""


@dataclass
class ReplyEvent:
    order: WorkOrder
    staff: Staff
    user: Actor
    text: str
    channel: str  # the order's channel: the reply leaves that way
    at: dt.datetime
    override_reason: str = ""  # "send anyway" reason given by the agent
    source: str = "console"  # console / api / chat
    data: dict[str, Any] = field(default_factory=dict)  # checks may leave findings here


@dataclass
class NewOrderText:
    """The request of an order about to be registered, before its row (and the contact of this request)
    is written. A classifier may set ``raise_priority`` (why the priority goes up: the order is then
    registered with the raised priority, audited with this reason) and keep what it worked out in
    ``results[its name]`` for its customer-text listener after the insert."""

    customer_id: int
    text: str
    at: dt.datetime
    received_at: dt.datetime  # when the request came in (the contact's time)
    raise_priority: str = ""
    results: dict[str, Any] = field(default_factory=dict)
    # the customer as the creation read it: with :func:`new_order_annotations` of ``at`` when the caller
    # asked for them (a classifier then takes its figures from there instead of a query of its own)
    customer: Any = None


@dataclass(frozen=True)
class CustomerTextEvent:
    """Text the customer wrote on an order: the request that opened it (``source`` "order") or a
    later message ("message"). The order row is locked by the caller; ``actor_user`` may be None."""

    order: WorkOrder
    text: str
    source: str
    at: dt.datetime
    actor_user: Actor | None = None
    prepared: NewOrderText | None = None  # a new order's request, as classified before the insert


@dataclass(frozen=True)
class RuleViolationEvent:
    """A service rule knowingly broken with a reason (e.g. asking for materials the one-time notice did not
    list, R-11): the standards app records it as a standards violation. Inside the caller's transaction."""

    order: WorkOrder
    staff: Staff  # who broke it (the requester)
    user: Actor  # who acted (the approving supervisor)
    rule: str  # e.g. "R-11"
    source: str  # e.g. "one_time_notice"
    at: dt.datetime
    summary: str  # what was done
    reason: str  # the reason given


@dataclass(frozen=True)
class OrderPanel:
    """A card on the console order page: ``template`` rendered with ``panel`` = context(request, order).
    A context with ``header_badge`` = ``{"text", "anchor"}`` also puts a badge linking to the card (its
    element id ``anchor``) in the order's header, for what must not be missed; ``header_fact`` =
    ``{"label", "text", "anchor"}`` adds a short fact about the customer to the header (e.g. the
    customer type).

    ``annotations`` (optional): what the panel needs to know of the order, as annotations the page adds to
    the one query that reads the order (``{"name": expression}``; names prefixed with the panel's app, e.g.
    ``Exists`` of the panel's rows), so a panel with nothing to show costs no query of its own; the
    context reads them with :func:`panel_flag`."""

    key: str
    template: str
    context: Callable[[HttpRequest, WorkOrder], dict[str, Any] | None]
    position: int = 100
    annotations: Callable[[], dict[str, Any]] | None = None


class CommitmentsEngine(Protocol):
    """What the core asks of the service commitments (kefu.commitments.engine implements it)."""

    def prepare_new_order(self, order: WorkOrder, at: dt.datetime) -> None:
        """Before the new order's INSERT (all its fields set): compute what ``on_order_created`` writes and
        set the order's due time, so the order is written once."""

    def on_order_created(self, order: WorkOrder, at: dt.datetime) -> Any: ...

    def on_order_changed(self, order: WorkOrder, at: dt.datetime) -> list[dict[str, Any]]: ...

    def on_status_change(
        self, order: WorkOrder, old: str, new: str, at: dt.datetime
    ) -> list[dict[str, Any]]: ...

    def on_first_reply(self, order: WorkOrder, at: dt.datetime) -> None: ...

    def active_service(self, pk: int) -> Any | None: ...

    def is_emergency(self, service_id: int | None, text: str) -> bool: ...

    def on_contact_attempt(
        self, order: WorkOrder, staff: Any, method: str, at: dt.datetime, note: str
    ) -> None: ...


class _NoCommitments:
    """Until the commitments app registers its engine (never, once Django is set up): no clocks."""

    def prepare_new_order(self, order: WorkOrder, at: dt.datetime) -> None:
        return None

    def on_order_created(self, order: WorkOrder, at: dt.datetime) -> Any:
        return []

    def on_order_changed(self, order: WorkOrder, at: dt.datetime) -> list[dict[str, Any]]:
        return []

    def on_status_change(self, order: WorkOrder, old: str, new: str, at: dt.datetime) -> list[dict[str, Any]]:
        return []

    def on_first_reply(self, order: WorkOrder, at: dt.datetime) -> None:
        return None

    def active_service(self, pk: int) -> Any | None:
        return None

    def is_emergency(self, service_id: int | None, text: str) -> bool:
        return False

    def on_contact_attempt(
        self, order: WorkOrder, staff: Any, method: str, at: dt.datetime, note: str
    ) -> None:
        return None


_commitments: list[CommitmentsEngine] = [_NoCommitments()]


def register_commitments(engine: CommitmentsEngine) -> None:
    _commitments[0] = engine


def commitments() -> CommitmentsEngine:
    return _commitments[0]


class StaffEventKind:
    """The kinds of ``StaffEvent`` (stable strings: stored on notifications and preferences)."""

    ASSIGNED = "assigned"  # assigned or transferred to me
    OWNER = "owner"  # I became the first-contact owner
    ESCALATION = "escalation"  # escalated to me (or to the president, who is me)
    WARNING = "warning"  # a deadline is near on an order I own, am assigned or lead
    BREACH = "breach"  # a deadline passed on an order I own, am assigned or lead
    SUPERVISION_NOTICE = "supervision_notice"  # 督办 notice to my unit
    EXTENSION_REQUESTED = "extension_requested"  # to the leader who decides
    EXTENSION_DECIDED = "extension_decided"  # to the requester
    FOLLOWUP_FAILED = "followup_failed"  # the follow-up found a problem; the order came back to me
    CUSTOMER_MESSAGE = "customer_message"  # the customer wrote on my order
    MENTION = "mention"  # @mention in an internal note
    INSPECTION = "inspection"  # an inspection about me was published
    STATEMENT = "statement"  # my statement is requested on an accountability record
    UNREACHABLE_REPORTED = "unreachable_reported"  # to the leader who decides an unreachable report
    UNREACHABLE_DECIDED = "unreachable_decided"  # to the staff member who filed it
    MATERIALS_REQUEST = "materials_request"  # to the supervisors: materials beyond the one-time notice
    MATERIALS_DECIDED = "materials_decided"  # to the requester
    EMERGENCY = "emergency"  # an emergency order in my area / on my duty (gas leak, burst pipe, ...)
    TRIGGER = "trigger"  # an administrator's trigger tells me (kefu.automation, "notify")
    WEBHOOK_DISABLED = "webhook_disabled"  # to administrators: a webhook failed too often and was disabled

    ALL = (
        ASSIGNED,
        OWNER,
        ESCALATION,
        WARNING,
        BREACH,
        SUPERVISION_NOTICE,
        EXTENSION_REQUESTED,
        EXTENSION_DECIDED,
        FOLLOWUP_FAILED,
        CUSTOMER_MESSAGE,
        MENTION,
        INSPECTION,
        STATEMENT,
        UNREACHABLE_REPORTED,
        UNREACHABLE_DECIDED,
        MATERIALS_REQUEST,
        MATERIALS_DECIDED,
        EMERGENCY,
        TRIGGER,
        WEBHOOK_DISABLED,
    )


@dataclass(frozen=True)
class StaffEvent:
    """Something that happened to staff members. ``recipients`` are staff ids (the emitter chose them;
    the actor is dropped by the listener), ``order_id`` the work order it concerns (None for e.g. an
    inspection), ``params`` short JSON-able details for the text (order number, reason, due time, ...).
    ``emergency`` events pass quiet hours."""

    kind: str
    recipients: tuple[int, ...]
    order_id: int | None
    actor_id: int | None
    params: dict[str, Any]
    at: dt.datetime
    emergency: bool = False


def staff_event(
    kind: str,
    recipients: Any,
    *,
    order: Any = None,
    actor: Any = None,
    at: dt.datetime,
    emergency: bool | None = None,
    **params: Any,
) -> None:
    """Emit a ``StaffEvent`` (the one-line call the emitters use). ``recipients`` are staff objects or ids
    (None skipped, duplicates once); ``order`` a work order (its number goes into the params; an urgent
    order makes the event an emergency unless ``emergency`` is given); ``actor`` a staff object or id."""
    ids: list[int] = []
    for r in recipients:
        pk = getattr(r, "pk", r)
        if pk is not None and pk not in ids:
            ids.append(int(pk))
    if not ids:
        return
    if order is not None:
        params = {"number": order.number, "title": order.title[:100], **params}
        if emergency is None:
            emergency = order.priority == "urgent"
    actor_id = getattr(actor, "pk", actor)
    notify_staff_event(
        StaffEvent(
            kind=kind,
            recipients=tuple(ids),
            order_id=order.pk if order is not None else None,
            actor_id=int(actor_id) if actor_id is not None else None,
            params=params,
            at=at,
            emergency=bool(emergency),
        )
    )


@dataclass(frozen=True)
class OrderEvent:
    """Something happened to an order that systems outside Kefu may want to hear of (the automation app's
    triggers and webhooks listen): ``kind`` is one of ``OrderEventKind``; ``changes`` maps a changed field to
    (before, after); ``data`` holds the kind's details (e.g. a satisfaction answer's scores). Emitted inside
    the transaction of the change."""

    kind: str
    order: WorkOrder
    at: dt.datetime
    actor: Actor | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


class OrderEventKind:
    CREATED = "created"  # create_order_for
    UPDATED = "updated"  # do_update_order, a hand-over (assignee / department)
    SATISFACTION = "satisfaction_received"  # a satisfaction answer about the order (surveys)


TransitionGuard = Callable[[TransitionEvent], None]
TransitionListener = Callable[[TransitionEvent], None]
ReplyCheck = Callable[[ReplyEvent], None]
CustomerTextListener = Callable[[CustomerTextEvent], None]
NewOrderTextClassifier = Callable[[NewOrderText], None]
NewOrderAnnotations = Callable[[dt.datetime], dict[str, Any]]
FollowupDone = Callable[[Any], None]  # gets the finished followup.FollowupTask
StaffEventListener = Callable[[StaffEvent], None]
RuleViolationListener = Callable[[RuleViolationEvent], object]
OrderEventListener = Callable[[OrderEvent], None]

_guards: dict[str, TransitionGuard] = {}
_listeners: dict[str, TransitionListener] = {}
_reply_checks: dict[str, ReplyCheck] = {}
_panels: dict[str, OrderPanel] = {}
_text_listeners: dict[str, CustomerTextListener] = {}
_new_text_classifiers: dict[str, NewOrderTextClassifier] = {}
_new_order_annotations: dict[str, NewOrderAnnotations] = {}
_on_followup_done: dict[str, FollowupDone] = {}
_staff_event_listeners: dict[str, StaffEventListener] = {}
_violation_listeners: dict[str, RuleViolationListener] = {}
FollowupWaiver = Callable[[Any], str]  # gets the resolved WorkOrder; returns why no call is needed, or ""
_followup_waivers: dict[str, FollowupWaiver] = {}


def register_followup_waiver(name: str, fn: FollowupWaiver) -> None:
    _followup_waivers[name] = fn


def followup_waiver(order: WorkOrder) -> str:
    """Why ``order`` needs no follow-up call of its own (the first waiver that gives a reason), or ""."""
    for fn in list(_followup_waivers.values()):
        reason = fn(order)
        if reason:
            return reason
    return ""


_order_event_listeners: dict[str, OrderEventListener] = {}


def register_order_event_listener(name: str, fn: OrderEventListener) -> None:
    _order_event_listeners[name] = fn


def notify_order_event(event: OrderEvent) -> None:
    """Call inside the transaction of the change (status changes, deadlines and breaches have their own
    hooks: transition listeners and staff events)."""
    for fn in list(_order_event_listeners.values()):
        fn(event)


def register_rule_violation_listener(name: str, fn: RuleViolationListener) -> None:
    _violation_listeners[name] = fn


def notify_rule_violation(event: RuleViolationEvent) -> None:
    for fn in list(_violation_listeners.values()):
        fn(event)


def register_transition_guard(name: str, fn: TransitionGuard) -> None:
    _guards[name] = fn  # keyed, so a second ready() (tests) does not register twice


def register_transition_listener(name: str, fn: TransitionListener) -> None:
    _listeners[name] = fn


def register_reply_check(name: str, fn: ReplyCheck) -> None:
    _reply_checks[name] = fn


def register_customer_text_listener(name: str, fn: CustomerTextListener) -> None:
    _text_listeners[name] = fn


def register_new_order_text_classifier(name: str, fn: NewOrderTextClassifier) -> None:
    _new_text_classifiers[name] = fn


def register_new_order_annotations(name: str, fn: NewOrderAnnotations) -> None:
    """``fn(at)``: annotations of the customer's query that a new-order classifier reads (e.g. a count of
    the customer's recent contacts), so that the creation reads them with the customer it reads anyway."""
    _new_order_annotations[name] = fn


def new_order_annotations(at: dt.datetime) -> dict[str, Any]:
    """Every registered classifier's annotations for an order registered at ``at``."""
    out: dict[str, Any] = {}
    for fn in list(_new_order_annotations.values()):
        out.update(fn(at))
    return out


def classify_new_order_text(event: NewOrderText) -> None:
    for fn in list(_new_text_classifiers.values()):
        fn(event)


def register_order_panel(panel: OrderPanel) -> None:
    _panels[panel.key] = panel


def register_followup_done(name: str, fn: FollowupDone) -> None:
    _on_followup_done[name] = fn


def unregister_followup_done(name: str) -> None:
    _on_followup_done.pop(name, None)


def register_staff_event_listener(name: str, fn: StaffEventListener) -> None:
    _staff_event_listeners[name] = fn


def unregister_staff_event_listener(name: str) -> None:
    _staff_event_listeners.pop(name, None)


def notify_staff_event(event: StaffEvent) -> None:
    """Call inside the transaction of the change that caused the event."""
    for fn in list(_staff_event_listeners.values()):
        fn(event)


def notify_followup_done(task: Any) -> None:
    for fn in list(_on_followup_done.values()):
        fn(task)


def run_transition_guards(event: TransitionEvent) -> None:
    for fn in list(_guards.values()):
        fn(event)


def notify_transition(event: TransitionEvent) -> None:
    for fn in list(_listeners.values()):
        fn(event)


def run_reply_checks(event: ReplyEvent) -> None:
    for fn in list(_reply_checks.values()):
        fn(event)


def notify_customer_text(event: CustomerTextEvent) -> None:
    for fn in list(_text_listeners.values()):
        fn(event)


def order_panel_annotations() -> dict[str, Any]:
    """The annotations every registered panel declares (``OrderPanel.annotations``), for the order query
    of the order page."""
    out: dict[str, Any] = {}
    for panel in _panels.values():
        if panel.annotations is not None:
            out.update(panel.annotations())
    return out


def order_panel_keys() -> str:
    """The registered panels that declare annotations (what :func:`order_panel_annotations` depends on)."""
    return ",".join(sorted(key for key, panel in _panels.items() if panel.annotations is not None))


def panel_flag(order: WorkOrder, name: str) -> bool:
    """A panel's annotation ``name`` on ``order``; True (look it up) when the order was read without it
    (another page, a test calling the panel directly)."""
    return bool(getattr(order, name, True))


def panel_rows(order: WorkOrder, name: str) -> list[Any] | None:
    """A panel's rows read with the order (an annotation ``name`` that is a ``kefu.lib.json_rows.JSONRows``
    array: rebuild them with ``json_rows.instances``); None when the order was read without it (another
    page, a test calling the panel directly): the panel queries them itself."""
    rows = getattr(order, name, None)
    return None if rows is None else list(rows)


def order_panels(request: HttpRequest, order: WorkOrder) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of each panel that has something to show for this order."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.position, p.key)):
        ctx = panel.context(request, order)
        if ctx is not None:
            shown.append((panel.template, ctx))
    return shown


# --- order actions offered by features to macros and bulk actions --------------------------------------------
# A feature that owns a kind of change to an order (e.g. tags: "add_tag") registers the function doing it,
# ``fn(user, order_key, value)``; it runs inside the caller's transaction, writes its own audit record and
# raises a ``KefuError`` to refuse. Macros and the queue's bulk actions (kefu.macros) call it by name and
# offer the action only while something is registered (docs/macros.md).
OrderAction = Callable[["Actor", int, str], None]
_order_actions: dict[str, OrderAction] = {}


def register_order_action(name: str, fn: OrderAction) -> None:
    _order_actions[name] = fn


def unregister_order_action(name: str) -> None:
    _order_actions.pop(name, None)


def order_action(name: str) -> OrderAction | None:
    """The function registered for ``name`` (e.g. "add_tag"), or None when no feature offers it."""
    return _order_actions.get(name)
