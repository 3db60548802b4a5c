"""Console pages of macros and saved views (mounted under /macros/ in the console's URL tree), and the
macro card of the order page (picker, preview, apply). Thin: every change is one call to ``actions``,
``saved`` or ``bulk``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.lib import clock
from kefu.lib.errors import KefuError
from kefu.macros import actions, bulk, forms, rules, saved
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder

USAGE_DAYS = 30


@require_GET
@staff_view("order.work")
def macro_list(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    macros = list(actions.visible_macros(staff))
    since = clock.now() - dt.timedelta(days=USAGE_DAYS)
    used = actions.usage(staff, since)
    for m in macros:
        m.uses_recent = used["per_macro"].get(m.pk, 0)  # type: ignore[attr-defined]
        m.editable = actions.may_edit(staff, m)  # type: ignore[attr-defined]
        m.actions = actions.describe(m)  # type: ignore[attr-defined]
    return render(
        request,
        "macros/list.html",
        {
            "mine": [m for m in macros if not m.shared],
            "shared": [m for m in macros if m.shared],
            "per_person": used["per_person"],
            "days": USAGE_DAYS,
            "nav_group": "work",
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view("order.work")
def macro_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponse:
    staff = request.staff
    macro = actions.get_macro(staff, pk) if pk is not None else None
    if macro is not None and not actions.may_edit(staff, macro):
        messages.error(request, _("Only its author or a supervisor of its branch changes this macro."))
        return redirect("console:macro_list")
    if request.method == "POST":
        form = forms.MacroForm(request.POST, staff=staff)
        if form.is_valid():
            try:
                saved_macro = actions.do_save_macro(request.user, form.to_input(), pk)
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("Macro “%(name)s” saved.") % {"name": saved_macro.name})
                return redirect("console:macro_list")
    else:
        form = forms.MacroForm(initial=forms.MacroForm.initial_from(macro) if macro else None, staff=staff)
    variables = [(f"{{{{{k}}}}}", forms.VARIABLE_LABELS[k]) for k in rules.VARIABLES]
    return render(
        request,
        "macros/edit.html",
        {"form": form, "macro": macro, "variables": variables, "nav_group": "work"},
    )


@require_POST
@staff_view("order.work")
def macro_delete(request: ConsoleRequest, pk: int) -> HttpResponse:
    try:
        actions.do_delete_macro(request.user, pk)
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Macro deleted."))
    return redirect("console:macro_list")


# --- on the order page ----------------------------------------------------------------------------------------


@require_GET
@staff_view("order.work")
def macro_picker(request: ConsoleRequest, key: str) -> HttpResponse:
    o = access_workorder(request.user, key)
    return render(
        request, "macros/_picker.html", {"o": o, "macros": list(actions.visible_macros(request.staff))}
    )


def _keys(request: ConsoleRequest, data: Any) -> list[str]:
    return [k for k in data.getlist("orders") if k.strip()][: rules.MAX_ORDERS]


@require_GET
@staff_view("order.work")
def macro_preview(request: ConsoleRequest) -> HttpResponse:
    """The chosen macro rendered for each order of ``orders`` (the order page's one, or the queue's
    selection), with what would refuse it."""
    keys = _keys(request, request.GET)
    macro_id = request.GET.get("macro", "")
    # inline: shown in the queue's bulk bar, whose own button applies it
    ctx: dict[str, Any] = {
        "keys": keys,
        "next": _next(request, request.GET),
        "inline": bool(request.GET.get("inline")),
    }
    if not macro_id.isdigit() or not keys:
        ctx["error"] = _("Choose a macro and at least one order.")
        return render(request, "macros/_preview.html", ctx)
    try:
        m = actions.get_macro(request.staff, int(macro_id))
        previews = actions.preview(request.user, m, keys)
        ctx.update(
            macro=m, lines=actions.describe(m), previews=previews, flagged=any(p.problems for p in previews)
        )
    except KefuError as exc:
        ctx["error"] = str(exc.message)
    return render(request, "macros/_preview.html", ctx)


def _next(request: ConsoleRequest, data: Any) -> str:
    url = data.get("next", "")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return str(url)
    return reverse("console:queue")


@require_POST
@staff_view("order.work")
def macro_apply(request: ConsoleRequest) -> HttpResponse:
    """Apply a macro to the orders posted (each order all or nothing); back to ``next`` with the outcome."""
    keys = _keys(request, request.POST)
    macro_id = request.POST.get("macro", "")
    try:
        result = bulk.do_bulk(
            request.user,
            keys,
            bulk.BulkAction(
                kind=bulk.BulkKind.MACRO,
                macro_id=int(macro_id) if macro_id.isdigit() else None,
                override_reason=request.POST.get("override_reason", ""),
            ),
        )
    except KefuError as exc:
        messages.error(request, str(exc.message))
        return redirect(_next(request, request.POST))
    for r in result.results:
        if r.ok:
            messages.success(request, _("Macro applied to %(order)s.") % {"order": r.number})
        else:
            messages.error(
                request,
                _("%(order)s: not applied — %(reason)s")
                % {"order": r.number or r.key, "reason": " ".join(e["message"] for e in r.errors)},
            )
    return redirect(_next(request, request.POST))


# --- saved views ----------------------------------------------------------------------------------------------


@require_GET
@staff_view
def view_menu(request: ConsoleRequest) -> HttpResponse:
    """The queue's menu of saved views with their counts, loaded by the queue page after it is shown (the
    page's own statements do not grow; the counts are cached, ``saved.counts``)."""
    active = request.GET.get("active", "")
    return render(
        request,
        "console/orders/_saved_views.html",
        {
            "loaded": True,
            "saved_views": saved.menu(request.user, request.staff),
            "active_id": int(active) if active.isdigit() and len(active) < 10 else None,
        },
    )


@require_GET
@staff_view
def view_list(request: ConsoleRequest) -> HttpResponse:
    staff = request.staff
    rows = saved.menu(request.user, staff)
    for row in rows:
        row["editable"] = saved.may_edit(staff, row["view"])
    return render(request, "macros/views.html", {"rows": rows, "nav_group": "work"})


def _queue_filters(data: Any) -> dict[str, Any]:
    return {k: data.get(k) for k in rules.VIEW_FILTERS if data.get(k) not in (None, "")}


@require_POST
@staff_view
def view_create(request: ConsoleRequest) -> HttpResponse:
    """Save the queue as it is shown (tab, filters, sort, posted as hidden fields) as a view; with ``view``
    (the view being shown) its definition is replaced instead."""
    staff = request.staff
    form = forms.ViewForm(request.POST, staff=staff)
    existing = request.POST.get("view", "")
    if form.is_valid():
        d = form.cleaned_data
        data = saved.ViewInput(
            name=d["name"],
            tab=request.POST.get("tab", "team"),
            filters=_queue_filters(request.POST),
            sort=request.POST.get("sort", ""),
            columns=d["columns"] or None,
            shared=bool(d.get("shared")),
            branch_id=d["branch"].pk if d.get("branch") else None,
            position=d["position"] if d["position"] is not None else 100,
        )
        try:
            v = saved.do_save_view(request.user, data, int(existing) if existing.isdigit() else None)
        except KefuError as exc:
            for e in getattr(exc, "errors", None) or [exc]:
                messages.error(request, str(e.message))
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": v.name})
            return redirect(reverse("console:queue") + "?" + saved.query_string(v))
    else:
        for field_errors in form.errors.values():
            for e in field_errors:
                messages.error(request, str(e))
    return redirect(_next(request, request.POST))


@require_http_methods(["GET", "POST"])
@staff_view
def view_edit(request: ConsoleRequest, pk: int) -> HttpResponse:
    staff = request.staff
    v = saved.get_view(staff, pk)
    if not saved.may_edit(staff, v):
        messages.error(request, _("Only its author or a supervisor of its branch changes this view."))
        return redirect("console:view_list")
    if request.method == "POST":
        form = forms.ViewForm(request.POST, staff=staff)
        if form.is_valid():
            d = form.cleaned_data
            try:
                saved.do_save_view(
                    request.user,
                    saved.ViewInput(
                        name=d["name"],
                        tab=v.tab,
                        filters=v.filters,
                        sort=v.sort,
                        columns=d["columns"] or None,
                        shared=bool(d.get("shared")),
                        branch_id=d["branch"].pk if d.get("branch") else None,
                        position=d["position"] if d["position"] is not None else 100,
                    ),
                    pk,
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("View saved."))
                return redirect("console:view_list")
    else:
        form = forms.ViewForm(initial=forms.ViewForm.initial_from(v), staff=staff)
    return render(request, "macros/view_edit.html", {"form": form, "v": v, "nav_group": "work"})


@require_POST
@staff_view
def view_delete(request: ConsoleRequest, pk: int) -> HttpResponse:
    try:
        saved.do_delete_view(request.user, pk)
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("View deleted."))
    return redirect("console:view_list")
