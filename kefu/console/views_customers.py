"""Agent console: the customer archive (R-1..R-4) — search, create/edit with duplicate warnings, and the
customer page with every archive record, the contact history, work orders and the service log.

Thin views: rows come from ``kefu.customers.access``; every change is one call to an action in
``kefu.customers.actions``; a ``KefuError`` is shown next to the field it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.audit.models import AuditRecord
from kefu.console import forms_customers as fc
from kefu.console.views_orders import OPEN
from kefu.customers import actions, duplicates, lookup, merge
from kefu.customers import rules as cust_rules
from kefu.customers.access import access_customer, visible_customers
from kefu.customers.models import Contact, Customer, CustomerMerge, CustomerNote
from kefu.customers.queries import customer_filters, filtered_customers
from kefu.lib import clock, masking
from kefu.lib.errors import Conflict, KefuError, NotFound, PermissionDenied
from kefu.lib.replica import searches_from_replica
from kefu.organization.access import areas_of, branches_of
from kefu.organization.models import Staff
from kefu.privacy import records as access_records
from kefu.privacy import rules as privacy_rules
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import visible_workorders

CUSTOMER_NUMBER = re.compile(r"^KH\d{8}$", re.IGNORECASE)

# Reason codes of customers.rules.compute_churn_risk, for display.
CHURN_REASONS: dict[str, Any] = {
    "lapsed_subscription": gettext_lazy("a subscription lapsed and was not renewed"),
    "expiring_soon": gettext_lazy("a subscription expires within 60 days, no renewal this year"),
    "complaints": gettext_lazy("complaints in the last 12 months"),
    "unresolved_orders": gettext_lazy("work orders still open"),
    "reopened_orders": gettext_lazy("work orders reopened in the last 12 months"),
    "late_payments": gettext_lazy("late payments"),
    "inactive": gettext_lazy("no purchase or renewal in 12 months"),
    "renewals": gettext_lazy("renewed this year (lowers the risk)"),
    "repeat_purchases": gettext_lazy("repeat purchases (lower the risk)"),
}
TIER_PARTS: dict[str, Any] = {
    "spend": gettext_lazy("spend in 12 months"),
    "tenure": gettext_lazy("years as a customer"),
    "payment": gettext_lazy("payment record"),
    "bad_records": gettext_lazy("bad records"),
}
HISTORY_LIMIT = 50


@require_GET
@staff_view
@searches_from_replica
def customer_list(request: ConsoleRequest) -> HttpResponse:
    staff: Staff = request.staff
    form, filters = customer_filters(request.GET, areas_of(staff))
    q = (filters.get("q") or "").strip()
    qs = visible_customers(request.user).filter(merged_into__isnull=True)
    if q and CUSTOMER_NUMBER.match(q):
        hit = qs.filter(number=q.upper()).values_list("pk", flat=True).first()
        if hit and not request.htmx:
            return redirect("console:customer_detail", pk=hit)
    qs = filtered_customers(qs, filters)
    paginator = Paginator(qs, settings.KEFU_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = {k: v for k in request.GET if k != "page" and (v := request.GET.get(k, ""))}
    ctx = {
        "form": form,
        "page": page,
        "q": q,
        "query_string": urlencode(params),
        "filtered": bool(filters),
        "can_create": staff.can("customer.create"),
        "can_merge": staff.can("customer.merge"),
        "can_export": staff.can(privacy_rules.EXPORT),
    }
    if request.htmx:
        return render(request, "console/customers/_list_table.html", ctx)
    return render(request, "console/customers/list.html", ctx)


def _input(form: fc.CustomerForm) -> actions.CustomerInput:
    d = form.cleaned_data
    return actions.CustomerInput(
        name=d.get("name") or "",
        phone=d.get("phone") or "",
        email=d.get("email") or "",
        address=d.get("address") or "",
        kind=d.get("kind") or "",
        relationship=d.get("relationship") or "",
        branch_id=d["branch"].pk if d.get("branch") else None,
        area_id=d["area"].pk if d.get("area") else None,
        customer_since=d.get("customer_since"),
        extra_phones=form.extra_phone_list() if "extra_phones" in form.fields else [],
        language=d.get("language") or "",
    )


def _duplicates(request: ConsoleRequest, exc: KefuError) -> tuple[list[Customer], int]:
    """The duplicates this user may open, and how many others exist outside their branch."""
    ids = list(exc.extra.get("duplicates") or [])
    shown = list(visible_customers(request.user).filter(pk__in=ids).select_related("area").order_by("id"))
    return shown, len(ids) - len(shown)


def _save_customer(
    request: ConsoleRequest, form: fc.CustomerForm, save: Callable[[actions.CustomerInput, bool], Customer]
) -> tuple[Customer | None, dict[str, Any]]:
    """Run ``save``; on a duplicate, show the matches and the "save anyway" box."""
    extra: dict[str, Any] = {"duplicates": [], "hidden_duplicates": 0, "conflict": False}
    if not form.is_valid():
        return None, extra
    try:
        return save(_input(form), bool(form.cleaned_data.get("allow_duplicate"))), extra
    except Conflict as exc:
        extra["conflict"] = True
        add_kefu_error(form, exc)
    except KefuError as exc:
        if exc.code == "duplicate":
            extra["duplicates"], extra["hidden_duplicates"] = _duplicates(request, exc)
            form.add_error(
                exc.field if exc.field in form.fields else None, _("Possible duplicate, see above.")
            )
        else:
            add_kefu_error(form, exc)
    return None, extra


@require_http_methods(["GET", "POST"])
@staff_view("customer.create")
def customer_create(request: ConsoleRequest) -> HttpResponse:
    staff: Staff = request.staff
    kw: dict[str, Any] = {"branches": branches_of(staff), "areas": areas_of(staff)}
    extra: dict[str, Any] = {"duplicates": [], "hidden_duplicates": 0, "conflict": False}
    if request.method == "POST":
        form = fc.CustomerForm(request.POST, **kw)
        c, extra = _save_customer(
            request,
            form,
            lambda data, allow: actions.do_create_customer(request.user, data, allow_duplicate=allow),
        )
        if c is not None:
            messages.success(request, _("Customer %(name)s created.") % {"name": c.name})
            return redirect("console:customer_detail", pk=c.pk)
        status = 400
    else:
        initial: dict[str, Any] = {
            k: request.GET[k] for k in ("name", "phone", "email", "address") if request.GET.get(k)
        }
        initial["branch"] = staff.branch_id
        form = fc.CustomerForm(initial=initial, **kw)
        status = 200
    ctx = {"form": form, "customer": None, **extra}
    return render(request, "console/customers/form.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@staff_view("customer.edit")
def customer_edit(request: ConsoleRequest, pk: int) -> HttpResponse:
    staff: Staff = request.staff
    c = access_customer(request.user, pk)
    kw: dict[str, Any] = {"branches": branches_of(staff), "areas": areas_of(staff), "editing": True}
    extra: dict[str, Any] = {"duplicates": [], "hidden_duplicates": 0, "conflict": False}
    if request.method == "POST":
        form = fc.CustomerForm(request.POST, **kw)
        version = request.POST.get("version")
        saved, extra = _save_customer(
            request,
            form,
            lambda data, allow: actions.do_update_customer(
                request.user,
                c.pk,
                data,
                expected_version=int(version) if version and version.isdigit() else None,
                allow_duplicate=allow,
            ),
        )
        if saved is not None:
            messages.success(request, _("Customer saved."))
            return redirect("console:customer_detail", pk=c.pk)
        if extra["conflict"]:
            c = access_customer(request.user, pk)
            data = request.POST.copy()
            data["version"] = str(c.version)
            form.data = data
        status = 409 if extra["conflict"] else 400
    else:
        # the edit form shows every field in full: recorded as a view of the archive
        access_records.record(request.user, privacy_rules.Kind.VIEW, [c.pk], field="edit", where=request.path)
        form = fc.CustomerForm(
            initial={
                "name": c.name,
                "kind": c.kind,
                "relationship": c.relationship,
                "phone": c.phone,
                "email": c.email,
                "address": c.address,
                "branch": c.branch_id,
                "area": c.area_id,
                "customer_since": c.customer_since,
                "language": c.language,
                "version": c.version,
            },
            **kw,
        )
        status = 200
    ctx = {"form": form, "customer": c, **extra}
    return render(request, "console/customers/form.html", ctx, status=status)


# ---------------------------------------------------------------------------------------------------
# The customer page


# the personal fields of the service log's changes, masked as on the rest of the page (docs/privacy.md)
PERSONAL_KEYS = {
    "phone": masking.PHONE,
    "phone_e164": masking.PHONE,
    "email": masking.EMAIL,
    "address": masking.ADDRESS,
}


def _audit_rows(customer_id: int, *, unmasked: bool) -> list[AuditRecord]:
    rows = list(AuditRecord.objects.filter(customer_id=customer_id).order_by("-at", "-id")[:HISTORY_LIMIT])

    def shown(key: str, value: Any) -> Any:
        kind = PERSONAL_KEYS.get(key)
        if kind is None or unmasked or not isinstance(value, str):
            return value
        return masking.mask(kind, value)

    for r in rows:
        before, after = r.before or {}, r.after or {}
        keys = [k for k in after if k in before and before[k] != after[k]] if before else []
        r.changes = [(k, shown(k, before.get(k)), shown(k, after.get(k))) for k in keys]  # type: ignore[attr-defined]
        r.created = [] if before else [(k, shown(k, v)) for k, v in list(after.items())[:8]]  # type: ignore[attr-defined]
    return rows


def _render_customer(
    request: ConsoleRequest,
    pk: int,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The customer page; the customer is read once, with everything the page shows, if visible."""
    staff: Staff = request.staff
    c = (
        visible_customers(request.user)
        .select_related("area", "branch", "user", "merged_into")
        .prefetch_related(
            "contact_points",
            "people",
            "subscriptions",
            "contracts",
            "purchases",
            "payments",
            "bad_records",
            Prefetch("notes", queryset=CustomerNote.objects.select_related("author")),
        )
        .filter(pk=pk)
        .first()
    )
    if c is None:
        raise NotFound("not_found", _("Customer not found."), "customer")
    if c.merged_into_id and request.method == "GET":  # a merged record lives on in its survivor
        messages.info(request, _("%(number)s was merged into this record.") % {"number": c.number})
        return redirect("console:customer_detail", pk=lookup.survivor_of(c).pk)
    orders_qs = visible_workorders(request.user).filter(customer_id=c.pk)
    order_counts = orders_qs.aggregate(total=Count("id"), open=Count("id", filter=Q(status__in=OPEN)))
    orders = list(
        orders_qs.select_related("owner", "assignee").order_by("-received_at", "-id")[:HISTORY_LIMIT]
    )
    contacts = list(
        Contact.objects.filter(customer=c)
        .select_related("staff", "workorder")
        .order_by("-occurred_at", "-id")[:HISTORY_LIMIT]
    )
    contact_total = Contact.objects.filter(customer=c).count()
    can = {
        "edit": staff.can("customer.edit"),
        "tier": staff.can("customer.tier_override"),
        "order": staff.can("order.create"),
        "note": True,
        "contact": staff.can("customer.edit"),
        "access_records": staff.can(privacy_rules.AUDIT),
        "merge": staff.can("customer.merge"),
        "rehome": staff.can("order.rehome"),
    }
    forms: dict[str, Any] = {
        "note": fc.NoteForm(),
        "tier": fc.TierOverrideForm(initial={"tier": c.tier_override, "reason": c.tier_override_reason}),
        "contact": fc.ContactLogForm(),
        **{kind: fc.record_form(kind) for kind in fc.RECORD_KINDS},
    }
    forms.update(bound or {})
    facts = actions.archive_facts(c)
    tier_result = cust_rules.compute_tier(facts, actions.tier_rule())
    today = clock.localdate()
    ctx = {
        "c": c,
        "can": can,
        "forms": forms,
        "record_forms": [(kind, fc.RECORD_TITLES[kind], forms[kind]) for kind in fc.RECORD_KINDS],
        "active_form": next(iter(bound)) if bound else "",
        "orders": orders,
        "order_counts": order_counts,
        "contacts": contacts,
        "contact_total": contact_total,
        "audit": _audit_rows(c.pk, unmasked=staff.can(privacy_rules.UNMASKED)),
        "churn_reasons": [CHURN_REASONS.get(r, r) for r in c.churn_reasons or []],
        "tier_parts": [(TIER_PARTS.get(k, k), v) for k, v in tier_result.parts.items()],
        "tier_score": tier_result.score,
        "facts": facts,
        "today": today,
        "history_limit": HISTORY_LIMIT,
        "staff_id": staff.pk,
        **_merge_context(request, c, today_now=clock.now()),
    }
    return render(request, "console/customers/detail.html", ctx, status=status)


def _merge_context(request: ConsoleRequest, c: Customer, *, today_now: Any) -> dict[str, Any]:
    """The customer page's duplicate suggestions and the merges into this record (undo while allowed)."""
    merges = list(CustomerMerge.objects.filter(survivor=c).order_by("-created_at", "-id")[:5])
    ids = {int(i) for m in merges for i in m.merged_ids}
    numbers = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}
    rows = [
        {
            "merge": m,
            "numbers": [numbers.get(int(i), str(i)) for i in m.merged_ids],
            "undoable": merge.can_undo(m, today_now),
        }
        for m in merges
    ]
    return {"duplicates": duplicates.suggestions_for(request.user, c), "merges": rows}


@require_GET
@staff_view
def customer_detail(request: ConsoleRequest, pk: int) -> HttpResponse:
    response = _render_customer(request, pk)
    if response.status_code == 302:
        return response
    # the archive was shown (a customer the user may not see raised 404 above): one INSERT
    access_records.record(request.user, privacy_rules.Kind.VIEW, [pk], where=request.path)
    return response


def _customer_post(
    request: ConsoleRequest,
    pk: int,
    name: str,
    form: Any,
    call: Callable[[dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    c = access_customer(request.user, pk)
    status = 400
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except PermissionDenied as exc:
            add_kefu_error(form, exc)
            status = 403
        except KefuError as exc:
            add_kefu_error(form, exc)
        else:
            messages.success(request, success)
            url = reverse("console:customer_detail", kwargs={"pk": c.pk}) + f"#{name}-section"
            if request.htmx:
                resp = HttpResponse(status=204)
                resp["HX-Redirect"] = url
                return resp
            return redirect(url)
    return _render_customer(request, c.pk, bound={name: form}, status=status)


@require_POST
@staff_view
def customer_add_record(request: ConsoleRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in fc.RECORD_KINDS:
        raise Http404
    form = fc.record_form(kind, request.POST)
    return _customer_post(
        request,
        pk,
        kind,
        form,
        lambda d: actions.do_add_record(request.user, pk, kind, d),
        _("Saved."),
    )


@require_POST
@staff_view
def customer_note(request: ConsoleRequest, pk: int) -> HttpResponse:
    form = fc.NoteForm(request.POST)
    return _customer_post(
        request,
        pk,
        "note",
        form,
        lambda d: actions.do_add_note(request.user, pk, d.get("body") or ""),
        _("Note added."),
    )


@require_POST
@staff_view
def customer_tier(request: ConsoleRequest, pk: int) -> HttpResponse:
    form = fc.TierOverrideForm(request.POST)
    return _customer_post(
        request,
        pk,
        "tier",
        form,
        lambda d: actions.do_override_tier(request.user, pk, d.get("tier") or "", d.get("reason") or ""),
        _("Tier saved."),
    )


@require_POST
@staff_view
def customer_contact(request: ConsoleRequest, pk: int) -> HttpResponse:
    form = fc.ContactLogForm(request.POST)
    return _customer_post(
        request,
        pk,
        "contact",
        form,
        lambda d: actions.do_log_contact(
            request.user, pk, d["channel"], d.get("summary") or "", direction=d["direction"]
        ),
        _("Contact recorded."),
    )
