"""The service catalogue editor (R-17): a list of services and one page per service with its time limits,
materials, process steps, fee items, emergency flag and the texts the disclosure page publishes, each text
with a value per enabled language (docs/adr/0008-content-translations.md). Administrators edit; branch
managers (supervisors) read — the catalogue is the company's, with no per-branch parts.

Everything is validated together (each row by its model, the combinations by
``commitments.catalogue.check_entry``) and saved in one transaction as a revision effective now or from a
later date; nothing is saved while any error is shown.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.commitments import catalogue
from kefu.commitments import catalogue_patch as patches
from kefu.commitments.limits import published_limits
from kefu.commitments.models import ClockKindChoices, EmergencyKeyword, Service, TimeLimit
from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep
from kefu.commitments.models.revisions import RevisionStatus, ServiceRevision
from kefu.lib import clock
from kefu.lib.content_i18n import SOURCE_LANGUAGE, content_languages, normalise
from kefu.lib.errors import KefuError
from kefu.web.views import ConsoleRequest, staff_view

SECTIONS = ("limits", "materials", "steps", "fees")


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


class TranslatedForm(forms.ModelForm):
    """A model form with one extra field per translatable field and enabled language (``tr_en_name``…);
    the model's own field is the Simplified Chinese text (required where the model requires it)."""

    translated: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        values = self.instance.translations or {}
        self.translation_rows: list[dict[str, Any]] = []
        for field in self.translated:
            source = self.fields[field]
            row: dict[str, Any] = {"field": field, "source": field, "languages": []}
            for lang in content_languages():
                name = f"tr_{lang}_{field}"
                widget = (
                    forms.Textarea(attrs={"rows": 2})
                    if isinstance(source.widget, forms.Textarea)
                    else forms.TextInput()
                )
                self.fields[name] = forms.CharField(
                    label=f"{source.label} ({_language_name(lang)})",
                    required=False,
                    max_length=getattr(source, "max_length", None),
                    widget=widget,
                    initial=(values.get(lang) or {}).get(field, ""),
                )
                row["languages"].append((lang, name))
            self.translation_rows.append(row)

    def translations_value(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            k: dict(v) for k, v in (self.instance.translations or {}).items() if isinstance(v, dict)
        }
        for field in self.translated:
            for lang in content_languages():
                value = (self.cleaned_data.get(f"tr_{lang}_{field}") or "").strip()
                entry = result.setdefault(lang, {})
                if value:
                    entry[field] = value
                else:
                    entry.pop(field, None)
        return {k: v for k, v in result.items() if v}

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if hasattr(self, "cleaned_data"):
            self.instance.translations = self.translations_value()


class ServiceForm(TranslatedForm):
    translated = Service.translatable_fields

    class Meta:
        model = Service
        fields = [f for f in catalogue.SERVICE_FIELDS if f != "translations"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "commitment": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code is the service's key in links and imports.")


class LimitForm(forms.ModelForm):
    class Meta:
        model = TimeLimit
        fields = [
            "kind",
            "channel",
            "area_kind",
            "tier",
            "priority",
            "emergency",
            "amount",
            "unit",
            "around_the_clock",
            "is_active",
        ]


class MaterialForm(TranslatedForm):
    translated = ServiceMaterial.translatable_fields

    class Meta:
        model = ServiceMaterial
        fields = ["order", "name", "description", "required"]
        widgets = {"description": forms.TextInput()}


class StepForm(TranslatedForm):
    translated = ServiceStep.translatable_fields

    class Meta:
        model = ServiceStep
        fields = ["order", "title", "description"]
        widgets = {"description": forms.TextInput()}


class FeeForm(TranslatedForm):
    translated = ServiceFee.translatable_fields

    class Meta:
        model = ServiceFee
        fields = ["order", "name", "amount", "unit", "note"]


class ServiceRowsFormSet(BaseInlineFormSet):
    """Rows of one service: each row's model validation sees the service as edited (not as stored)."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        form.instance.service = self.instance
        return form

    @property
    def empty_form(self) -> Any:
        form = super().empty_form
        form.instance.service = self.instance
        return form


def _formset(model: Any, form: type[forms.ModelForm], extra: int) -> Any:
    return inlineformset_factory(
        Service,
        model,
        form=form,
        formset=ServiceRowsFormSet,
        fk_name="service",
        extra=extra,
        can_delete=True,
    )


FORMSETS = {
    "limits": (_formset(TimeLimit, LimitForm, 0), gettext_lazy("Time limits")),
    "materials": (_formset(ServiceMaterial, MaterialForm, 0), gettext_lazy("Required materials")),
    "steps": (_formset(ServiceStep, StepForm, 0), gettext_lazy("Process steps")),
    "fees": (_formset(ServiceFee, FeeForm, 0), gettext_lazy("Fee items")),
}


class RevisionForm(forms.Form):
    effective_from = forms.DateTimeField(
        label=gettext_lazy("Effective from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=gettext_lazy(
            "Empty: at once. A later date keeps today's entry in effect until then; orders already "
            "registered keep their time limits."
        ),
    )
    # the entry the form was opened on and when: a save against a service changed since is refused
    base = forms.CharField(required=False, widget=forms.HiddenInput)
    opened_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def base_entry(self) -> tuple[dict[str, Any] | None, dt.datetime | None]:
        """The entry as opened and the moment (None, None when the form did not carry them)."""
        try:
            base = json.loads(self.cleaned_data.get("base") or "null")
            opened = dt.datetime.fromisoformat(self.cleaned_data.get("opened_at") or "")
        except ValueError:
            return None, None
        if not isinstance(base, dict) or "service" not in base:
            return None, None
        return base, opened if timezone.is_aware(opened) else None


def _opened(service: Service) -> dict[str, str]:
    """The hidden fields of a form opened now on ``service``."""
    if not service.pk:
        return {}
    return {"base": patches.canonical(catalogue.entry_of(service)), "opened_at": clock.now().isoformat()}


ROW_DEFAULTS = {"limits": {"is_active": "on"}, "materials": {"required": "on"}}


def _data_with_added_row(data: QueryDict, section: str) -> QueryDict:
    """The posted form with one more row in ``section``, filled with the model's defaults (a new time limit is
    active, a new material required) and the next position."""
    copy = data.copy()
    key = f"{section}-TOTAL_FORMS"
    try:
        index = max(0, int(copy.get(key) or 0))
    except ValueError:
        index = 0
    copy[key] = str(index + 1)
    for field, value in ROW_DEFAULTS.get(section, {}).items():
        copy[f"{section}-{index}-{field}"] = value
    if section != "limits":
        positions = [
            int(v)
            for k in copy
            if k.startswith(f"{section}-")
            and k.endswith("-order")
            and (v := str(copy.get(k) or "")).isdigit()
        ]
        copy[f"{section}-{index}-order"] = str(max(positions, default=-1) + 1)
    return copy


def _build(
    request: ConsoleRequest, service: Service, data: QueryDict | None
) -> tuple[ServiceForm, dict[str, Any], RevisionForm]:
    form = ServiceForm(data, instance=service, prefix="service")
    sets = {
        name: cls(data, instance=service, prefix=name, queryset=_queryset(service, name))
        for name, (cls, _label) in FORMSETS.items()
    }
    initial = _opened(service) if data is None else {}
    return form, sets, RevisionForm(data, prefix="revision", initial=initial)


def _as_post(entry: dict[str, Any]) -> QueryDict:
    """The editor's form data that shows ``entry`` (existing rows first, as the formsets expect)."""
    data = QueryDict(mutable=True)

    def put(prefix: str, record: dict[str, Any], form_class: Any) -> None:
        for name in form_class._meta.fields:
            value = record.get(name)
            if isinstance(value, bool):
                if value:
                    data[f"{prefix}-{name}"] = "on"
            elif value is not None:
                data[f"{prefix}-{name}"] = str(value)
        for field in getattr(form_class, "translated", ()):
            for lang in content_languages():
                value = ((record.get("translations") or {}).get(lang) or {}).get(field)
                if value:
                    data[f"{prefix}-tr_{lang}_{field}"] = value

    put("service", entry["service"], ServiceForm)
    for section, (formset_class, _label) in FORMSETS.items():
        rows = sorted(entry[section], key=lambda r: not r.get("id"))
        data[f"{section}-TOTAL_FORMS"] = str(len(rows))
        data[f"{section}-INITIAL_FORMS"] = str(sum(1 for r in rows if r.get("id")))
        data[f"{section}-MIN_NUM_FORMS"] = "0"
        data[f"{section}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            if row.get("id"):
                data[f"{section}-{i}-id"] = str(row["id"])
            put(f"{section}-{i}", row, formset_class.form)
    return data


def _queryset(service: Service, section: str) -> Any:
    model = FORMSETS[section][0].model
    if not service.pk:
        return model.objects.none()
    order = ("kind", "id") if model is TimeLimit else ("order", "id")
    return model.objects.filter(service=service).order_by(*order)


def _entry(form: ServiceForm, sets: dict[str, Any]) -> dict[str, Any]:
    """The entry (``commitments.catalogue`` shape) from valid forms, without saving anything."""
    service = form.instance
    entry: dict[str, Any] = {
        "service": {f: catalogue._json(getattr(service, f)) for f in catalogue.SERVICE_FIELDS}
    }
    for section, (_model, fields) in catalogue.SECTIONS.items():
        rows = []
        for f in sets[section].forms:
            if not f.has_changed() and not f.instance.pk:
                continue
            if sets[section].can_delete and sets[section]._should_delete_form(f):
                continue
            rows.append({"id": f.instance.pk, **{k: catalogue._json(getattr(f.instance, k)) for k in fields}})
        entry[section] = rows
    return entry


def _attach_problems(form: ServiceForm, sets: dict[str, Any], problems: list[catalogue.Problem]) -> None:
    for p in problems:
        if p.section == "service":
            form.add_error(p.field if p.field in form.fields else None, p.message)
            continue
        kept = [
            f
            for f in sets[p.section].forms
            if (f.has_changed() or f.instance.pk) and not sets[p.section]._should_delete_form(f)
        ]
        if p.index is not None and p.index < len(kept):
            kept[p.index].add_error(p.field, p.message)


def _all_valid(form: ServiceForm, sets: dict[str, Any], rev: RevisionForm) -> bool:
    ok = form.is_valid()  # first: the rows' validation reads the service as edited
    for fs in sets.values():
        ok = fs.is_valid() and ok
    return rev.is_valid() and ok


def _quiet(forms_: list[Any], formsets: list[Any]) -> None:
    """Show bound forms again without validating them (after "add a row": no errors yet)."""
    for f in forms_:
        f._errors = ErrorDict()
    for fs in formsets:
        fs._errors = []
        fs._non_form_errors = ErrorList()


def _may_edit(request: ConsoleRequest) -> bool:
    return request.staff.can(catalogue.EDIT_CAPABILITY)


@require_GET
@staff_view(catalogue.VIEW_CAPABILITY)
def service_list(request: ConsoleRequest) -> HttpResponse:
    qs = Service.objects.order_by("order_type", "code")
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(code__icontains=q) | qs.filter(name__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    waiting = ServiceRevision.objects.filter(
        status__in=[RevisionStatus.PENDING, RevisionStatus.CONFLICT],
        service_id__in=[s.pk for s in page.object_list],
    ).values_list("service_id", "status")
    pending = {sid for sid, status in waiting if status == RevisionStatus.PENDING}
    conflict = {sid for sid, status in waiting if status == RevisionStatus.CONFLICT}
    languages = content_languages()
    rows = [
        {
            "service": s,
            "pending": s.pk in pending,
            "conflict": s.pk in conflict,
            "missing": s.missing_translations(languages),
        }
        for s in page.object_list
    ]
    conflicts = list(  # every service's, not only this page's: they need someone to decide
        ServiceRevision.objects.filter(status=RevisionStatus.CONFLICT)
        .select_related("service")
        .order_by("effective_from", "id")[:20]
    )
    ctx = {
        "page": page,
        "rows": rows,
        "q": q,
        "may_edit": _may_edit(request),
        "nav_group": "admin",
        "conflicts": conflicts,
    }
    return render(request, "console/catalogue/list.html", ctx)


def _conflict_text(conflict: dict[str, Any]) -> str:
    """One conflict of a change that could not be applied, for people."""
    section = (
        catalogue.field_label(conflict["section"]) if conflict.get("section") not in ("", "service") else ""
    )
    row = conflict.get("label") or ""
    if conflict.get("section") == "limits" and row:
        row = str(dict(ClockKindChoices.choices).get(row, row))
    where = f"{section} “{row}”" if section else ""
    kind = conflict.get("kind")
    if kind == "row_changed":
        return _("%(row)s: to be removed, but changed since the change was saved") % {"row": where}
    if kind == "row_removed":
        return _("%(row)s: to be changed, but removed since the change was saved") % {"row": where}
    if kind == "invalid":
        return str(conflict.get("message") or "")
    label = catalogue.field_label(conflict.get("field") or "", conflict.get("section") or "service")
    return _("%(field)s: the change sets %(before)s → %(after)s, but it is %(current)s now") % {
        "field": f"{where} · {label}" if where else label,
        "before": catalogue.shown(conflict.get("before")),
        "after": catalogue.shown(conflict.get("after")),
        "current": catalogue.shown(conflict.get("current")),
    }


def _open_changes(service: Service) -> list[dict[str, Any]]:
    """The service's pending and conflicting changes, oldest date first, with their conflicts for people."""
    if not service.pk:
        return []
    revs = (
        ServiceRevision.objects.filter(
            service=service, status__in=[RevisionStatus.PENDING, RevisionStatus.CONFLICT]
        )
        .select_related("created_by__staff")
        .order_by("effective_from", "id")[:20]
    )
    return [{"revision": r, "conflicts": [_conflict_text(c) for c in r.conflicts]} for r in revs]


def _render_editor(
    request: ConsoleRequest,
    service: Service,
    form: ServiceForm,
    sets: dict[str, Any],
    rev: RevisionForm,
    status: int = 200,
    stale: dict[str, Any] | None = None,
    refusal: str = "",
) -> HttpResponse:
    open_changes = _open_changes(service)
    ctx = {
        "stale": stale,
        "refusal": refusal,
        "open_changes": open_changes,
        "service": service,
        "form": form,
        "sets": [(name, sets[name], FORMSETS[name][1]) for name in SECTIONS],
        "rev": rev,
        "may_edit": _may_edit(request),
        "preview_languages": [(code, _language_name(code)) for code, _n in settings.LANGUAGES],
        "content_languages": [(code, _language_name(code)) for code in content_languages()],
        "revisions": (
            ServiceRevision.objects.filter(service=service).select_related(
                "created_by__staff", "decided_by__staff"
            )[:20]
            if service.pk
            else []
        ),
        "emergency_keywords": EmergencyKeyword.objects.filter(is_active=True).order_by("language", "keyword")[
            :40
        ],
        "nav_group": "admin",
        "has_errors": status in (400, 409) and not refusal,
        "general_limits": list(
            TimeLimit.objects.filter(
                is_active=True, service__isnull=True, order_type=service.order_type
            ).order_by("kind", "tier", "area_kind", "priority", "id")[:50]
        )
        if service.order_type
        else [],
        "pending": next(
            (c["revision"] for c in open_changes if c["revision"].status == RevisionStatus.PENDING), None
        ),
    }
    return render(request, "console/catalogue/edit.html", ctx, status=status)


def _parse_effective(rev: RevisionForm) -> dt.datetime | None:
    value = rev.cleaned_data.get("effective_from")
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


@require_http_methods(["GET", "POST"])
@staff_view(catalogue.VIEW_CAPABILITY)
def service_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponse:
    service = get_object_or_404(Service, pk=pk) if pk is not None else Service()
    if pk is None and not _may_edit(request):
        raise Http404
    if request.method == "GET":
        form, sets, rev = _build(request, service, None)
        if not _may_edit(request):
            for f in [form, *(x for fs in sets.values() for x in fs.forms)]:
                for field in f.fields.values():
                    field.disabled = True
        return _render_editor(request, service, form, sets, rev)
    if not _may_edit(request):
        raise Http404
    action = request.POST.get("action", "save")
    if action.startswith("add-") and action[4:] in SECTIONS:
        form, sets, rev = _build(request, service, _data_with_added_row(request.POST, action[4:]))
        _quiet([form, rev, *(x for fs in sets.values() for x in fs.forms)], list(sets.values()))
        return _render_editor(request, service, form, sets, rev)
    form, sets, rev = _build(request, service, request.POST)
    if not _all_valid(form, sets, rev):
        return _render_editor(request, service, form, sets, rev, status=400)
    entry = _entry(form, sets)
    problems = catalogue.check_entry(entry)
    if problems:
        _attach_problems(form, sets, problems)
        return _render_editor(request, service, form, sets, rev, status=400)
    if action == "preview":
        language = normalise(request.POST.get("preview_language") or SOURCE_LANGUAGE)
        return _preview(request, entry, service, language)
    stored = Service.objects.get(pk=service.pk) if service.pk else None
    base, opened_at = rev.base_entry()
    try:
        revision = catalogue.do_save_entry(
            request.user, stored, entry, _parse_effective(rev), base=base, opened_at=opened_at
        )
    except catalogue.StaleEntry as exc:
        assert stored is not None and base is not None
        return _stale_editor(request, stored, base, entry, exc)
    except KefuError as exc:
        target = rev if exc.field == "effective_from" else form
        target.add_error(exc.field if exc.field in target.fields else None, str(exc.message))
        return _render_editor(request, service, form, sets, rev, status=400)
    return redirect("console:catalogue_edit", pk=revision.service_id)


def _stale_editor(
    request: ConsoleRequest,
    service: Service,
    base: dict[str, Any],
    entry: dict[str, Any],
    exc: catalogue.StaleEntry,
) -> HttpResponse:
    """The editor again after a refused save against a changed service: the other person's change with the
    user's own changes on top (where both changed the same thing, the user's value), opened on the entry
    now — so saving again keeps both; nothing is lost."""
    mine = patches.diff(base, entry)
    merged, both = patches.apply_patch(exc.live, mine, force=True)
    data = _as_post(merged)
    data["revision-effective_from"] = request.POST.get("revision-effective_from", "")
    data["revision-base"] = patches.canonical(exc.live)
    data["revision-opened_at"] = clock.now().isoformat()
    form, sets, rev = _build(request, service, data)
    _quiet([form, rev, *(x for fs in sets.values() for x in fs.forms)], list(sets.values()))
    labels = sorted(
        {
            catalogue.field_label(c["field"], c["section"])
            if c.get("field")
            else catalogue.field_label(c["section"])
            for c in both
        }
    )
    stale = {"message": exc.message, "both": labels}
    return _render_editor(request, service, form, sets, rev, status=409, stale=stale)


@require_POST
@staff_view(catalogue.EDIT_CAPABILITY)
def revision_cancel(request: ConsoleRequest, pk: int, revision_id: int) -> HttpResponse:
    """Cancel a pending (or conflicting) change of the service."""
    try:
        catalogue.do_cancel_revision(request.user, pk, revision_id)
    except KefuError as exc:
        return _refused(request, pk, exc)
    return redirect("console:catalogue_edit", pk=pk)


@require_POST
@staff_view(catalogue.EDIT_CAPABILITY)
def revision_apply(request: ConsoleRequest, pk: int, revision_id: int) -> HttpResponse:
    """Resolve a conflict: apply the change's values over what changed since."""
    try:
        catalogue.do_apply_anyway(request.user, pk, revision_id)
    except KefuError as exc:
        return _refused(request, pk, exc)
    return redirect("console:catalogue_edit", pk=pk)


def _refused(request: ConsoleRequest, pk: int, exc: KefuError) -> HttpResponse:
    if exc.status == 404:
        raise Http404
    service = get_object_or_404(Service, pk=pk)
    form, sets, rev = _build(request, service, None)
    return _render_editor(request, service, form, sets, rev, status=exc.status, refusal=str(exc.message))


class _Rows(list):  # type: ignore[type-arg]
    """A list that answers ``.all()`` like a related manager, for the preview's unsaved rows."""

    def all(self) -> _Rows:
        return self


def _preview_service(entry: dict[str, Any], service: Service) -> Service:
    s = Service(pk=service.pk)
    for f in catalogue.SERVICE_FIELDS:
        setattr(s, f, entry["service"][f])
    s.fee = Decimal(str(s.fee or "0"))
    rows: dict[str, list[Any]] = {}
    for section, (model, fields) in catalogue.SECTIONS.items():
        objs = []
        for r in entry[section]:
            obj = model(**{k: r[k] for k in fields})
            if section in ("fees", "limits"):
                obj.amount = Decimal(str(r["amount"]))
            if model is TimeLimit:
                obj.service_id = service.pk or 0
                obj.order_type = ""
            objs.append(obj)
        rows[section] = objs
    key = lambda o: (o.order, 0)  # noqa: E731
    s.material_rows = _Rows(sorted(rows["materials"], key=key))  # type: ignore[attr-defined]
    s.step_rows = _Rows(sorted(rows["steps"], key=key))  # type: ignore[attr-defined]
    s.fee_rows = _Rows(sorted(rows["fees"], key=key))  # type: ignore[attr-defined]
    general = list(TimeLimit.objects.filter(is_active=True, service__isnull=True, order_type=s.order_type))
    s.limits = published_limits(  # type: ignore[attr-defined]
        [x for x in rows["limits"] if x.is_active] + general, service.pk or 0, s.order_type
    )
    return s


def _preview(request: ConsoleRequest, entry: dict[str, Any], service: Service, language: str) -> HttpResponse:
    s = _preview_service(entry, service)
    with translation.override(language):
        response = render(
            request,
            "console/catalogue/preview.html",
            {"s": s, "services": [s], "preview_language": language, "saved": False},
        )
    response["Content-Language"] = language
    return response


@require_GET
@staff_view(catalogue.VIEW_CAPABILITY)
def service_preview(request: ConsoleRequest, pk: int) -> HttpResponse:
    """The saved (in effect) entry as the disclosure page shows it, in ``?lang=``."""
    service = get_object_or_404(Service, pk=pk)
    language = normalise(request.GET.get("lang") or SOURCE_LANGUAGE)
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return _preview(request, catalogue.entry_of(service), service, language)
