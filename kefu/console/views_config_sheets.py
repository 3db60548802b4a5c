"""Console → Configuration → Score sheets (R-28): the inspection score sheets and one page per sheet with its
items — code, category, text and what is checked in every language, maximum points, position — which can be
added ("Add an item", no script needed) and removed. Thin views over ``inspections.sheet_edit``: it checks
the points against the sheet's total, the texts and codes, writes the audit record and, for a sheet that
inspections were scored on, saves a changed list of items as a new version. Branch managers read,
administrators save.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.console.views_config import translation_rows
from kefu.console.views_config_sms import field_errors
from kefu.inspections import sheet_edit as edit
from kefu.inspections.models import Category, ScoreItem, ScoreSheet
from kefu.lib.content_i18n import content_languages
from kefu.lib.errors import KefuError, PermissionDenied
from kefu.web.views import ConsoleRequest, staff_view

PER_PAGE = 25
LANGUAGE_NAMES = dict(settings.LANGUAGES)


@require_GET
@staff_view("config.branch")
def config_sheets(request: ConsoleRequest) -> HttpResponse:
    page: Any = Paginator(edit.editable_sheets(request.user), PER_PAGE).get_page(request.GET.get("page"))
    for s in page:
        s.gaps = s.missing_translations()
    ctx = {"page": page, "may_edit": request.staff.can(edit.EDIT_CAPABILITY), "lang_names": LANGUAGE_NAMES}
    return render(request, "console/config/sheets.html", ctx)


def _item_rows(wanted: edit.SheetInput, errors: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for item in wanted.items:
        p = item.prefix()
        langs = []
        for lang in content_languages():
            values = item.translations.get(lang) or {}
            langs.append(
                {
                    "lang": lang,
                    "lang_name": LANGUAGE_NAMES.get(lang, lang),
                    "text": values.get("text", ""),
                    "description": values.get("description", ""),
                    "text_falls_back": not values.get("text"),
                    "error": errors.get(f"{p}text__{lang}", ""),
                }
            )
        mine = {k[len(p) :]: v for k, v in errors.items() if k.startswith(p)}
        rows.append({"item": item, "p": p, "errors": mine, "langs": langs})
    return rows


@require_http_methods(["GET", "POST"])
@staff_view("config.branch")
def config_sheet_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponseBase:
    sheet: ScoreSheet | None = edit.access_sheet(request.user, pk) if pk is not None else None
    may_edit = request.staff.can(edit.EDIT_CAPABILITY)
    if sheet is None and not may_edit:
        return HttpResponse(_("Only administrators create score sheets."), status=403)
    newer = edit.successor(sheet) if sheet is not None else None
    editable = may_edit and newer is None
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    posted = request.method == "POST" and editable
    wanted = edit.parse(request.POST) if posted else edit.input_of(sheet)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and not editable:
        return HttpResponse(_("Only administrators change the current version of a score sheet."), status=403)
    if action == "add":
        n = len(wanted.items)
        last = max((i.position or 0 for i in wanted.items), default=0)
        wanted.items.append(edit.ItemInput(n, None, "", Category.QUALITY, "", "", None, last + 10))
    elif action == "save":
        try:
            saved = edit.do_save_sheet(request.user, pk, request.POST)
        except PermissionDenied as exc:
            return HttpResponse(str(exc.message), status=403)
        except KefuError as exc:
            errors, status = field_errors(exc), 400
            messages.error(request, _("Nothing was saved: correct the fields marked below."))
        else:
            if saved.new_version:
                messages.success(
                    request,
                    _(
                        "Saved as version %(version)d of “%(name)s”: inspections already scored keep the "
                        "items of version %(old)d."
                    )
                    % {
                        "version": saved.sheet.version,
                        "name": saved.sheet.name,
                        "old": saved.sheet.version - 1,
                    },
                )
            else:
                messages.success(request, _("Score sheet “%(name)s” saved.") % {"name": saved.sheet.name})
            return redirect("console:config_sheet_edit", saved.sheet.pk)
    first = next(iter(errors.items()), None)
    ctx = {
        "sheet": sheet,
        "newer": newer,
        "wanted": wanted,
        "items": _item_rows(wanted, errors),
        "errors": errors,
        "error": {"field": first[0], "message": first[1]} if first else {},
        "editable": editable,
        "may_edit": may_edit,
        "categories": Category.choices,
        "sum": edit.points_sum(wanted),
        "scored": edit.in_use(sheet) if sheet is not None else 0,
        "versions": edit.versions(sheet) if sheet is not None else [],
        "translations": translation_rows(
            sheet,
            {"name": (_("Name"), False), "description": (_("Description"), True)},
            request.POST if posted else None,
        ),
        "item_fields": ScoreItem.translatable_fields,
        "list_url": reverse("console:config_sheets"),
    }
    return render(request, "console/config/sheet_edit.html", ctx, status=status)
