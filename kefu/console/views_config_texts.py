"""Console → Configuration: the texts that are still set up rarely but read by customers and staff in their
language — required greetings and closings, the employee handbook, the company's and branches' names.

Thin views in the manner of ``views_config``: each change is one call to the owning app's use case
(``standards.greeting_edit``, ``inspections.handbook_edit``, ``organization.names_edit``), which checks access
and input, writes the audit record and raises ``KefuError`` naming the field; the page shows the message next to
the field. Each text has a row per enabled language; an empty row shows the Simplified Chinese text it falls
back to (docs/adr/0008-content-translations.md).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.console.views_config import LANGUAGE_NAMES, _one, _page, _post_save, translation_rows
from kefu.customers.models import Channel
from kefu.inspections import handbook_edit
from kefu.lib.errors import NotFound
from kefu.organization import names_edit
from kefu.organization.access import branches_of
from kefu.organization.models import Company
from kefu.standards import greeting_edit
from kefu.standards.models import GreetingRule
from kefu.web.views import ConsoleRequest, staff_view

# --- required greetings and closings (administrators) ---------------------------------------------------------


@require_GET
@staff_view("admin")
def config_greetings(request: ConsoleRequest) -> HttpResponse:
    page = _page(request, greeting_edit.greeting_rules())
    for rule in page:
        rule.gaps = rule.missing_translations()
    return render(request, "console/config/greetings.html", {"page": page, "lang_names": LANGUAGE_NAMES})


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def config_greeting_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponseBase:
    rule = _one(GreetingRule.objects.all(), pk)
    done, error, status = _post_save(
        request,
        lambda: greeting_edit.do_save_greeting(request.user, pk, request.POST),
        lambda r: (_("Greeting rule saved."), reverse("console:config_greetings")),
    )
    if done is not None:
        return done
    form = request.POST if request.method == "POST" else None
    ctx = {
        "rule": rule,
        "form": form,
        "error": error,
        "channels": Channel.choices,
        "whens": GreetingRule.When.choices,
        "wheres": GreetingRule.Where.choices,
        "translations": translation_rows(rule, {"phrases": (_("Accepted phrases"), True)}, form),
    }
    return render(request, "console/config/greeting_edit.html", ctx, status=status)


# --- employee handbook (administrators) -----------------------------------------------------------------------


def _handbook_fields() -> dict[str, tuple[str, bool]]:
    return {name: (str(label), name != "title") for name, (label, _limit) in handbook_edit.fields().items()}


@require_GET
@staff_view("admin")
def config_handbook(request: ConsoleRequest) -> HttpResponse:
    page = _page(request, handbook_edit.pages())
    for p in page:
        p.gaps = p.missing_translations()
    return render(request, "console/config/handbook.html", {"page": page, "lang_names": LANGUAGE_NAMES})


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def config_handbook_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponseBase:
    hb_page = _one(handbook_edit.pages(), pk)
    done, error, status = _post_save(
        request,
        lambda: handbook_edit.do_save_page(request.user, pk, request.POST),
        lambda p: (
            _("Handbook page “%(title)s” saved.") % {"title": p.title},
            reverse("console:config_handbook"),
        ),
    )
    if done is not None:
        return done
    form = request.POST if request.method == "POST" else None
    ctx = {
        "hb_page": hb_page,
        "form": form,
        "error": error,
        "translations": translation_rows(hb_page, _handbook_fields(), form),
    }
    return render(request, "console/config/handbook_edit.html", ctx, status=status)


# --- names of the company and the branches -------------------------------------------------------------------


@require_GET
@staff_view("config.branch")
def config_names(request: ConsoleRequest) -> HttpResponse:
    """The company (administrators) and the branches this person may edit, with the languages that fall back."""
    is_admin = request.staff.can("admin")
    company = Company.objects.order_by("id").first() if is_admin else None
    ctx = {
        "company": {"obj": company, "gaps": company.missing_translations()} if company is not None else None,
        "branches": [{"obj": b, "gaps": b.missing_translations()} for b in branches_of(request.staff)],
        "lang_names": LANGUAGE_NAMES,
    }
    return render(request, "console/config/names.html", ctx)


def _names_fields(kind: str) -> dict[str, tuple[str, bool]]:
    fields = names_edit.company_fields() if kind == "company" else names_edit.branch_fields()
    return {name: (str(label), False) for name, (label, _limit) in fields.items()}


def _names_page(request: ConsoleRequest, obj: Any, kind: str, save: Any) -> HttpResponseBase:
    """The names page of the company or a branch: ``save()`` runs the use case on a POST."""
    done, error, status = _post_save(
        request,
        save,
        lambda o: (_("Names of “%(name)s” saved.") % {"name": o.name}, reverse("console:config_names")),
    )
    if done is not None:
        return done
    form = request.POST if request.method == "POST" else None
    ctx = {
        "obj": obj,
        "kind": kind,
        "form": form,
        "error": error,
        "translations": translation_rows(obj, _names_fields(kind), form),
    }
    return render(request, "console/config/names_edit.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@staff_view("admin")
def config_company_names(request: ConsoleRequest) -> HttpResponseBase:
    company = Company.objects.order_by("id").first()
    if company is None:
        raise NotFound("not_found", _("The company is not set up yet."))
    return _names_page(
        request, company, "company", lambda: names_edit.do_save_company_names(request.user, request.POST)
    )


@require_http_methods(["GET", "POST"])
@staff_view("config.branch")
def config_branch_names(request: ConsoleRequest, pk: int) -> HttpResponseBase:
    branch = _one(branches_of(request.staff), pk)
    return _names_page(
        request, branch, "branch", lambda: names_edit.do_save_branch_names(request.user, pk, request.POST)
    )
