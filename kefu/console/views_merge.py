"""Agent console: customer merge (the preview with a choice per differing field, the merge, the undo), the
supervisor's merge queue of possible duplicates, and moving an order to another customer (R-5).

Thin views over ``kefu.customers.merge``, ``kefu.customers.duplicates`` and ``kefu.workorders.rehome``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.customers import duplicates, merge
from kefu.customers.access import access_customer, visible_customers
from kefu.lib.errors import KefuError, NotFound, PermissionDenied
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders import rehome
from kefu.workorders.access import access_workorder


def _customer_ids(request: ConsoleRequest, values: list[str]) -> list[int]:
    """Ids from ``values`` (ids or customer numbers such as KH00000012); an unknown number is left for
    the merge to refuse as "not found"."""
    out: list[int] = []
    for raw in values:
        for v in raw.replace(",", " ").split():
            if v.isdecimal():
                out.append(int(v))
                continue
            pk = visible_customers(request.user).filter(number=v.upper()).values_list("pk", flat=True).first()
            out.append(pk if pk is not None else 0)
    return list(dict.fromkeys(out))


def _choices(request: ConsoleRequest) -> dict[str, int | str]:
    return {
        name: request.POST[f"choice_{name}"]
        for name in merge.CHOICE_FIELDS
        if request.POST.get(f"choice_{name}")
    }


@require_http_methods(["GET", "POST"])
@staff_view("customer.merge")
def customer_merge(request: ConsoleRequest, pk: int) -> HttpResponse:
    """GET: the preview of merging the records ``?with=…`` into ``pk``; POST: the merge."""
    survivor = access_customer(request.user, pk)
    values = request.POST.getlist("with") if request.method == "POST" else request.GET.getlist("with")
    ids = _customer_ids(request, values)
    error: KefuError | None = None
    status = 200
    if request.method == "POST":
        try:
            record = merge.do_merge(
                request.user, pk, ids, _choices(request), request.POST.get("reason") or ""
            )
        except KefuError as exc:
            error, status = exc, 403 if isinstance(exc, PermissionDenied) else 400
        else:
            messages.success(
                request,
                _("%(n)d record(s) merged into this one. You can undo the merge until %(until)s.")
                % {"n": len(record.merged_ids), "until": record.undo_until.strftime("%Y-%m-%d %H:%M UTC")},
            )
            return redirect("console:customer_detail", pk=pk)
    preview: merge.Preview | None = None
    if ids:
        try:
            preview = merge.preview(request.user, pk, ids)
        except KefuError as exc:
            error = error or exc
            status = 404 if isinstance(exc, NotFound) else 400
    choice_rows = []
    if preview is not None:
        numbers = {x.pk: x.number for x in preview.customers}
        posted = _choices(request) if request.method == "POST" else {}
        for fc in preview.choices:
            chosen = str(posted.get(fc.name, fc.default))
            choice_rows.append(
                (fc, [(cid, shown, numbers.get(cid, ""), str(cid) == chosen) for cid, shown in fc.options])
            )
    ctx: dict[str, Any] = {
        "c": survivor,
        "preview": preview,
        "choice_rows": choice_rows,
        "error": error,
        "with_value": " ".join(x.number for x in preview.merged) if preview else " ".join(values),
        "posted": request.POST if request.method == "POST" else {},
        "suggestions": [] if ids else duplicates.suggestions_for(request.user, survivor),
    }
    return render(request, "console/customers/merge.html", ctx, status=status)


@require_POST
@staff_view("customer.merge")
def customer_merge_undo(request: ConsoleRequest, merge_id: int) -> HttpResponse:
    try:
        record = merge.do_undo(request.user, merge_id)
    except NotFound:
        raise
    except KefuError as exc:
        messages.error(request, str(exc.message))
        back = request.POST.get("next") or ""
        return redirect(back if back.startswith("/customers/") else "console:customer_list")
    messages.success(request, _("The merge was undone; the records are separate again."))
    return redirect("console:customer_detail", pk=record.survivor_id)


@require_GET
@staff_view("customer.merge")
def duplicate_queue(request: ConsoleRequest) -> HttpResponse:
    """The supervisor's merge queue: pairs of records in their scope that may be one person."""
    pairs = duplicates.queue(request.user)
    return render(
        request, "console/customers/duplicates.html", {"pairs": pairs, "limit": duplicates.QUEUE_LIMIT}
    )


@require_http_methods(["GET", "POST"])
@staff_view("order.work")
def order_move(request: ConsoleRequest, number: str) -> HttpResponse:
    """Move an order to another customer (its first-contact owner or a supervisor), with a reason."""
    o = access_workorder(request.user, number, related=("customer", "owner"))
    staff = request.staff
    allowed = rehome.may_move(staff.can("order.rehome"), staff.pk, o)
    error: KefuError | None = None
    status = 200
    if request.method == "POST":
        target = _customer_ids(request, [request.POST.get("customer") or ""])
        try:
            if not target:
                raise NotFound("not_found", _("Customer not found."), "customer")
            rehome.do_move_order(request.user, o.pk, target[0], request.POST.get("reason") or "")
        except KefuError as exc:
            error = exc
            status = 403 if isinstance(exc, PermissionDenied) else 404 if isinstance(exc, NotFound) else 400
        else:
            messages.success(request, _("The order was moved to the other customer."))
            return redirect("console:order_detail", key=o.number)
    ctx = {
        "o": o,
        "allowed": allowed,
        "error": error,
        "posted": request.POST if request.method == "POST" else {},
        "customer_value": request.POST.get("customer") or request.GET.get("customer") or "",
        "suggestions": duplicates.suggestions_for(request.user, o.customer),
    }
    return render(request, "console/customers/move_order.html", ctx, status=status if allowed else 403)
