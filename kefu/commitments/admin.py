from __future__ import annotations

import itertools
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.commitments import actions
from kefu.commitments.calendars import current_year, missing_years
from kefu.commitments.models import BusinessCalendar, CalendarDay, CalendarYear, Service, WorkingPeriod
from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep
from kefu.commitments.models.proactive import CarePlan, PlannedMaintenance
from kefu.lib.errors import KefuError
from kefu.web.admin_readonly import EditedInConsoleAdmin


class CatalogueReadOnly(EditedInConsoleAdmin):
    """The service catalogue is edited in the console (``console:catalogue_list``): validated as a whole,
    versioned with an effective date, translated. Here it is read-only, with a link there."""

    console_url = "console:catalogue_list"
    console_message = gettext_lazy("The service catalogue is edited in the console.")
    console_link = gettext_lazy("Open the catalogue editor")


class ServiceMaterialInline(admin.TabularInline):
    model = ServiceMaterial
    extra = 0
    fields = ["order", "name", "description", "required"]


class ServiceStepInline(admin.TabularInline):
    model = ServiceStep
    extra = 0
    fields = ["order", "title", "description"]


class ServiceFeeInline(admin.TabularInline):
    model = ServiceFee
    extra = 0
    fields = ["order", "name", "amount", "unit", "note"]


@admin.register(Service)
class ServiceAdmin(CatalogueReadOnly):
    list_display = [
        "code",
        "name",
        "order_type",
        "sale_phase",
        "technical",
        "place",
        "paid",
        "fee",
        "public",
        "is_emergency",
        "is_active",
    ]
    list_filter = [
        "order_type",
        "sale_phase",
        "technical",
        "place",
        "paid",
        "public",
        "is_emergency",
        "is_active",
    ]
    search_fields = ["code", "name", "name_en"]
    inlines = [ServiceMaterialInline, ServiceStepInline, ServiceFeeInline]


class WorkingPeriodFormSet(forms.BaseInlineFormSet):
    """Periods of one weekday must not overlap (the rules refuse such a calendar)."""

    def clean(self) -> None:
        super().clean()
        by_day: dict[int, list[tuple[Any, Any]]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("weekday") is None:
                continue
            if data.get("start") is None or data.get("end") is None:
                continue
            by_day.setdefault(int(data["weekday"]), []).append((data["start"], data["end"]))
        for weekday, periods in by_day.items():
            periods.sort()
            for (_s1, e1), (s2, _e2) in itertools.pairwise(periods):
                if s2 < e1:
                    label = dict(WorkingPeriod._meta.get_field("weekday").flatchoices)[weekday]
                    raise forms.ValidationError(
                        _("Working periods on %(weekday)s overlap."), params={"weekday": label}
                    )


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    formset = WorkingPeriodFormSet
    extra = 0


class CalendarYearInline(admin.TabularInline):
    model = CalendarYear
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedAdmin):
    """Calendars with their periods, complete years and days; inline rows are written to the service log too."""

    list_display = ["name", "time_zone", "is_24x7", "known_years", "branch_names"]
    search_fields = ["name"]
    inlines = [WorkingPeriodInline, CalendarYearInline, CalendarDayInline]
    actions = ["seed_from_chinesecalendar"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[BusinessCalendar]:
        return super().get_queryset(request).prefetch_related("years", "branches")

    @admin.display(description=gettext_lazy("years with holiday data"))
    def known_years(self, obj: BusinessCalendar) -> str:
        if obj.is_24x7:
            return _("not needed (24 × 7)")
        return ", ".join(str(y.year) for y in obj.years.all()) or "—"

    @admin.display(description=gettext_lazy("branches"))
    def branch_names(self, obj: BusinessCalendar) -> str:
        return ", ".join(b.name for b in obj.branches.all()) or "—"

    # --- warnings -----------------------------------------------------------------------------------------

    def _warn_missing(self, request: HttpRequest, calendars: list[BusinessCalendar]) -> None:
        package_years = actions.china_package_years()
        for calendar in calendars:
            for year in missing_years(calendar):
                if year == current_year(calendar):
                    text = _(
                        "Calendar “%(name)s” has no holiday data for %(year)s, this year: time limits in "
                        "working days and working hours cannot be counted on it."
                    )
                else:
                    text = _(
                        "Calendar “%(name)s” has no holiday data for %(year)s yet: deadlines that run into "
                        "%(year)s cannot be counted."
                    )
                if year in package_years:
                    hint = _("Use the action “Fill in China's holidays from chinesecalendar”.")
                else:
                    hint = _(
                        "The chinesecalendar package does not have %(year)s either: enter the official "
                        "holidays and make-up working days by hand, then add %(year)s to the complete years."
                    )
                messages.warning(request, f"{text} {hint}" % {"name": calendar.name, "year": year})

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            self._warn_missing(request, list(self.get_queryset(request)))
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            calendar = (
                self.get_queryset(request).filter(pk=object_id).first() if object_id.isdecimal() else None
            )
            if calendar is not None:
                self._warn_missing(request, [calendar])
        return super().change_view(request, object_id, form_url, extra_context)

    # --- seeding ------------------------------------------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Fill in China's holidays from chinesecalendar (this year and next)"),
        permissions=["change"],
    )
    def seed_from_chinesecalendar(
        self, request: HttpRequest, queryset: models.QuerySet[BusinessCalendar]
    ) -> None:
        for calendar in queryset:
            year = current_year(calendar)
            try:
                result = actions.seed_china_calendar(calendar, [year, year + 1], actor=request.user)
            except KefuError as exc:
                messages.error(request, f"{calendar.name}: {exc.message}")
                continue
            if result.years_seeded:
                messages.success(
                    request,
                    _("%(name)s: %(count)d day(s) added for %(years)s.")
                    % {
                        "name": calendar.name,
                        "count": len(result.created),
                        "years": ", ".join(map(str, result.years_seeded)),
                    },
                )
            if result.conflicts:
                messages.warning(
                    request,
                    _("%(name)s: kept your entries that differ from chinesecalendar on %(dates)s.")
                    % {"name": calendar.name, "dates": ", ".join(d.isoformat() for d in result.conflicts)},
                )
            if result.years_missing:
                messages.warning(
                    request,
                    _("%(name)s: chinesecalendar has no data for %(years)s; enter those years by hand.")
                    % {"name": calendar.name, "years": ", ".join(map(str, result.years_missing))},
                )


# --- proactive service (R-17, R-18) ---------------------------------------------------------------------


@admin.register(CarePlan)
class CarePlanAdmin(AuditedAdmin):
    list_display = ["title", "customer", "service", "every_months", "next_due", "active", "last_order"]
    list_filter = ["active", "service"]
    search_fields = ["title", "customer__name", "customer__number"]
    autocomplete_fields = ["customer"]
    raw_id_fields = ["last_order"]
    readonly_fields = ["last_order"]


@admin.register(PlannedMaintenance)
class PlannedMaintenanceAdmin(AuditedAdmin):
    """Announced from the console (the 24-hour rule and the notices live in the action); read-only here."""

    list_display = [
        "title",
        "branch",
        "starts_at",
        "ends_at",
        "customers_notified",
        "created_by",
        "created_at",
    ]
    list_filter = ["branch", "status"]
    search_fields = ["title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
