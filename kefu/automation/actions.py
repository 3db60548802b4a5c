"""Administrators' use cases: triggers and webhooks saved, deleted, a webhook's secret rotated, a disabled one
enabled, a delivery replayed, a test event sent. Every change is audited (docs/webhooks.md)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.automation import delivery, registry, rules
from kefu.automation.models import Delivery, DeliveryStatus, Trigger, Webhook
from kefu.lib import clock
from kefu.lib.errors import KefuError, NotFound, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch

MAX_CONDITIONS = 20
MAX_ACTIONS = 10
ROTATION_OVERLAP = dt.timedelta(hours=24)  # the old secret signs too for a day after a rotation


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


@dataclass
class TriggerInput:
    name: str
    event: str
    match: str = "all"
    conditions: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    active: bool = True
    position: int = 100


def clean_trigger(data: TriggerInput) -> dict[str, Any]:
    """The trigger as stored, or every error found (each names its field: ``conditions.2.value`` …)."""
    errors: list[KefuError] = []
    name = (data.name or "").strip()
    if not name:
        errors.append(ValidationFailed("required", _("Give the trigger a name."), "name"))
    elif len(name) > 120:
        errors.append(ValidationFailed("too_long", _("The name is longer than 120 characters."), "name"))
    if data.event not in rules.EVENTS:
        errors.append(ValidationFailed("invalid_choice", _("Choose when the trigger runs."), "event"))
    if data.match not in ("all", "any"):
        errors.append(ValidationFailed("invalid_choice", _("Choose all or any."), "match"))
    if len(data.conditions) > MAX_CONDITIONS:
        errors.append(ValidationFailed("too_many", _("At most 20 conditions."), "conditions"))
    if not 0 <= data.position <= 100000:
        errors.append(
            ValidationFailed("invalid_value", _("The order is a number from 0 to 100000."), "position")
        )
    conditions = []
    for i, c in enumerate(data.conditions[:MAX_CONDITIONS]):
        name_ = str(c.get("field", ""))
        op = str(c.get("op", ""))
        value = str(c.get("value", "")).strip()
        kind = registry.CONDITIONS.get(name_)
        if kind is None:
            errors.append(
                ValidationFailed("invalid_choice", _("Unknown condition."), f"conditions.{i}.field")
            )
            continue
        if kind.events and data.event not in kind.events:
            errors.append(
                ValidationFailed(
                    "invalid_choice",
                    _("%(condition)s does not apply to this event.") % {"condition": kind.label},
                    f"conditions.{i}.field",
                )
            )
        if op not in kind.ops:
            errors.append(ValidationFailed("invalid_choice", _("Choose an operator."), f"conditions.{i}.op"))
            continue
        if not value and op not in ("is", "is_not"):
            errors.append(ValidationFailed("required", _("Enter a value."), f"conditions.{i}.value"))
        if kind.choices is not None and value:
            allowed = {ch.value for ch in kind.choices()}
            wanted = rules.split_values(value) if op in ("in", "not_in") else [value]
            if any(v not in allowed for v in wanted):
                errors.append(
                    ValidationFailed(
                        "invalid_choice", _("Choose one of the listed values."), f"conditions.{i}.value"
                    )
                )
        conditions.append({"field": name_, "op": op, "value": value[:500]})
    if not data.actions:
        errors.append(ValidationFailed("required", _("Add at least one action."), "actions"))
    if len(data.actions) > MAX_ACTIONS:
        errors.append(ValidationFailed("too_many", _("At most 10 actions."), "actions"))
    acts = []
    for i, a in enumerate(data.actions[:MAX_ACTIONS]):
        kind_name = str(a.get("kind", ""))
        akind = registry.ACTIONS.get(kind_name)
        if akind is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown action."), f"actions.{i}.kind"))
            continue
        try:
            value, text = akind.clean(str(a.get("value", "")), str(a.get("text", "")))
        except ValidationFailed as exc:
            exc.field = f"actions.{i}.{exc.field or 'value'}"
            errors.append(exc)
            continue
        acts.append({"kind": kind_name, "value": value, "text": text})
    raise_if(errors)
    return {
        "name": name,
        "event": data.event,
        "match": data.match,
        "conditions": conditions,
        "actions": acts,
        "active": bool(data.active),
        "position": int(data.position),
    }


def _trigger_snapshot(t: Trigger) -> dict[str, Any]:
    return {
        "name": t.name,
        "event": t.event,
        "match": t.match,
        "conditions": t.conditions,
        "actions": t.actions,
        "active": t.active,
        "position": t.position,
    }


@transaction.atomic
def do_save_trigger(user: Actor, data: TriggerInput, trigger_id: int | None = None) -> Trigger:
    """Create or change a trigger (administrators). It runs as the administrator who saved it last."""
    staff = require_staff(user, "admin")
    clean = clean_trigger(data)
    now = clock.now()
    if trigger_id is None:
        t = Trigger.objects.create(run_as=staff, created_at=now, updated_at=now, **clean)
        audit.record(user, "trigger.create", t, after=_trigger_snapshot(t), summary=t.name)
        return t
    t = get_trigger(user, trigger_id, for_update=True)
    before = _trigger_snapshot(t)
    for k, v in clean.items():
        setattr(t, k, v)
    t.run_as = staff
    t.updated_at = now
    t.save()
    b, a = audit.diff(before, _trigger_snapshot(t))
    audit.record(user, "trigger.update", t, before=b, after=a, summary=t.name)
    return t


def get_trigger(user: Actor, trigger_id: int, *, for_update: bool = False) -> Trigger:
    require_staff(user, "admin")
    qs = Trigger.objects.select_for_update() if for_update else Trigger.objects.select_related("run_as")
    t = qs.filter(pk=trigger_id).first()
    if t is None:
        raise NotFound("not_found", _("There is no such trigger."))
    return t


@transaction.atomic
def do_delete_trigger(user: Actor, trigger_id: int) -> None:
    t = get_trigger(user, trigger_id, for_update=True)
    audit.record(user, "trigger.delete", t, before=_trigger_snapshot(t), summary=t.name)
    t.delete()


# --- webhooks --------------------------------------------------------------------------------------------


@dataclass
class WebhookInput:
    name: str
    url: str
    events: list[str] = field(default_factory=list)
    branch_id: int | None = None
    active: bool = True


def clean_webhook(data: WebhookInput) -> dict[str, Any]:
    errors: list[KefuError] = []
    name = (data.name or "").strip()
    if not name:
        errors.append(ValidationFailed("required", _("Give the webhook a name."), "name"))
    elif len(name) > 120:
        errors.append(ValidationFailed("too_long", _("The name is longer than 120 characters."), "name"))
    url = (data.url or "").strip()
    if not url:
        errors.append(ValidationFailed("required", _("Enter the URL."), "url"))
    elif len(url) > 500:
        errors.append(ValidationFailed("too_long", _("The URL is longer than 500 characters."), "url"))
    else:
        try:
            delivery.resolve(url)
        except ValidationFailed as exc:
            errors.append(exc)
    events = list(dict.fromkeys(data.events))
    if any(e not in rules.EVENTS for e in events):
        errors.append(ValidationFailed("invalid_choice", _("Unknown event."), "events"))
    branch = None
    if data.branch_id is not None:
        branch = Branch.objects.filter(pk=data.branch_id).first()
        if branch is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown branch."), "branch"))
    raise_if(errors)
    return {"name": name, "url": url, "events": events, "branch": branch, "active": bool(data.active)}


def _webhook_snapshot(w: Webhook) -> dict[str, Any]:
    return {"name": w.name, "url": w.url, "events": w.events, "branch": w.branch_id, "active": w.active}


@transaction.atomic
def do_save_webhook(user: Actor, data: WebhookInput, webhook_id: int | None = None) -> Webhook:
    staff = require_staff(user, "admin")
    clean = clean_webhook(data)
    now = clock.now()
    if webhook_id is None:
        w = Webhook.objects.create(
            secret=new_secret(), created_by=staff, created_at=now, updated_at=now, **clean
        )
        audit.record(user, "webhook.create", w, after=_webhook_snapshot(w), summary=w.name)
        return w
    w = get_webhook(user, webhook_id, for_update=True)
    before = _webhook_snapshot(w)
    for k, v in clean.items():
        setattr(w, k, v)
    w.updated_at = now
    w.save()
    b, a = audit.diff(before, _webhook_snapshot(w))
    audit.record(user, "webhook.update", w, before=b, after=a, summary=w.name)
    return w


def get_webhook(user: Actor, webhook_id: int, *, for_update: bool = False) -> Webhook:
    require_staff(user, "admin")
    qs = Webhook.objects.select_for_update() if for_update else Webhook.objects.select_related("branch")
    w = qs.filter(pk=webhook_id).first()
    if w is None:
        raise NotFound("not_found", _("There is no such webhook."))
    return w


@transaction.atomic
def do_delete_webhook(user: Actor, webhook_id: int) -> None:
    w = get_webhook(user, webhook_id, for_update=True)
    audit.record(user, "webhook.delete", w, before=_webhook_snapshot(w), summary=w.name)
    w.delete()


@transaction.atomic
def do_enable_webhook(user: Actor, webhook_id: int) -> Webhook:
    """Enable a webhook that repeated failures disabled: its waiting deliveries go out again."""
    w = get_webhook(user, webhook_id, for_update=True)
    if w.disabled_at is None:
        raise ValidationFailed("not_disabled", _("This webhook is not disabled."))
    before = {"disabled_at": w.disabled_at.isoformat(), "reason": w.disabled_reason}
    w.disabled_at, w.disabled_reason, w.consecutive_failures = None, "", 0
    w.updated_at = clock.now()
    w.save(update_fields=["disabled_at", "disabled_reason", "consecutive_failures", "updated_at"])
    Delivery.objects.filter(webhook=w, status=DeliveryStatus.FAILED).update(next_attempt_at=w.updated_at)
    audit.record(user, "webhook.enable", w, before=before, after={"disabled_at": None}, summary=w.name)
    return w


@transaction.atomic
def do_rotate_secret(user: Actor, webhook_id: int) -> Webhook:
    """A new secret; the old one signs too (a second ``v1``) for 24 hours so the receiver can switch."""
    w = get_webhook(user, webhook_id, for_update=True)
    now = clock.now()
    w.previous_secret, w.previous_secret_until = w.secret, now + ROTATION_OVERLAP
    w.secret = new_secret()
    w.updated_at = now
    w.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    audit.record(
        user, "webhook.rotate_secret", w, after={"old_valid_until": w.previous_secret_until.isoformat()}
    )
    return w


@transaction.atomic
def do_replay(user: Actor, delivery_id: int) -> Delivery:
    """Send a logged delivery again: a new delivery with the same body and event id (receivers that already
    processed the event drop it by its id)."""
    staff = require_staff(user, "admin")
    d = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if d is None:
        raise NotFound("not_found", _("There is no such delivery."))
    now = clock.now()
    copy = Delivery.objects.create(
        webhook=d.webhook,
        event_id=d.event_id,
        event_type=d.event_type,
        workorder_id=d.workorder_id,
        body=d.body,
        next_attempt_at=now,
        created_at=now,
        replay_of=d,
        replayed_by=staff,
    )
    audit.record(
        user,
        "webhook.replay",
        copy,
        after={"replay_of": d.pk, "event_id": str(d.event_id)},
        summary=d.webhook.name,
    )
    return copy


@transaction.atomic
def do_send_test(user: Actor, webhook_id: int) -> Delivery:
    w = get_webhook(user, webhook_id)
    d = delivery.enqueue_ping(w, clock.now())
    audit.record(user, "webhook.test", d, after={"webhook": w.pk}, summary=w.name)
    return d
