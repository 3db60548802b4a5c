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
from django.views.decorators.http import require_GET, require_http_methods

from kefu.commitments import catalogue
from kefu.commitments.limits import published_limits
from kefu.commitments.models import EmergencyKeyword, Service, TimeLimit
from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep
from kefu.commitments.models.revisions import RevisionStatus, ServiceRevision
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
    return form, sets, RevisionForm(data, prefix="revision")


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
    pending = set(
        ServiceRevision.objects.filter(
            status=RevisionStatus.PENDING, service_id__in=[s.pk for s in page.object_list]
        ).values_list("service_id", flat=True)
    )
    languages = content_languages()
    rows = [
        {"service": s, "pending": s.pk in pending, "missing": s.missing_translations(languages)}
        for s in page.object_list
    ]
    ctx = {"page": page, "rows": rows, "q": q, "may_edit": _may_edit(request), "nav_group": "admin"}
    return render(request, "console/catalogue/list.html", ctx)


def _render_editor(
    request: ConsoleRequest,
    service: Service,
    form: ServiceForm,
    sets: dict[str, Any],
    rev: RevisionForm,
    status: int = 200,
) -> HttpResponse:
    ctx = {
        "service": service,
        "form": form,
        "sets": [(name, sets[name], FORMSETS[name][1]) for name in SECTIONS],
        "rev": rev,
        "may_edit": _may_edit(request),
        "preview_languages": [(code, _language_name(code)) for code, _n in settings.LANGUAGES],
        "content_languages": [(code, _language_name(code)) for code in content_languages()],
        "revisions": (
            ServiceRevision.objects.filter(service=service).select_related("created_by__staff")[:20]
            if service.pk
            else []
        ),
        "emergency_keywords": EmergencyKeyword.objects.filter(is_active=True).order_by("language", "keyword")[
            :40
        ],
        "nav_group": "admin",
        "has_errors": status == 400,
        "general_limits": list(
            TimeLimit.objects.filter(
                is_active=True, service__isnull=True, order_type=service.order_type
            ).order_by("kind", "tier", "area_kind", "priority", "id")[:50]
        )
        if service.order_type
        else [],
        "pending": (
            ServiceRevision.objects.filter(service=service, status=RevisionStatus.PENDING)
            .order_by("effective_from")
            .first()
            if service.pk
            else None
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
    try:
        revision = catalogue.do_save_entry(request.user, stored, entry, _parse_effective(rev))
    except KefuError as exc:
        target = rev if exc.field == "effective_from" else form
        target.add_error(exc.field if exc.field in target.fields else None, str(exc.message))
        return _render_editor(request, service, form, sets, rev, status=400)
    return redirect("console:catalogue_edit", pk=revision.service_id)


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
