"""Console: planned maintenance announcements (R-17) — the branch's list and the form to announce one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kefu.commitments import proactive
from kefu.commitments.models.proactive import PlannedMaintenance
from kefu.lib import clock
from kefu.lib.errors import KefuError
from kefu.organization.access import areas_of, branches_of
from kefu.organization.models import Branch, ServiceArea, Staff
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


class MaintenanceForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Branch"), queryset=Branch.objects.none(), required=False
    )
    areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Affected areas"), queryset=ServiceArea.objects.none(), required=False
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    description = forms.CharField(
        label=gettext_lazy("What customers need to know"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Reason, if less than 24 hours ahead (leaders only)"),
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "maint-%s")
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_of(staff)  # type: ignore[attr-defined]
        self.fields["areas"].queryset = areas_of(staff)  # type: ignore[attr-defined]
        self.fields["areas"].label_from_instance = (  # type: ignore[attr-defined]
            lambda a: f"{a.branch.name} · {a.name} ({a.households})"
        )


def _visible(staff: Staff) -> QuerySet[PlannedMaintenance]:
    qs = PlannedMaintenance.objects.select_related("branch", "created_by").prefetch_related("areas")
    if staff.sees_all_branches or staff.branch_id is None:
        return qs
    return qs.filter(branch_id=staff.branch_id)


@require_http_methods(["GET", "POST"])
@staff_view
def maintenance(request: ConsoleRequest) -> HttpResponse:
    staff: Staff = request.staff
    can_announce = staff.can("maintenance.announce")
    status = 200
    form = MaintenanceForm(staff=staff, initial={"branch": staff.branch_id})
    if request.method == "POST":
        form = MaintenanceForm(request.POST, staff=staff)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                m = proactive.do_announce_maintenance(
                    request.user,
                    branch_id=d["branch"].pk if d.get("branch") else None,
                    area_ids=[a.pk for a in d.get("areas") or []],
                    title=d.get("title") or "",
                    description=d.get("description") or "",
                    starts_at=d.get("starts_at"),
                    ends_at=d.get("ends_at"),
                    override_reason=d.get("override_reason") or "",
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
                if exc.status == 403:
                    status = 403
            else:
                messages.success(
                    request,
                    _("Announced to %(count)d customers.") % {"count": m.customers_notified},
                )
                return redirect("console:maintenance")
    now = clock.now()
    page = Paginator(_visible(staff).order_by("-starts_at", "-id"), 25).get_page(request.GET.get("page"))
    ctx = {"form": form, "page": page, "now": now, "can_announce": can_announce}
    return render(request, "console/maintenance.html", ctx, status=status)
