"""Console → Configuration → SMS templates: the list of the kinds of SMS Kefu sends and one page per kind with
its text in every enabled language, the placeholders it offers, a preview with a sample customer in any
language and the SMS segments each text costs. Thin views over ``channels.outbox.sms_template_edit`` (which
checks access and input and writes the audit record); branch managers read, administrators save.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.channels.outbox import sms_template_edit as edit
from kefu.lib.content_i18n import SOURCE_LANGUAGE, normalise
from kefu.lib.errors import Errors, KefuError, PermissionDenied
from kefu.web.views import ConsoleRequest, staff_view

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def field_errors(exc: KefuError) -> dict[str, str]:
    """Field → message of every error of ``exc`` (the first one per field)."""
    found: dict[str, str] = {}
    for e in exc.errors if isinstance(exc, Errors) else [exc]:
        found.setdefault(e.field or "", str(e.message))
    return found


@require_GET
@staff_view("config.branch")
def config_sms(request: ConsoleRequest) -> HttpResponse:
    rows = edit.overview(request.user)
    ctx = {
        "rows": rows,
        "may_edit": request.staff.can(edit.EDIT_CAPABILITY),
    }
    return render(request, "console/config/sms.html", ctx)


def _stored(e: edit.Editing) -> dict[str, Any]:
    data: dict[str, Any] = {edit.field_name(lang): e.text(lang) for lang in edit.languages()}
    t = e.template
    data["signature"] = t.signature if t else ""
    data["provider_template_id"] = t.provider_template_id if t else ""
    data["active"] = t.active if t else True
    return data


@require_http_methods(["GET", "POST"])
@staff_view("config.branch")
def config_sms_edit(request: ConsoleRequest, code: str) -> HttpResponseBase:
    e = edit.editing(request.user, code)
    may_edit = request.staff.can(edit.EDIT_CAPABILITY)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    # what the page shows: the form as sent (a refused save, a preview of unsaved texts), else the stored texts
    data: Any = request.POST if request.method == "POST" and may_edit else _stored(e)
    errors: dict[str, str] = {}
    status = 200
    current = normalise(get_language())
    preview_language = normalise(request.POST.get("preview_language") or request.GET.get("lang") or current)
    if preview_language not in edit.languages():
        preview_language = SOURCE_LANGUAGE
    if action == "save":
        try:
            edit.do_save_template(request.user, code, request.POST)
        except PermissionDenied as exc:
            return HttpResponse(str(exc.message), status=403)
        except KefuError as exc:
            errors, status = field_errors(exc), 400
            messages.error(request, _("Nothing was saved: correct the texts marked below."))
        else:
            messages.success(request, _("SMS template “%(kind)s” saved.") % {"kind": e.label})
            return redirect(reverse("console:config_sms_edit", args=[code]) + f"?lang={preview_language}")
    source = str(data.get("text", "") or "")
    rows = []
    for lang in edit.languages():
        key = edit.field_name(lang)
        value = str(data.get(key, "") or "")
        own = e.own.get(lang)
        shown = edit.preview(request.user, code, data, lang)
        rows.append(
            {
                "key": key,
                "lang": lang,
                "lang_name": LANGUAGE_NAMES.get(lang, lang),
                "value": value,
                "source": lang == SOURCE_LANGUAGE,
                "falls_back": lang != SOURCE_LANGUAGE and own is None and not value.strip(),
                "fallback": source,
                "own": own,
                "error": errors.get(key, ""),
                "length": shown.length,
            }
        )
    ctx = {
        "e": e,
        "rows": rows,
        "data": data,
        "errors": errors,
        "may_edit": may_edit,
        "preview": edit.preview(request.user, code, data, preview_language),
        "preview_language": preview_language,
        "preview_languages": [(c, LANGUAGE_NAMES.get(c, c)) for c in edit.languages()],
        "max_text": edit.MAX_TEXT,
    }
    return render(request, "console/config/sms_edit.html", ctx, status=status)
