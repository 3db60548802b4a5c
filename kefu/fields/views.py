"""Console pages of tags and custom fields: the order page's card (save values, add and remove tags),
tag autocomplete, and the administrators' page of field definitions. Mounted under /fields/ in the
console's URL tree (names in the console namespace)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.fields import actions, rules
from kefu.fields.models import FieldDefinition, FieldKindChoices, FieldScopeChoices
from kefu.fields.panels import order_fields, order_panel
from kefu.lib.errors import Errors, KefuError
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder
from kefu.workorders.models import OrderTypeChoices, StatusChoices


def _errors(exc: KefuError) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in exc.errors if isinstance(exc, Errors) else [exc]:
        name = (e.field or "").removeprefix("custom_fields.") or "form"
        out.setdefault(name, str(e.message))
    return out


def _panel(
    request: ConsoleRequest, key: str, *, errors: dict[str, str], posted: Any, saved: str, status: int
) -> HttpResponse:
    order = access_workorder(request.user, key)
    ctx = order_panel(request, order) or {}
    if posted is not None:  # show what was typed next to its error
        for f in ctx.get("fields", []):
            if f["kind"] == rules.Kind.MULTI_CHOICE:
                f["values"] = posted.getlist(f"field.{f['key']}")
            elif f"field.{f['key']}" in posted:
                f["text"] = posted.get(f"field.{f['key']}", "")
    ctx.update(errors=errors, saved=saved)
    return render(request, "fields/_order_panel.html", {"panel": ctx}, status=status)


def _done(request: ConsoleRequest, key: str, message: str) -> HttpResponse:
    if request.htmx:
        return _panel(request, key, errors={}, posted=None, saved=message, status=200)
    messages.success(request, message)
    return redirect(reverse("console:order_detail", kwargs={"key": key}) + "#fields-panel")


def _refused(request: ConsoleRequest, key: str, exc: KefuError) -> HttpResponse:
    if request.htmx:
        return _panel(request, key, errors=_errors(exc), posted=request.POST, saved="", status=400)
    for message in _errors(exc).values():
        messages.error(request, message)
    return redirect(reverse("console:order_detail", kwargs={"key": key}) + "#fields-panel")


@require_POST
@staff_view("order.work")
def order_values(request: ConsoleRequest, key: str) -> HttpResponse:
    """Save the order's custom fields (the card's form: ``field.<key>`` inputs, every field shown)."""
    order = access_workorder(request.user, key)
    fields, _tags = order_fields(order)
    values: dict[str, Any] = {}
    for f in fields:
        name = f"field.{f['key']}"
        if f["scope"] == rules.Scope.CUSTOMER and not request.staff.can("customer.edit"):
            continue
        if f["kind"] == rules.Kind.MULTI_CHOICE:
            if f"{name}.shown" in request.POST:
                values[f["key"]] = request.POST.getlist(name)
        elif name in request.POST:
            values[f["key"]] = request.POST.get(name, "")
    try:
        changed = actions.do_set_field_values(request.user, order.pk, values)
    except KefuError as exc:
        return _refused(request, order.number, exc)
    return _done(request, order.number, _("Fields saved.") if changed else _("Nothing changed."))


@require_POST
@staff_view("order.work")
def order_tags(request: ConsoleRequest, key: str) -> HttpResponse:
    """Add the tags typed (``add``, comma-separated) or remove one (``remove``)."""
    order = access_workorder(request.user, key)
    try:
        if request.POST.get("remove"):
            actions.do_remove_tags(request.user, order.pk, [request.POST["remove"]])
            message = _("Tag removed.")
        else:
            names = rules.split_tags(request.POST.get("add", ""))
            if not names:
                raise KefuError("required", _("Type a tag."), "tags")
            actions.do_add_tags(request.user, order.pk, names)
            message = _("Tags added.")
    except KefuError as exc:
        return _refused(request, order.number, exc)
    return _done(request, order.number, message)


@require_GET
@staff_view
def tag_suggestions(request: ConsoleRequest) -> HttpResponse:
    """Autocomplete of the tag box: ``<option>``s for its ``<datalist>``, the most used first."""
    text = request.GET.get("add", "") or request.GET.get("tag", "") or request.GET.get("q", "")
    rows = actions.tag_suggestions(text, limit=10)
    return render(request, "fields/_tag_options.html", {"rows": rows})


@require_GET
@staff_view
def field_keys(request: ConsoleRequest) -> HttpResponse:
    """The options of the queue's custom-field filter box (``<option>``s of its ``<datalist>``)."""
    return render(request, "fields/_field_options.html", {"rows": actions.definitions()})


# --- definitions (administrators) -------------------------------------------------------------------------


def _form_ctx(current: FieldDefinition | None, data: Any, errors: dict[str, str]) -> dict[str, Any]:
    return {
        "current": current,
        "data": data,
        "errors": errors,
        "kinds": FieldKindChoices.choices,
        "scopes": FieldScopeChoices.choices,
        "order_types": OrderTypeChoices.choices,
        "statuses": StatusChoices.choices,
    }


def _initial(d: FieldDefinition | None) -> dict[str, Any]:
    if d is None:
        return {
            "scope": "order",
            "kind": "text",
            "position": 100,
            "active": True,
            "choices": "",
            "order_types": [],
            "required_at": [],
        }
    return {
        **{k: getattr(d, k) for k in actions.DEFINITION_FIELDS},
        "choices": ", ".join(d.choices or []),
        "min_value": "" if d.min_value is None else rules.show("number", [d.min_value]),
        "max_value": "" if d.max_value is None else rules.show("number", [d.max_value]),
    }


def _posted(request: ConsoleRequest) -> dict[str, Any]:
    p = request.POST
    return {
        **{
            k: p.get(k, "")
            for k in (
                "key",
                "label",
                "help_text",
                "scope",
                "kind",
                "choices",
                "pattern",
                "min_value",
                "max_value",
                "position",
            )
        },
        "order_types": p.getlist("order_types"),
        "required_at": p.getlist("required_at"),
        "public": bool(p.get("public")),
        "active": bool(p.get("active")),
    }


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def definitions(request: ConsoleRequest) -> HttpResponseBase:
    """The list of custom fields and the form that declares a new one."""
    data, errors, status = _initial(None), {}, 200
    if request.method == "POST":
        data = _posted(request)
        try:
            d = actions.do_save_definition(request.user, data)
        except KefuError as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("Custom field “%(label)s” created.") % {"label": d.label})
            return redirect("console:fields_definitions")
    ctx = {
        "rows": actions.definitions(include_inactive=True),
        **_form_ctx(None, data, errors),
    }
    return render(request, "fields/definitions.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def definition_edit(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    d = get_object_or_404(FieldDefinition, pk=pk)
    data, errors, status = _initial(d), {}, 200
    if request.method == "POST":
        data = _posted(request)
        try:
            actions.do_save_definition(request.user, data, pk=d.pk)
        except KefuError as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("Custom field “%(label)s” saved.") % {"label": data["label"]})
            return redirect("console:fields_definitions")
    return render(request, "fields/definition_edit.html", _form_ctx(d, data, errors), status=status)
