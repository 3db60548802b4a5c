"""Console: triggers (a when / if / then form) and webhooks (their secret, the delivery log, replay) for
administrators (docs/webhooks.md, docs/user-guide.md "Triggers and webhooks")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.automation import actions, registry, rules
from kefu.automation.models import Delivery, EventChoices, Trigger, Webhook
from kefu.lib.errors import Errors, KefuError
from kefu.organization.models import Branch
from kefu.web.views import ConsoleRequest, staff_view

ROWS = 5  # condition and action rows of the form (blank ones are ignored)


def _op_labels() -> dict[str, str]:
    return {
        "is": _("is"),
        "is_not": _("is not"),
        "in": _("is one of"),
        "not_in": _("is none of"),
        "contains": _("contains"),
        "not_contains": _("does not contain"),
    }


@staff_view("admin")
def triggers(request: ConsoleRequest) -> HttpResponseBase:
    events = dict(EventChoices.choices)
    rows = [(t, events.get(t.event, t.event)) for t in Trigger.objects.select_related("run_as")]
    return render(request, "automation/triggers.html", {"rows": rows, "nav_group": "admin"})


def _rows_from_post(post: Any, prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for i in range(ROWS):
        row = {k: post.get(f"{prefix}-{i}-{k}", "").strip() for k in keys}
        if row[keys[0]]:
            rows.append(row)
    return rows


def _padded(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [*items, *({} for _ in range(max(ROWS - len(items), 0)))][: max(ROWS, len(items))]


def _choice_hints() -> dict[str, list[registry.Choice]]:
    hints: dict[str, list[registry.Choice]] = {}
    for name, kind in registry.CONDITIONS.items():
        if kind.choices is not None:
            hints[f"c-{name}"] = kind.choices()
    for name, akind in registry.ACTIONS.items():
        if akind.choices is not None:
            hints[f"a-{name}"] = akind.choices()
    return hints


def _position(raw: str) -> int:
    raw = (raw or "100").strip()
    return int(raw) if raw.isdigit() else -1  # -1 is refused with the field named


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def trigger_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponseBase:
    t = actions.get_trigger(request.user, pk) if pk is not None else None
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = actions.TriggerInput(
            name=request.POST.get("name", ""),
            event=request.POST.get("event", ""),
            match=request.POST.get("match", "all"),
            conditions=_rows_from_post(request.POST, "c", ("field", "op", "value")),
            actions=_rows_from_post(request.POST, "a", ("kind", "value", "text")),
            active=request.POST.get("active") == "on",
            position=_position(request.POST.get("position", "")),
        )
        try:
            t = actions.do_save_trigger(request.user, data, pk)
        except KefuError as exc:
            errors, status = _errors(exc), 400
            form = {
                "name": data.name,
                "event": data.event,
                "match": data.match,
                "active": data.active,
                "position": request.POST.get("position", ""),
                "conditions": _padded(data.conditions),
                "actions": _padded(data.actions),
            }
        else:
            messages.success(request, _("Trigger “%(name)s” saved.") % {"name": t.name})
            return redirect("console:automation_triggers")
    else:
        form = {
            "name": t.name if t else "",
            "event": t.event if t else "created",
            "match": t.match if t else "all",
            "active": t.active if t else True,
            "position": t.position if t else 100,
            "conditions": _padded(list(t.conditions) if t else []),
            "actions": _padded(list(t.actions) if t else []),
        }
    hints = _choice_hints()
    ctx = {
        "trigger": t,
        "form": form,
        "errors": errors,
        "events": EventChoices.choices,
        "conditions": [
            (n, k.label, [(op, _op_labels()[op]) for op in k.ops], list(k.events))
            for n, k in registry.CONDITIONS.items()
        ],
        "kinds": [(n, k.label, k.value_label, k.text_label) for n, k in registry.ACTIONS.items()],
        "ops": list(_op_labels().items()),
        "hints": hints,
        "values": list(dict.fromkeys(ch for choices in hints.values() for ch in choices)),  # the datalist
        "nav_group": "admin",
    }
    return render(request, "automation/trigger_form.html", ctx, status=status)


@require_POST
@staff_view("admin")
def trigger_delete(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    actions.do_delete_trigger(request.user, pk)
    messages.success(request, _("Trigger deleted."))
    return redirect("console:automation_triggers")


def _webhook_input(post: Any) -> actions.WebhookInput:
    branch = post.get("branch", "")
    return actions.WebhookInput(
        name=post.get("name", ""),
        url=post.get("url", ""),
        events=post.getlist("events"),
        branch_id=int(branch) if branch.isdigit() else None,
        active=post.get("active") == "on",
    )


def _errors(exc: KefuError) -> dict[str, str]:
    found = exc.errors if isinstance(exc, Errors) else [exc]
    return {str(e.field or "__all__"): str(e.message) for e in found}


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def webhooks(request: ConsoleRequest) -> HttpResponseBase:
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            w = actions.do_save_webhook(request.user, _webhook_input(request.POST))
        except KefuError as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(
                request, _("Webhook “%(name)s” added. Give its secret to the receiver.") % {"name": w.name}
            )
            return redirect("console:automation_webhook", pk=w.pk)
    ctx = {
        "rows": Webhook.objects.select_related("branch"),
        "errors": errors,
        "posted": request.POST,
        "events": EventChoices.choices,
        "branches": Branch.objects.order_by("name"),
        "nav_group": "admin",
    }
    return render(request, "automation/webhooks.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def webhook_detail(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    w = actions.get_webhook(request.user, pk)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            w = actions.do_save_webhook(request.user, _webhook_input(request.POST), pk)
        except KefuError as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("console:automation_webhook", pk=w.pk)
    log = list(Delivery.objects.filter(webhook=w).prefetch_related("tries")[:50])
    ctx = {
        "w": w,
        "log": log,
        "errors": errors,
        "events": EventChoices.choices,
        "branches": Branch.objects.order_by("name"),
        "schema": rules.SCHEMA,
        "nav_group": "admin",
    }
    return render(request, "automation/webhook.html", ctx, status=status)


OPS = {
    "delete": actions.do_delete_webhook,
    "enable": actions.do_enable_webhook,
    "rotate": actions.do_rotate_secret,
    "test": actions.do_send_test,
}


@require_POST
@staff_view("admin")
def webhook_op(request: ConsoleRequest, pk: int, op: str) -> HttpResponseBase:
    fn = OPS.get(op)
    if fn is None:
        raise Http404
    try:
        fn(request.user, pk)
    except KefuError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:automation_webhook", pk=pk)
    if op == "delete":
        messages.success(request, _("Webhook deleted."))
        return redirect("console:automation_webhooks")
    done = {
        "enable": _("Webhook enabled: waiting deliveries go out again."),
        "rotate": _("New secret made; the old one signs too for 24 hours."),
        "test": _("Test event queued; it appears in the log when the worker sent it."),
    }
    messages.success(request, done[op])
    return redirect("console:automation_webhook", pk=pk)


@require_POST
@staff_view("admin")
def delivery_replay(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    copy = actions.do_replay(request.user, pk)
    messages.success(request, _("Delivery queued again; it appears at the top of the log."))
    return redirect("console:automation_webhook", pk=copy.webhook_id)
