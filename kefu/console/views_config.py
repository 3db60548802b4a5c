"""Console → Configuration: the editors a service manager uses instead of the back office.

Business calendars (year view, single days with a reason, working hours, "load year N"), service areas,
outlets (administrators and branch managers, their own branch's: ``config.branch``), and the standard and
forbidden phrases (administrators). Thin views: each change is one call to the owning app's use case
(``commitments.calendar_edit``, ``organization.config``, ``standards.editing``), which checks access and
input, writes the audit record and raises ``KefuError`` naming the field; the page shows the message next to
the field. Texts customers read have a value per enabled language; the editor shows the Simplified Chinese
text each empty one falls back to (docs/adr/0008-content-translations.md).
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.commitments import calendar_edit, years
from kefu.commitments.models import CalendarYear, DayKind, Weekday
from kefu.lib.content_i18n import content_languages
from kefu.lib.errors import KefuError, ValidationFailed
from kefu.organization import config as org_config
from kefu.organization import revisions
from kefu.organization.models import AreaKind, ConfigRevision, Outlet, ServiceArea
from kefu.standards import editing
from kefu.standards.models import ForbiddenPhrase, Situation, StandardPhrase
from kefu.web.views import ConsoleRequest, staff_view

PER_PAGE = 25
LANGUAGE_NAMES = dict(settings.LANGUAGES)


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdecimal() else None


def _page(request: ConsoleRequest, rows: Any) -> Any:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def _query_string(request: ConsoleRequest, *keys: str) -> str:
    return urlencode({k: request.GET[k] for k in keys if request.GET.get(k)})


def translation_rows(obj: Any, fields: dict[str, tuple[str, bool]], data: Any = None) -> list[dict[str, Any]]:
    """Per translatable field, its value in each enabled language other than Simplified Chinese, with the
    text it falls back to; ``data`` (a refused form) wins over the stored values. Form names ``field__lang``."""
    rows = []
    for name, (label, multiline) in fields.items():
        source = str(getattr(obj, name, "") or "") if obj is not None else ""
        for lang in content_languages():
            key = f"{name}__{lang}"
            stored = ((getattr(obj, "translations", None) or {}).get(lang) or {}).get(name, "") if obj else ""
            value = data.get(key, "") if data is not None else stored
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "lang": lang,
                    "lang_name": LANGUAGE_NAMES.get(lang, lang),
                    "value": value,
                    "fallback": source,
                    "falls_back": not (value or "").strip(),
                    "multiline": multiline,
                }
            )
    return rows


def _error(request: ConsoleRequest, exc: KefuError) -> dict[str, str]:
    messages.error(request, str(exc.message))
    return {"field": exc.field or "", "message": str(exc.message), "code": exc.code}


def _one(rows: Any, pk: int | None) -> Any:
    """The row ``pk`` of ``rows`` (the ones this person may edit), None for a new one; 404 otherwise."""
    if pk is None:
        return None
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def _post_save(
    request: ConsoleRequest, save: Callable[[], Any], done: Callable[[Any], tuple[str, str]]
) -> tuple[HttpResponseBase | None, dict[str, str], int]:
    """On POST run ``save`` (a use case): a redirect to ``done``'s URL with its message, or the error to show
    next to its field with status 400 (409 for a stale form); on GET nothing."""
    if request.method != "POST":
        return None, {}, 200
    try:
        saved = save()
    except KefuError as exc:
        return None, _error(request, exc), exc.status if exc.status in (400, 409) else 400
    message, url = done(saved)
    messages.success(request, message)
    return redirect(url), {}, 200


# --- versions: now or from a date, pending changes, history -----------------------------------------------------

HISTORY_PER_PAGE = 10


def _save_or_schedule(
    request: ConsoleRequest,
    obj: Any,
    save: Callable[[Any], Any],
    schedule: Callable[[dt.datetime, Any], ConfigRevision],
) -> Callable[[], Any]:
    """The save of an editor's form: ``schedule(when, version)`` when it has an "effective from" date (an
    existing object only), else ``save(version)`` now; both refuse a form opened on an older version."""

    def run() -> Any:
        version = request.POST.get("version")
        when = None
        if obj is not None:
            when = revisions.parse_effective_from(
                request.POST.get("effective_from"), revisions.kind_of(obj).time_zone(obj)
            )
        return schedule(when, version) if when is not None else save(version)

    return run


def _scheduled_message(obj: Any, rev: ConfigRevision) -> str:
    zone = ZoneInfo(revisions.kind_of(obj).time_zone(obj))
    when = rev.effective_from.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return _("Change saved; it takes effect from %(when)s (%(tz)s).") % {"when": when, "tz": zone.key}


def _scheduled(obj: Any, saved: Any, url: str) -> tuple[str, str] | None:
    """The message and URL (the object's page, where the change waits) after a change saved for a date."""
    return (_scheduled_message(obj, saved), url) if isinstance(saved, ConfigRevision) else None


def _choices(choices: Any) -> dict[Any, str]:
    return {value: str(label) for value, label in choices}


def _show(value: Any, names: dict[Any, str] | None = None) -> str:
    """A patch value as people read it: ids and codes by their names, lists joined, yes/no."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_show(v, names) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str((names or {}).get(value, value))


def revision_context(
    request: ConsoleRequest,
    obj: Any,
    form: Any,
    error: dict[str, str],
    names: dict[str, dict[Any, str]] | None = None,
) -> dict[str, Any]:
    """For ``_when.html`` and ``_revisions.html``: the version the form carries (the current one after a
    stale refusal, so that saving again overwrites knowingly), the changes waiting for their date with
    their before and after values (``names``: per field, how its ids or codes read), and the object's history
    (paginated)."""
    if obj is None or obj.pk is None:
        return {"version": 0, "can_schedule": False}
    kind = revisions.kind_of(obj)
    zone = ZoneInfo(kind.time_zone(obj))
    if form is not None and error.get("code") != "stale":
        version = form.get("version", "")
    else:
        version = revisions.version_of(obj)

    def local(at: dt.datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""

    def show(key: str, value: Any) -> str:
        if kind.show_value is not None:
            return kind.show_value(key, value)
        return _show(value, (names or {}).get(key))

    def who(user: Any) -> str:
        if user is None:
            return _("system")
        staff = getattr(user, "staff", None)
        return str(staff) if staff is not None else user.get_username()

    pending = [
        {
            "pk": r.pk,
            "when": local(r.effective_from),
            "status": r.status,
            "status_display": r.get_status_display(),
            "problem": r.problem,
            "note": r.note,
            "by": who(r.created_by),
            "created": local(r.created_at),
            "fields": [
                {
                    "label": kind.field_label(k),
                    "before": show(k, v.get("before")),
                    "after": show(k, v.get("after")),
                }
                for k, v in sorted(r.patch.items())
            ],
        }
        for r in revisions.revisions_of(obj)
    ]
    history = Paginator(revisions.history_of(obj), HISTORY_PER_PAGE).get_page(request.GET.get("hpage"))
    fields_of = kind.record_fields or revisions.changed_fields
    rows = [
        {
            "when": local(h.at),
            "who": h.actor_label,
            "action": h.action,
            "what": h.summary or h.action,
            "fields": [str(kind.field_label(f)) for f in fields_of(h)]
            if not h.action.startswith(revisions.AUDIT_PREFIX)
            else [],
        }
        for h in history
    ]
    params = request.GET.copy()
    params.pop("hpage", None)
    keep = params.urlencode()
    return {
        "version": version,
        "can_schedule": True,
        "tz": zone.key,
        "pending": pending,
        "history": history,
        "history_rows": rows,
        "url": request.get_full_path(),
        "keep": f"{keep}&" if keep else "",
    }


@require_POST
@staff_view("config.branch", "admin")
def config_revision_cancel(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    """Cancel a change waiting for its date (audited); back to the object's page."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("console:config_index")
    try:
        rev = revisions.do_cancel(request.user, pk)
    except KefuError as exc:
        if exc.status == 404:
            raise Http404(str(exc.message)) from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("The scheduled change is cancelled (%(object)s).") % {"object": rev.object_label}
        )
    return redirect(target)


# --- index ---------------------------------------------------------------------------------------------------


@require_GET
@staff_view("config.branch")
def config_index(request: ConsoleRequest) -> HttpResponse:
    """The list of editors this person may use (the service catalogue is linked here too)."""
    return render(request, "console/config/index.html", {"is_admin": request.staff.can("admin")})


# --- business calendars --------------------------------------------------------------------------------------


@require_GET
@staff_view("config.branch")
def config_calendars(request: ConsoleRequest) -> HttpResponse:
    rows = list(calendar_edit.editable_calendars(request.staff).prefetch_related("years", "branches"))
    return render(request, "console/config/calendars.html", {"calendars": rows})


def _months(year: int, days: dict[dt.date, Any], selected: dt.date | None) -> list[dict[str, Any]]:
    cal = pycalendar.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            cells = []
            for d in week:
                entry = days.get(d)
                kind = entry.kind if entry else ("weekend" if d.weekday() >= Weekday.SATURDAY else "normal")
                cells.append(
                    {
                        "date": d,
                        "in_month": d.month == month,
                        "kind": kind,
                        "name": entry.name if entry else "",
                        "selected": d == selected,
                    }
                )
            weeks.append(cells)
        months.append({"month": month, "first": dt.date(year, month, 1), "weeks": weeks})
    return months


def _short(weekday: str) -> str:
    """A weekday's column heading: 一 for 星期一, Mo for Monday, H for Hétfő."""
    return weekday[-1] if weekday.startswith(("星期", "週", "周")) else weekday[:2]


@require_http_methods(["GET", "POST"])
@staff_view("config.branch")
def config_calendar(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    """One calendar: the year view with its holidays and make-up days, a day's change, the working hours."""
    try:
        _staff, cal = calendar_edit.access_calendar(request.user, pk)
    except KefuError as exc:
        raise Http404(str(exc.message)) from exc
    year = _int(request.POST.get("year") or request.GET.get("year")) or years.current_year(cal)
    year = min(max(year, 2000), 2200)
    error: dict[str, str] = {}
    status = 200
    form = request.POST if request.method == "POST" else None
    if request.method == "POST":
        action = request.POST.get("action")
        version = request.POST.get("version")
        try:
            when = revisions.parse_effective_from(request.POST.get("effective_from"), cal.time_zone)
            if action == "hours":
                periods = {d: request.POST.get(f"periods_{d}", "") for d in range(7)}
                makeup = _int(request.POST.get("makeup_weekday")) or 0
                if when is not None:
                    rev = calendar_edit.do_schedule_hours(
                        request.user, cal.pk, periods, makeup, when, version=version
                    )
                    messages.success(request, _scheduled_message(cal, rev))
                else:
                    calendar_edit.do_set_hours(request.user, cal.pk, periods, makeup, version=version)
                    messages.success(request, _("Working hours saved."))
            else:
                try:
                    date = dt.date.fromisoformat(request.POST.get("date", "").strip())
                except ValueError:
                    raise ValidationFailed("invalid", _("Give the date as YYYY-MM-DD."), "date") from None
                change = calendar_edit.DayChange(
                    date,
                    request.POST.get("kind", ""),
                    request.POST.get("name", ""),
                    request.POST.get("reason", ""),
                )
                if when is not None:
                    rev = calendar_edit.do_schedule_day(request.user, cal.pk, change, when, version=version)
                    messages.success(request, _scheduled_message(cal, rev))
                else:
                    calendar_edit.do_set_day(
                        request.user, cal.pk, change, adding=action == "add", version=version
                    )
                    messages.success(
                        request,
                        _("%(date)s saved in “%(calendar)s”.")
                        % {"date": date.isoformat(), "calendar": cal.name},
                    )
                year = date.year
        except KefuError as exc:
            error, status = _error(request, exc), exc.status if exc.status in (400, 409) else 400
        else:
            url = reverse("console:config_calendar", args=[cal.pk]) + f"?year={year}"
            return redirect(url)
    days = calendar_edit.year_days(cal, year)
    selected = None
    try:
        selected = dt.date.fromisoformat(request.GET.get("day", "") or request.POST.get("date", ""))
    except ValueError:
        selected = None
    selected_entry = days.get(selected) if selected else None
    complete = CalendarYear.objects.filter(calendar=cal, year=year).first()
    ctx = {
        "cal": cal,
        "year": year,
        "months": _months(year, days, selected),
        "days": list(days.values()),
        "selected": selected,
        "selected_entry": selected_entry,
        "complete": complete,
        "kinds": [(calendar_edit.NORMAL, _("ordinary day (weekly pattern)")), *DayKind.choices],
        "weekdays": Weekday.choices,
        "periods": calendar_edit.periods_text(cal),
        "makeup_weekday": cal.makeup_weekday,
        "form": form,
        "form_action": request.POST.get("action", "") if form is not None else "",
        "error": error,
        "can_load": request.staff.can("admin") and not cal.is_24x7,
        "weekday_names": [(Weekday(d).label, _short(str(Weekday(d).label))) for d in range(7)],
    }
    if form is not None and ctx["form_action"] == "hours":  # a refused form keeps what was typed
        ctx["periods"] = {d: form.get(f"periods_{d}", "") for d in range(7)}
        ctx["makeup_weekday"] = _int(form.get("makeup_weekday")) or 0
    versions = revision_context(request, cal, form, error)
    versions["scope"] = "hours" if form is not None and request.POST.get("action") == "hours" else "day"
    ctx["rev"] = versions
    return render(request, "console/config/calendar.html", ctx, status=status)


# --- outlets ---------------------------------------------------------------------------------------------------


def _outlet_fields() -> dict[str, tuple[str, bool]]:
    return {
        "name": (_("Name"), False),
        "address": (_("Address"), False),
        "opening_hours": (_("Opening hours"), False),
    }


@require_GET
@staff_view("config.branch")
def config_outlets(request: ConsoleRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    rows = org_config.outlets_of(request.staff).order_by("branch__code", "name")
    if q:
        rows = rows.filter(name__icontains=q) | rows.filter(address__icontains=q)
    page = _page(request, rows)
    for o in page:
        o.gaps = o.missing_translations()
    ctx = {"page": page, "q": q, "query_string": _query_string(request, "q"), "lang_names": LANGUAGE_NAMES}
    return render(request, "console/config/outlets.html", ctx)


@require_http_methods(["GET", "POST"])
@staff_view("config.branch")
def config_outlet_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponseBase:
    outlet = _one(org_config.outlets_of(request.staff), pk)
    done, error, status = _post_save(
        request,
        _save_or_schedule(
            request,
            outlet,
            lambda version: org_config.do_save_outlet(request.user, pk, request.POST, version=version),
            lambda when, version: org_config.do_schedule_outlet(
                request.user, outlet.pk, request.POST, when, version=version
            ),
        ),
        lambda o: (
            _scheduled(outlet, o, request.path)
            or (_("Outlet “%(name)s” saved.") % {"name": o.name}, reverse("console:config_outlets"))
        ),
    )
    if done is not None:
        return done
    form = request.POST if request.method == "POST" else None
    branches = list(org_config.editable_branches(request.staff))
    ctx = {
        "outlet": outlet,
        "form": form,
        "error": error,
        "branches": branches,
        "translations": translation_rows(outlet, _outlet_fields(), form),
        "rev": revision_context(request, outlet, form, error, {"branch": {b.pk: b.name for b in branches}}),
    }
    return render(request, "console/config/outlet_edit.html", ctx, status=status)


# --- service areas ---------------------------------------------------------------------------------------------


@require_GET
@staff_view("config.branch")
def config_areas(request: ConsoleRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    rows = org_config.areas_of(request.staff).prefetch_related("responsible").order_by("branch__code", "code")
    if q:
        rows = rows.filter(name__icontains=q) | rows.filter(code__icontains=q)
    ctx = {"page": _page(request, rows), "q": q, "query_string": _query_string(request, "q")}
    return render(request, "console/config/areas.html", ctx)


@require_http_methods(["GET", "POST"])
@staff_view("config.branch")
def config_area_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponseBase:
    area: ServiceArea | None = _one(org_config.areas_of(request.staff), pk)
    done, error, status = _post_save(
        request,
        _save_or_schedule(
            request,
            area,
            lambda version: org_config.do_save_area(request.user, pk, request.POST, version=version),
            lambda when, version: org_config.do_schedule_area(
                request.user, pk or 0, request.POST, when, version=version
            ),
        ),
        lambda a: (
            _scheduled(area, a, request.path)
            or (_("Area “%(name)s” saved.") % {"name": a.name}, reverse("console:config_areas"))
        ),
    )
    if done is not None:
        return done
    branches = list(org_config.editable_branches(request.staff))
    branch = area.branch if area else None
    chosen = _int(request.POST.get("branch") or request.GET.get("branch"))
    if chosen is not None:
        branch = next((b for b in branches if b.pk == chosen), branch)
    branch = branch or (branches[0] if branches else None)
    form = request.POST if request.method == "POST" else None
    if form is not None:
        responsible = {_int(x) for x in form.getlist("responsible")}
    else:
        responsible = {s.pk for s in area.responsible.all()} if area else set()
    outlets = list(Outlet.objects.filter(branch=branch).order_by("name")) if branch else []
    staff_rows = list(org_config.staff_choices(branch)) if branch else []
    ctx = {
        "area": area,
        "form": form,
        "error": error,
        "branches": branches,
        "branch": branch,
        "kinds": AreaKind.choices,
        "outlets": outlets,
        "staff": staff_rows,
        "responsible": responsible,
        "translations": translation_rows(area, {"name": (_("Name"), False)}, form),
    }
    names: dict[str, dict[Any, str]] = {
        "responsible": {s.pk: f"{s.name} · {s.badge_no}" for s in staff_rows},
        "outlet": {o.pk: o.name for o in outlets},
        "branch": {b.pk: b.name for b in branches},
        "kind": _choices(AreaKind.choices),
    }
    ctx["rev"] = revision_context(request, area, form, error, names)
    return render(request, "console/config/area_edit.html", ctx, status=status)


# --- phrases ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def config_phrases(request: ConsoleRequest) -> HttpResponseBase:
    """Standard phrases (search, situation, missing language) and the forbidden-phrase lists per language, with
    the "test a sentence" box (POST ``action=test``; nothing is saved)."""
    q = request.GET.get("q", "").strip()
    situation = request.GET.get("situation", "")
    missing = request.GET.get("missing", "")
    phrases = _page(request, editing.standard_phrases(q, situation, missing))
    for p in phrases:
        p.gaps = p.missing_translations()
    fq = request.GET.get("fq", "").strip()
    flang = request.GET.get("flang", "zh-hans")
    flang_filter = None if flang == "all" else ("" if flang == "any" else flang)
    forbidden = Paginator(editing.forbidden_phrases(fq, flang_filter), PER_PAGE).get_page(
        request.GET.get("fpage")
    )
    test = None
    error: dict[str, str] = {}
    status = 200
    test_language = request.POST.get("test_language", "zh-hans")
    if request.method == "POST" and request.POST.get("action") == "test":
        try:
            test = editing.test_sentence(request.user, request.POST.get("sentence", ""), test_language)
        except KefuError as exc:
            error, status = _error(request, exc), 400
    ctx = {
        "phrases": phrases,
        "q": q,
        "situation": situation,
        "missing": missing,
        "situations": Situation.choices,
        "content_langs": [(code, LANGUAGE_NAMES.get(code, code)) for code in content_languages()],
        "query_string": _query_string(request, "q", "situation", "missing", "fq", "flang", "fpage"),
        "fquery_string": _query_string(request, "q", "situation", "missing", "page", "fq", "flang"),
        "forbidden": forbidden,
        "fq": fq,
        "flang": flang,
        "list_languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in editing.LANGUAGE_LISTS],
        "test": test,
        "test_language": test_language,
        "sentence": request.POST.get("sentence", ""),
        "error": error,
        "all_languages": settings.LANGUAGES,
    }
    return render(request, "console/config/phrases.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def config_phrase_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponseBase:
    phrase = _one(StandardPhrase.objects.all(), pk)
    done, error, status = _post_save(
        request,
        _save_or_schedule(
            request,
            phrase,
            lambda version: editing.do_save_phrase(request.user, pk, request.POST, version=version),
            lambda when, version: editing.do_schedule_phrase(
                request.user, phrase.pk, request.POST, when, version=version
            ),
        ),
        lambda p: (
            _scheduled(phrase, p, request.path)
            or (_("Phrase saved."), reverse("console:config_phrases") + f"?situation={p.situation}")
        ),
    )
    if done is not None:
        return done
    form = request.POST if request.method == "POST" else None
    ctx = {
        "phrase": phrase,
        "form": form,
        "error": error,
        "situations": Situation.choices,
        "translations": translation_rows(phrase, {"text": (_("Text"), True)}, form),
        "rev": revision_context(request, phrase, form, error, {"situation": _choices(Situation.choices)}),
    }
    return render(request, "console/config/phrase_edit.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def config_forbidden_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponseBase:
    row = _one(ForbiddenPhrase.objects.all(), pk)
    done, error, status = _post_save(
        request,
        _save_or_schedule(
            request,
            row,
            lambda version: editing.do_save_forbidden(request.user, pk, request.POST, version=version),
            lambda when, version: editing.do_schedule_forbidden(
                request.user, row.pk, request.POST, when, version=version
            ),
        ),
        lambda f: (
            _scheduled(row, f, request.path)
            or (
                _("Forbidden phrase “%(text)s” saved.") % {"text": f.text},
                reverse("console:config_phrases") + f"?flang={f.language or 'any'}#forbidden",
            )
        ),
    )
    if done is not None:
        return done
    form = request.POST if request.method == "POST" else None
    ctx = {
        "row": row,
        "form": form,
        "error": error,
        "rev": revision_context(request, row, form, error, {"mode": _choices(ForbiddenPhrase.Mode.choices)}),
        "modes": ForbiddenPhrase.Mode.choices,
        "list_languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in editing.LANGUAGE_LISTS],
        "suggestions": StandardPhrase.objects.filter(active=True).order_by("situation", "position"),
        "default_language": request.GET.get("language", "zh-hans"),
    }
    return render(request, "console/config/forbidden_edit.html", ctx, status=status)
