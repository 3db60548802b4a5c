"""Console pages of safety-check campaigns (R-18): the branch's campaigns, the form to set one up, the
campaign page (progress figures, households filterable by area and status, paginated, CSV/XLSX export,
the button planning the next batch, refusals) and the printable letters for households without a mobile.
Each POST calls one use case of ``kefu.fieldservice.campaigns``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kefu.channels.models import OutboxChannel, OutboxMessage
from kefu.commitments.models import Service
from kefu.fieldservice import campaigns
from kefu.fieldservice.models import Campaign, CampaignHousehold, HouseholdStatus
from kefu.lib import clock, exports
from kefu.lib.content_i18n import SOURCE_LANGUAGE, content_languages
from kefu.lib.errors import KefuError
from kefu.organization.access import areas_of
from kefu.organization.models import ServiceArea, Staff
from kefu.web.forms import add_kefu_error
from kefu.web.views import ConsoleRequest, staff_view

PAGE_SIZE = 50
DEFAULT_TEXT = gettext_lazy(
    "Dear {name}, our technician {technician} will carry out the annual gas safety check at your home on "
    "{date} between {window}. Please make sure an adult is at home. To change the time call {hotline}."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")  # what <input type="date"> takes, whatever the language
        super().__init__(**kwargs)


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"), queryset=Service.objects.none(), required=False
    )
    areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Service areas"), queryset=ServiceArea.objects.none(), required=False
    )
    starts_on = forms.DateField(label=gettext_lazy("First visit day"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("Last visit day"), required=False, widget=DateInput())
    window_minutes = forms.IntegerField(
        label=gettext_lazy("Visit window (minutes)"), initial=120, required=False
    )
    daily_capacity = forms.IntegerField(
        label=gettext_lazy("Visits per technician and day"), initial=8, required=False
    )
    batch_size = forms.IntegerField(label=gettext_lazy("Households per batch"), initial=50, required=False)
    notice_text = forms.CharField(
        label=gettext_lazy("Notice to households (SMS or letter)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("Placeholders: {name}, {date}, {window}, {technician}, {hotline}."),
    )
    absent_repeats = forms.IntegerField(
        label=gettext_lazy("Further attempts when nobody is at home"), initial=2, required=False
    )
    repeat_gap_days = forms.IntegerField(
        label=gettext_lazy("Days at least between attempts"), initial=7, required=False
    )
    recheck_months = forms.IntegerField(
        label=gettext_lazy("Next check due after (months)"), initial=12, required=False
    )
    auto_batches = forms.BooleanField(
        label=gettext_lazy("Plan the next batch every working day"), required=False
    )

    def __init__(self, *args: Any, staff: Staff, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "camp-%s")
        super().__init__(*args, **kwargs)
        self._add_notice_languages()
        self.fields["service"].queryset = campaigns.safety_services()  # type: ignore[attr-defined]
        self.fields["areas"].queryset = areas_of(staff)  # type: ignore[attr-defined]
        self.fields["areas"].label_from_instance = (  # type: ignore[attr-defined]
            lambda a: f"{a.branch.name} · {a.name}"
        )

    def _add_notice_languages(self) -> None:
        """The notice's rows for the other languages, right after the Simplified Chinese one (empty: those
        households get the Simplified Chinese notice)."""
        names = dict(settings.LANGUAGES)
        self.fields["notice_text"].label = _("Notice to households (SMS or letter) · %(language)s") % {
            "language": names.get(SOURCE_LANGUAGE, SOURCE_LANGUAGE)
        }
        fields = {}
        for name, f in self.fields.items():
            fields[name] = f
            if name != "notice_text":
                continue
            for lang in content_languages():
                fields[f"notice_text__{lang}"] = forms.CharField(
                    label=_("Notice to households (SMS or letter) · %(language)s")
                    % {"language": names.get(lang, lang)},
                    widget=forms.Textarea(attrs={"rows": 3, "lang": lang}),
                    max_length=1000,
                    required=False,
                    help_text=_("Empty: customers of this language get the Simplified Chinese notice."),
                )
        self.fields = fields

    def notice_translations(self) -> dict[str, str]:
        return {lang: self.cleaned_data.get(f"notice_text__{lang}") or "" for lang in content_languages()}


def default_notices() -> dict[str, str]:
    """The default notice in every enabled language (the interface's translation of ``DEFAULT_TEXT``); a
    language whose catalogue lacks it is left empty (it falls back to the Simplified Chinese notice) rather
    than filled with the English text."""
    with translation.override("en"):
        english = str(DEFAULT_TEXT)
    out = {}
    for lang in (SOURCE_LANGUAGE, *content_languages()):
        with translation.override(lang):
            text = str(DEFAULT_TEXT)
        if lang == SOURCE_LANGUAGE:
            out["notice_text"] = text
        elif text != english or lang == "en":
            out[f"notice_text__{lang}"] = text
    return out


class CampaignChangeForm(forms.Form):
    """The settings a running campaign may change (``campaigns.CHANGEABLE``), labelled as when set up."""

    ends_on = CampaignForm.base_fields["ends_on"]
    window_minutes = CampaignForm.base_fields["window_minutes"]
    daily_capacity = CampaignForm.base_fields["daily_capacity"]
    batch_size = CampaignForm.base_fields["batch_size"]
    absent_repeats = CampaignForm.base_fields["absent_repeats"]
    repeat_gap_days = CampaignForm.base_fields["repeat_gap_days"]
    recheck_months = CampaignForm.base_fields["recheck_months"]
    auto_batches = CampaignForm.base_fields["auto_batches"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "camp-%s")
        super().__init__(*args, **kwargs)


def _int(value: Any, default: int) -> int:
    return default if value is None else int(value)


@require_http_methods(["GET"])
@staff_view
def campaign_list(request: ConsoleRequest) -> HttpResponse:
    staff: Staff = request.staff
    qs = campaigns.visible_campaigns(staff).annotate(
        n_households=Count("households"),
        n_done=Count("households", filter=Q(households__status=HouseholdStatus.DONE)),
    )
    page = Paginator(qs.order_by("-starts_on", "-id"), 25).get_page(request.GET.get("page"))
    ctx = {"page": page, "can_manage": staff.can(campaigns.CAPABILITY)}
    return render(request, "fieldservice/campaigns/list.html", ctx)


@require_http_methods(["GET", "POST"])
@staff_view(campaigns.CAPABILITY)
def campaign_new(request: ConsoleRequest) -> HttpResponse:
    staff: Staff = request.staff
    status = 200
    today = clock.localdate()
    form = CampaignForm(
        staff=staff,
        initial={
            **default_notices(),
            "starts_on": today + dt.timedelta(days=7),
            "ends_on": today + dt.timedelta(days=97),
        },
    )
    if request.method == "POST":
        form = CampaignForm(request.POST, staff=staff)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                c = campaigns.do_create_campaign(
                    request.user,
                    campaigns.CampaignInput(
                        name=d.get("name") or "",
                        service_id=d["service"].pk if d.get("service") else None,
                        area_ids=[a.pk for a in d.get("areas") or []],
                        starts_on=d.get("starts_on"),
                        ends_on=d.get("ends_on"),
                        notice_text=d.get("notice_text") or "",
                        notice_translations=form.notice_translations(),
                        window_minutes=_int(d.get("window_minutes"), 120),
                        daily_capacity=_int(d.get("daily_capacity"), 8),
                        batch_size=_int(d.get("batch_size"), 50),
                        absent_repeats=_int(d.get("absent_repeats"), 2),
                        repeat_gap_days=_int(d.get("repeat_gap_days"), 7),
                        recheck_months=_int(d.get("recheck_months"), 12),
                        auto_batches=bool(d.get("auto_batches")),
                    ),
                )
            except KefuError as exc:
                add_kefu_error(form, exc, {"service_id": "service", "area_ids": "areas"})
                if exc.status == 403:
                    status = 403
            else:
                messages.success(
                    request,
                    _("Campaign set up with %(count)d households.")
                    % {"count": CampaignHousehold.objects.filter(campaign=c).count()},
                )
                return redirect("console:campaign_detail", c.pk)
    return render(request, "fieldservice/campaigns/form.html", {"form": form}, status=status)


def _households(c: Campaign, area: int | None, status: str) -> Any:
    qs = CampaignHousehold.objects.filter(campaign=c).select_related(
        "customer", "area", "appointment__technician", "appointment__order"
    )
    if area:
        qs = qs.filter(area_id=area)
    if status == "waiting_repeat":
        qs = qs.filter(status=HouseholdStatus.PENDING, attempts__gt=0)
    elif status in HouseholdStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("id")


def _local(moment: dt.datetime | None, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment, tz).strftime(fmt) if moment else ""


@require_http_methods(["GET"])
@staff_view
def campaign_detail(request: ConsoleRequest, campaign_id: int) -> HttpResponseBase:
    c = campaigns.access_campaign(request.user, campaign_id)
    tz = ZoneInfo(c.branch.time_zone or "Asia/Shanghai")
    areas = list(c.areas.order_by("code"))
    try:
        area = int(request.GET.get("area") or 0)
    except ValueError:
        area = 0
    status = request.GET.get("status", "")
    qs = _households(c, area, status)
    fmt = exports.requested(request)
    if fmt:
        header = [
            _("Customer number"),
            _("Name"),
            _("Address"),
            _("Area"),
            _("Status"),
            _("Visits planned"),
            _("Times not at home"),
            _("Visit window"),
            _("Technician"),
            _("Checked on"),
            _("Next check due"),
            _("Reason for refusing"),
        ]

        def rows() -> Any:
            for h in qs.iterator(chunk_size=2000):
                a = h.appointment
                yield [
                    h.customer.number,
                    h.customer.name,
                    h.customer.address,
                    h.area.name,
                    h.get_status_display(),
                    h.attempts,
                    h.absences,
                    _local(a.window_start, tz) if a else "",
                    a.technician.name if a and a.technician else "",
                    h.done_on.isoformat() if h.done_on else "",
                    h.next_due.isoformat() if h.next_due else "",
                    h.refused_reason,
                ]

        return exports.respond(fmt, exports.filename(f"campaign-{c.pk}"), c.name, header, rows())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = [*HouseholdStatus.choices, ("waiting_repeat", _("to visit again"))]
    ctx = {
        "c": c,
        "tz": tz,
        "areas": areas,
        "area": area,
        "status": status,
        "statuses": statuses,
        "page": page,
        "p": campaigns.progress(c, area or None),
        "can_manage": request.staff.can(campaigns.CAPABILITY),
        "exports": exports.links(request),
        "query_string": urlencode({k: v for k, v in (("area", area or ""), ("status", status)) if v}),
        "letters": OutboxMessage.objects.filter(
            idempotency_key__startswith=f"campaign:{c.pk}:", channel=OutboxChannel.PRINT
        ).count(),
    }
    return render(request, "fieldservice/campaigns/detail.html", ctx)


@require_POST
@staff_view(campaigns.CAPABILITY)
def campaign_batch(request: ConsoleRequest, campaign_id: int) -> HttpResponse:
    try:
        r = campaigns.do_plan_batch(request.user, campaign_id)
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Visits planned: %(planned)d (notices by SMS: %(sms)d, letters to print: %(letters)d).")
            % {"planned": r.planned, "sms": r.sms, "letters": r.letters},
        )
        if r.left_unplanned:
            messages.warning(
                request,
                _("%(count)d households found no free visit before the campaign ends.")
                % {"count": r.left_unplanned},
            )
    return redirect("console:campaign_detail", campaign_id)


@require_POST
@staff_view(campaigns.CAPABILITY)
def campaign_refusal(request: ConsoleRequest, campaign_id: int, household_id: int) -> HttpResponse:
    try:
        campaigns.do_record_refusal(request.user, campaign_id, household_id, request.POST.get("reason", ""))
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The refusal is recorded."))
    return redirect("console:campaign_detail", campaign_id)


@require_http_methods(["GET", "POST"])
@staff_view(campaigns.CAPABILITY)
def campaign_edit(request: ConsoleRequest, campaign_id: int) -> HttpResponse:
    """Change the period end, batch size, capacity, window length and repeat rules (the batches planned
    from now on follow them; booked visits keep their time)."""
    c = campaigns.access_campaign(request.user, campaign_id, manage=True)
    form = CampaignChangeForm(initial={name: getattr(c, name) for name in campaigns.CHANGEABLE})
    status = 200
    if request.method == "POST":
        form = CampaignChangeForm(request.POST)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            numbers = {
                name: d.get(name) for name in campaigns.CHANGEABLE if name not in ("ends_on", "auto_batches")
            }
            try:
                campaigns.do_change_campaign(
                    request.user,
                    c.pk,
                    campaigns.CampaignChange(
                        ends_on=d.get("ends_on"),
                        auto_batches=bool(d.get("auto_batches")),
                        **{k: _int(v, -1) for k, v in numbers.items()},  # empty: refused, naming the field
                    ),
                )
            except KefuError as exc:
                add_kefu_error(form, exc)
            else:
                messages.success(request, _("The campaign's settings are saved."))
                return redirect("console:campaign_detail", c.pk)
    return render(request, "fieldservice/campaigns/edit.html", {"form": form, "c": c}, status=status)


@require_POST
@staff_view(campaigns.CAPABILITY)
def campaign_active(request: ConsoleRequest, campaign_id: int) -> HttpResponse:
    """Stop (``active=0``) or resume (``active=1``) the campaign."""
    active = request.POST.get("active") == "1"
    try:
        campaigns.do_set_active(request.user, campaign_id, active)
    except KefuError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("The campaign is running again; plan the next batch when you are ready.")
            if active
            else _("The campaign is stopped: no batch will be planned. Visits already booked stay booked."),
        )
    return redirect("console:campaign_detail", campaign_id)


@require_http_methods(["GET"])
@staff_view
def campaign_letters(request: ConsoleRequest, campaign_id: int) -> HttpResponse:
    """The letters to print (households without a mobile), one per page when printed."""
    c = campaigns.access_campaign(request.user, campaign_id)
    qs = (
        OutboxMessage.objects.filter(
            idempotency_key__startswith=f"campaign:{c.pk}:", channel=OutboxChannel.PRINT
        )
        .select_related("customer")
        .order_by("id")
    )
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "fieldservice/campaigns/letters.html", {"c": c, "page": page})
