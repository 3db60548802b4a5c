"""From the order's events to triggers and webhook deliveries, inside the transaction of the change.

The listeners (registered in ``apps.py`` on ``workorders.hooks``) turn each event into a ``registry.Context``:

* ``created`` / ``updated`` / ``satisfaction_received``: the order events of the core and of surveys;
* ``status_changed``: the transition listeners;
* ``clock_warned`` / ``clock_breached``: the staff events ``warning`` / ``breach`` the commitments sweep sends
  (the same ones the notifications app turns into notifications).

``handle`` records one delivery per webhook subscribed to the event (the outbox of webhooks; the job runner
sends them after commit), then runs the active triggers of the event in their order. A trigger's actions run
in a savepoint as its ``run_as`` user: a refused action rolls back that trigger's actions only and is kept as
the trigger's last error. Changes made by triggers fire triggers again only up to ``KEFU_TRIGGER_MAX_DEPTH``
levels, and never the same trigger twice in one chain (``rules.may_fire``)."""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, Value

from kefu.audit import log as audit
from kefu.automation import delivery, registry, rules
from kefu.automation.models import Trigger, Webhook
from kefu.automation.registry import Context
from kefu.lib.errors import KefuError
from kefu.organization import config_cache
from kefu.organization.access import staff_of
from kefu.workorders import hooks
from kefu.workorders.models import WorkOrder

log = logging.getLogger("kefu.automation")

# the triggers whose actions are running now, outermost first (this thread / task only)
_chain: ContextVar[tuple[int, ...]] = ContextVar("kefu_trigger_chain", default=())


def chain() -> tuple[int, ...]:
    return _chain.get()


# --- the listeners ----------------------------------------------------------------------------------------


BOOKKEEPING = frozenset({"version", "updated_at", "search_text"})  # not changes a receiver cares about


def on_order_event(event: hooks.OrderEvent) -> None:
    actor = staff_of(event.actor) if event.actor is not None else None
    handle(
        Context(
            event=event.kind,
            order=event.order,
            at=event.at,
            event_id=str(uuid.uuid4()),
            actor_id=actor.pk if actor else None,
            # field names as the payload's order shows them: "assignee", not "assignee_id"
            changes={k.removesuffix("_id"): v for k, v in event.changes.items() if k not in BOOKKEEPING},
            data=dict(event.data),
        )
    )


def on_transition(event: hooks.TransitionEvent) -> None:
    handle(
        Context(
            event="status_changed",
            order=event.order,
            at=event.at,
            event_id=str(uuid.uuid4()),
            actor_id=event.staff.pk,
            changes={"status": (event.from_status, event.to_status)},
            data={
                "from": event.from_status,
                "to": event.to_status,
                "action": event.action,
                "reason": event.reason,
            },
        )
    )


CLOCK_EVENTS = {hooks.StaffEventKind.WARNING: "clock_warned", hooks.StaffEventKind.BREACH: "clock_breached"}


def on_staff_event(event: hooks.StaffEvent) -> None:
    kind = CLOCK_EVENTS.get(event.kind)
    if kind is None or event.order_id is None or not _interested(kind):
        return
    order = WorkOrder.objects.filter(pk=event.order_id).first()
    if order is None:
        return
    handle(
        Context(
            event=kind,
            order=order,
            at=event.at,
            event_id=str(uuid.uuid4()),
            data={"clocks": list(event.params.get("clocks") or [])},
        ),
        checked=True,
    )


# --- the engine -------------------------------------------------------------------------------------------


def _interested(event: str) -> bool:
    """Whether any active trigger of ``event`` or any enabled webhook exists: read once per change of the
    triggers and webhooks (``config_cache``), so an installation without automation pays no query per event."""
    return config_cache.cached(config_cache.AUTOMATION, f"interested:{event}", lambda: _interested_now(event))


def _interested_now(event: str) -> bool:
    t = Trigger.objects.filter(event=event, active=True).annotate(k=Value("t", output_field=CharField()))
    w = Webhook.objects.filter(active=True, disabled_at__isnull=True).annotate(
        k=Value("w", output_field=CharField())
    )
    return bool(list(t.order_by().values_list("k").union(w.order_by().values_list("k"), all=True)[:1]))


def handle(ctx: Context, *, checked: bool = False) -> None:
    if not checked and not _interested(ctx.event):
        return
    delivery.enqueue_subscribed(ctx)
    run_triggers(ctx)


def conditions_hold(trigger: Trigger, ctx: Context) -> bool:
    results = []
    for c in trigger.conditions or []:
        kind = registry.CONDITIONS.get(str(c.get("field", "")))
        if kind is None:  # a kind whose app is gone: the trigger cannot be judged, so it does not fire
            return False
        try:
            results.append(rules.matches(str(c.get("op", "is")), kind.value(ctx), str(c.get("value", ""))))
        except ValueError:
            return False
    return rules.all_match(trigger.match, results)


def run_triggers(ctx: Context) -> None:
    current = _chain.get()
    triggers = list(Trigger.objects.filter(event=ctx.event, active=True).select_related("run_as__user"))
    for t in triggers:
        if not rules.may_fire(t.pk, current, settings.KEFU_TRIGGER_MAX_DEPTH):
            if len(current) >= settings.KEFU_TRIGGER_MAX_DEPTH:
                log.info(
                    "trigger %s not fired on %s: chain %s at the depth limit", t.pk, ctx.order.pk, current
                )
            continue
        if not conditions_hold(t, ctx):
            continue
        token = _chain.set((*current, t.pk))
        changed = False
        try:
            with transaction.atomic():  # a savepoint: a refused action undoes this trigger's actions only
                for a in t.actions or []:
                    kind = registry.ACTIONS.get(str(a.get("kind", "")))
                    if kind is None:
                        raise KefuError("unknown_action", f"unknown action {a.get('kind')!r}", "actions")
                    kind.run(ctx, t.run_as, str(a.get("value", "")), str(a.get("text", "")))
                    changed = True
        except KefuError as exc:
            _failed(t, ctx, exc)
        else:
            _fired(t, ctx)
        finally:
            _chain.reset(token)
        if changed:  # the next trigger and the caller's order object see what this one changed
            ctx.order.refresh_from_db()


def _fired(t: Trigger, ctx: Context) -> None:
    Trigger.objects.filter(pk=t.pk).update(fired=F("fired") + 1, last_fired_at=ctx.at)
    audit.record(
        None,
        "trigger.fired",
        t,
        after={"event": ctx.event, "event_id": ctx.event_id, "chain": list(_chain.get())},
        customer_id=ctx.order.customer_id,
        workorder_id=ctx.order.pk,
        summary=f"{t.name} ({ctx.order.number})"[:200],
    )


def _failed(t: Trigger, ctx: Context, exc: KefuError) -> None:
    message = f"{ctx.order.number}: {exc.message}"[:500]
    Trigger.objects.filter(pk=t.pk).update(last_error=message, last_error_at=ctx.at)
    audit.record(
        None,
        "trigger.failed",
        t,
        after={"event": ctx.event, "code": exc.code, "message": str(exc.message)},
        customer_id=ctx.order.customer_id,
        workorder_id=ctx.order.pk,
        summary=f"{t.name}: {exc.message}"[:200],
    )
    log.warning("trigger %s on %s refused: %s", t.pk, ctx.order.number, exc.message)
