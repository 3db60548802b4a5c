"""Console pages of incidents (一事多报, docs/incidents.md): the list, the new/edit form, the incident page
(facts, co-handling units with tasks and deadlines, one message to every reporter, resolve, the reports
paginated, attach by number or by suggestion) and the order page's "attach to this incident" button.
Each POST calls one action; included in kefu.console.urls (console namespace)."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from kefu.commitments.models import Service
from kefu.incidents import actions
from kefu.incidents.models import Incident, IncidentKind, IncidentOrder, IncidentStatus
from kefu.lib import clock
from kefu.lib.content_i18n import content_languages
from kefu.lib.errors import KefuError
from kefu.organization.access import areas_of
from kefu.organization.models import Department
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder

PAGE_SIZE = 25
CHILDREN_PAGE = 50


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


def _when(label: Any, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )


class IncidentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=IncidentKind.choices)
    service = forms.TypedChoiceField(
        label=gettext_lazy("Service"), required=False, coerce=int, empty_value=None
    )
    area = forms.TypedChoiceField(
        label=gettext_lazy("Service area"), required=False, coerce=int, empty_value=None
    )
    address_range = forms.CharField(label=gettext_lazy("Address range"), max_length=300, required=False)
    cause = forms.CharField(
        label=gettext_lazy("Cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    started_at = _when(gettext_lazy("Started at"), required=True)
    estimated_end_at = _when(gettext_lazy("Estimated end"))
    owner_unit = forms.TypedChoiceField(label=gettext_lazy("Owner unit (主办)"), coerce=int)
    public = forms.BooleanField(
        label=gettext_lazy("Public notice (disclosure page, report form, hotline)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, staff: Any, branch_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = Service.objects.filter(is_active=True).order_by("code")
        self.fields["service"].choices = [("", "—"), *[(s.pk, s.name) for s in services]]  # type: ignore[attr-defined]
        areas = areas_of(staff)
        units = Department.objects.select_related("branch").order_by("branch__code", "name")
        if branch_id is not None:
            areas, units = areas.filter(branch_id=branch_id), units.filter(branch_id=branch_id)
        elif not (staff.sees_all_branches or staff.branch_id is None):
            units = units.filter(branch_id=staff.branch_id)
        self.fields["area"].choices = [("", _("the whole branch")), *[(a.pk, a.name) for a in areas]]  # type: ignore[attr-defined]
        self.fields["owner_unit"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(d.pk, f"{d.branch.name} · {d.name}") for d in units],
        ]
        # the public texts in the other languages (docs/adr/0008-content-translations.md): empty falls back
        names = dict(settings.LANGUAGES)
        for lang in content_languages():
            for name, label, limit in translated_fields():
                self.fields[f"{name}__{lang}"] = forms.CharField(
                    label=f"{label} · {names.get(lang, lang)}",
                    max_length=limit,
                    required=False,
                    widget=forms.TextInput(attrs={"lang": lang}),
                    help_text=_("Empty: the Simplified Chinese text is shown.") if name == "title" else "",
                )

    def translations(self) -> dict[str, dict[str, str]]:
        return {
            lang: {
                name: self.cleaned_data.get(f"{name}__{lang}") or "" for name, _l, _n in translated_fields()
            }
            for lang in content_languages()
        }


def translated_fields() -> list[tuple[str, str, int]]:
    """The incident's public texts that have a value per language: name, label, longest value."""
    return [
        ("title", str(_("Title")), 200),
        ("address_range", str(_("Address range")), 300),
        ("cause", str(_("Cause")), 5000),
    ]


class UnitForm(forms.Form):
    department = forms.TypedChoiceField(label=gettext_lazy("Co-handling unit (协办)"), coerce=int)
    task = forms.CharField(
        label=gettext_lazy("Task"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_at = _when(gettext_lazy("Deadline"), required=True)

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = actions.branch_units(incident).exclude(pk=incident.owner_unit_id)
        self.fields["department"].choices = [("", "—"), *[(d.pk, d.name) for d in units]]  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Update to every reporter"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("Resolution"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    message = forms.CharField(
        label=gettext_lazy("Message to every reporter (empty: the resolution)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AttachForm(forms.Form):
    numbers = forms.CharField(
        label=gettext_lazy("Order numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "GD-20261207-000123 GD-20261207-000124"}),
    )


def _initial(inc: Incident) -> dict[str, Any]:
    return {
        "title": inc.title,
        "kind": inc.kind,
        "service": inc.service_id,
        "area": inc.area_id,
        "address_range": inc.address_range,
        "cause": inc.cause,
        "started_at": inc.started_at,
        "estimated_end_at": inc.estimated_end_at,
        "owner_unit": inc.owner_unit_id,
        "public": inc.public,
        **{
            f"{name}__{lang}": ((inc.translations or {}).get(lang) or {}).get(name, "")
            for lang in content_languages()
            for name, _label, _limit in translated_fields()
        },
    }


def _input(
    d: dict[str, Any], branch_id: int | None = None, translations: dict[str, dict[str, str]] | None = None
) -> actions.IncidentInput:
    return actions.IncidentInput(
        title=d["title"],
        kind=d["kind"],
        service_id=d["service"],
        area_id=d["area"],
        address_range=d["address_range"],
        cause=d["cause"],
        started_at=d["started_at"],
        estimated_end_at=d["estimated_end_at"],
        owner_unit_id=d["owner_unit"],
        public=d["public"],
        branch_id=branch_id,
        translations=translations,
    )


# --- list and form ------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@staff_view
def incident_list(request: ConsoleRequest) -> HttpResponseBase:
    status = request.GET.get("status", "active")
    qs = (
        actions.visible_incidents(request.staff)
        .select_related("branch", "area", "owner_unit")
        .annotate(
            reports=Count("children", distinct=True),
            open_units=Count("units", filter=Q(units__status="open"), distinct=True),
        )
    )
    if status in IncidentStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-started_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "status": status,
            "statuses": [("active", _("active")), ("resolved", _("resolved")), ("all", _("all"))],
            "can_manage": actions.may_manage(request.staff),
            "query_string": f"status={status}",
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view("order.link")
def incident_new(request: ConsoleRequest) -> HttpResponseBase:
    staff = request.staff
    branch_id = staff.branch_id
    if request.method == "POST":
        form = IncidentForm(request.POST, staff=staff, branch_id=branch_id)
        if form.is_valid():
            branch = None
            if form.cleaned_data["owner_unit"]:
                branch = (
                    Department.objects.filter(pk=form.cleaned_data["owner_unit"])
                    .values_list("branch_id", flat=True)
                    .first()
                )
            try:
                inc = actions.do_create_incident(
                    request.user, _input(form.cleaned_data, branch_id or branch, form.translations())
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("Incident %(number)s created.") % {"number": inc.number})
                return redirect("console:incident_detail", incident_id=inc.pk)
        return render(request, "incidents/form.html", {"form": form, "incident": None}, status=400)
    form = IncidentForm(staff=staff, branch_id=branch_id, initial={"started_at": clock.now(), "public": True})
    return render(request, "incidents/form.html", {"form": form, "incident": None})


@require_http_methods(["GET", "POST"])
@staff_view("order.link")
def incident_edit(request: ConsoleRequest, incident_id: int) -> HttpResponseBase:
    inc = actions.access_incident(request.user, incident_id)
    if request.method == "POST":
        form = IncidentForm(request.POST, staff=request.staff, branch_id=inc.branch_id)
        if form.is_valid():
            try:
                actions.do_update_incident(
                    request.user, inc.pk, _input(form.cleaned_data, translations=form.translations())
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("Incident saved."))
                return redirect("console:incident_detail", incident_id=inc.pk)
        return render(request, "incidents/form.html", {"form": form, "incident": inc}, status=400)
    form = IncidentForm(staff=request.staff, branch_id=inc.branch_id, initial=_initial(inc))
    return render(request, "incidents/form.html", {"form": form, "incident": inc})


# --- the incident page --------------------------------------------------------------------------------------


def _detail(request: ConsoleRequest, incident_id: int, status: int = 200, **forms_: Any) -> HttpResponse:
    inc = actions.access_incident(request.user, incident_id)
    staff = request.staff
    manage = actions.may_manage(staff) and inc.is_active
    children = (
        IncidentOrder.objects.filter(incident=inc)
        .select_related("workorder__customer", "workorder__area")
        .order_by("workorder__received_at", "id")
    )
    page = Paginator(children, CHILDREN_PAGE).get_page(request.GET.get("page"))
    counts = children.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(workorder__status__in=actions.OPEN_ORDER)),
        sampled=Count("id", filter=Q(followup_sample=True)),
        covered=Count("id", filter=Q(covered=True)),
        refused=Count("id", filter=~Q(close_error="")),
    )
    msgs = list(inc.messages.select_related("sent_by").order_by("-sent_at", "-id")[:20])
    stats = actions.delivery_stats(inc)
    for m in msgs:
        m.by_channel = sorted(stats.get(m.pk, {}).items())  # type: ignore[attr-defined]
    ctx = {
        "inc": inc,
        "page": page,
        "counts": counts,
        "units": list(inc.units.select_related("department", "done_by")),
        "messages_sent": msgs,
        "manage": manage,
        "can_reply": staff.can("order.reply"),
        "my_department": staff.department_id,
        "now": clock.now(),
        "unit_form": forms_.get("unit_form") or (UnitForm(incident=inc) if manage else None),
        "message_form": forms_.get("message_form")
        or (MessageForm(initial={"token": secrets.token_urlsafe(12)}) if manage else None),
        "resolve_form": forms_.get("resolve_form") or (ResolveForm() if manage else None),
        "attach_form": forms_.get("attach_form") or (AttachForm() if manage else None),
        "suggested": actions.suggested_orders(inc, limit=200) if manage else [],
        "sample_size": actions.sample_size(),
        "query_string": "",
        "channel_labels": {
            "sms": _("SMS"),
            "email": _("e-mail"),
            "portal": _("portal"),
            "": _("not reachable in writing"),
        },
    }
    return render(request, "incidents/detail.html", ctx, status=status)


@require_http_methods(["GET"])
@staff_view
def incident_detail(request: ConsoleRequest, incident_id: int) -> HttpResponse:
    return _detail(request, incident_id)


@require_POST
@staff_view("order.link")
def incident_attach(request: ConsoleRequest, incident_id: int) -> HttpResponse:
    form = AttachForm(request.POST)
    form.is_valid()
    selected = request.POST.getlist("order")
    typed = list(actions.iter_numbers(form.cleaned_data.get("numbers", "") or ""))
    source = IncidentOrder.Source.SUGGESTION if selected and not typed else IncidentOrder.Source.AGENT
    try:
        links = actions.do_attach(request.user, incident_id, [*selected, *typed], source=source)
    except KefuError as exc:
        if exc.status == 404 and exc.field == "incident":
            raise
        add_kefu_error(form, exc, {"orders": "numbers"})
        return _detail(request, incident_id, status=400, attach_form=form)
    n = len(links)
    messages.success(request, ngettext("%(n)d report attached.", "%(n)d reports attached.", n) % {"n": n})
    return redirect("console:incident_detail", incident_id=incident_id)


@require_POST
@staff_view("order.link")
def incident_detach(request: ConsoleRequest, incident_id: int, order_id: int) -> HttpResponse:
    try:
        actions.do_detach(request.user, incident_id, order_id)
    except KefuError as exc:
        if exc.status == 404 and exc.field == "incident":
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Report detached."))
    return redirect("console:incident_detail", incident_id=incident_id)


@require_POST
@staff_view("order.link")
def incident_unit_add(request: ConsoleRequest, incident_id: int) -> HttpResponse:
    inc = actions.access_incident(request.user, incident_id)
    form = UnitForm(request.POST, incident=inc)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_add_unit(request.user, inc.pk, d["department"], d["task"], d["due_at"])
        except KefuError as exc:
            add_kefu_error(form, exc)
        else:
            messages.success(request, _("Co-handling unit added."))
            return redirect("console:incident_detail", incident_id=inc.pk)
    return _detail(request, inc.pk, status=400, unit_form=form)


@require_POST
@staff_view
def incident_unit_done(request: ConsoleRequest, incident_id: int, unit_id: int) -> HttpResponse:
    try:
        actions.do_unit_done(request.user, unit_id, request.POST.get("note", ""))
    except KefuError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Task marked done."))
    return redirect("console:incident_detail", incident_id=incident_id)


@require_POST
@staff_view("order.link")
def incident_update(request: ConsoleRequest, incident_id: int) -> HttpResponse:
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            sent = actions.do_send_update(
                request.user, incident_id, form.cleaned_data["body"], key=form.cleaned_data["token"]
            )
        except KefuError as exc:
            if exc.status == 404 and exc.field == "incident":
                raise
            add_kefu_error(form, exc)
        else:
            _sent_message(request, sent)
            return redirect("console:incident_detail", incident_id=incident_id)
    return _detail(request, incident_id, status=400, message_form=form)


def _sent_message(request: ConsoleRequest, sent: actions.Sent) -> None:
    if not sent.created and not sent.delivered:
        messages.info(request, _("This message was sent already; nobody got it twice."))
        return
    messages.success(
        request,
        ngettext(
            "Message queued for %(n)d reporter, each on their own channel.",
            "Message queued for %(n)d reporters, each on their own channel.",
            sent.delivered - len(sent.unreachable),
        )
        % {"n": sent.delivered - len(sent.unreachable)},
    )
    if sent.unreachable:
        messages.warning(
            request,
            _("Not reachable in writing, call them: %(numbers)s") % {"numbers": ", ".join(sent.unreachable)},
        )


@require_POST
@staff_view("order.link")
def incident_resolve(request: ConsoleRequest, incident_id: int) -> HttpResponse:
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            done = actions.do_resolve(
                request.user, incident_id, form.cleaned_data["resolution"], form.cleaned_data["message"]
            )
        except KefuError as exc:
            if exc.status == 404 and exc.field == "incident":
                raise
            add_kefu_error(form, exc, {"body": "message"})
        else:
            _sent_message(request, done.sent)
            messages.success(
                request,
                _(
                    "Incident resolved: %(closed)d reports closed as covered, %(sampled)d kept for the follow-up sample."
                )
                % {"closed": len(done.closed), "sampled": len(done.sampled)},
            )
            if done.refused:
                messages.warning(
                    request,
                    _("Not closed (see the list): %(numbers)s")
                    % {"numbers": ", ".join(n for n, _w in done.refused)},
                )
            return redirect("console:incident_detail", incident_id=incident_id)
    return _detail(request, incident_id, status=400, resolve_form=form)


@require_POST
@staff_view("order.link")
def order_attach(request: ConsoleRequest, number: str) -> HttpResponse:
    """The order page's panel: attach this order to the suggested incident."""
    o = access_workorder(request.user, number)
    try:
        actions.do_attach(
            request.user, request.POST.get("incident", ""), [o.pk], source=IncidentOrder.Source.SUGGESTION
        )
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Attached to the incident."))
    return redirect("console:order_detail", o.number)


@require_POST
@staff_view("order.create")
def incident_call_report(request: ConsoleRequest, incident_id: int) -> HttpResponse:
    """The call screen's "the caller is calling about this outage": a phone order attached to the incident."""
    try:
        o = actions.do_call_report(request.user, incident_id, int(request.POST.get("customer") or 0))
    except KefuError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc.message))
        return redirect("console:incident_detail", incident_id=incident_id)
    messages.success(
        request, _("Report %(number)s recorded and attached to the incident.") % {"number": o.number}
    )
    return redirect("console:order_detail", o.number)


def call_outages(customer: Any, branch_id: int | None) -> list[Incident]:
    """The active public incidents of a caller's area, for the call screen."""
    if customer is not None:
        return actions.active_public(customer.branch_id, customer.area_id)
    return actions.active_public(branch_id, None)
