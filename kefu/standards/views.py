"""Console pages of the service standards: the phrase library, the violations list, the live reply check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.lib import exports
from kefu.organization.models import Staff
from kefu.standards import panels, rules, services
from kefu.standards.models import ForbiddenPhrase, StandardsViolation
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder


@require_GET
@staff_view
def phrases(request: ConsoleRequest) -> HttpResponse:
    """The phrase library and the forbidden phrases with what to say instead, for every staff member."""
    forbidden = list(ForbiddenPhrase.objects.filter(active=True).select_related("suggestion").order_by("id"))
    for f in forbidden:
        lang = f.language or ("zh" if services.is_chinese(f.text) else "en")
        f.suggestion_text = f.suggestion.text_for(lang) if f.suggestion else ""  # type: ignore[attr-defined]
    ctx = {
        "groups": services.library(),
        "forbidden": forbidden,
        "can_review": request.staff.can("standards.review"),
    }
    return render(request, "standards/phrases.html", ctx)


def visible_violations(staff: Staff, scope: str) -> QuerySet[StandardsViolation]:
    """Reviewers (supervisors, inspectors) see their branch (company-level staff all branches); everyone
    sees their own with scope "mine"."""
    qs = StandardsViolation.objects.select_related("workorder", "staff", "branch")
    if scope == "mine" or not staff.can("standards.review"):
        return qs.filter(staff=staff)
    if staff.sees_all_branches or staff.branch_id is None:
        return qs
    return qs.filter(branch_id=staff.branch_id)


@require_GET
@staff_view
def violations(request: ConsoleRequest) -> HttpResponseBase:
    staff = request.staff
    can_review = staff.can("standards.review")
    scope = request.GET.get("scope") or ("branch" if can_review else "mine")
    if scope not in ("branch", "mine") or not can_review:
        scope = "mine"
    qs = visible_violations(staff, scope)
    who = request.GET.get("staff") or ""
    if who.isdecimal():
        qs = qs.filter(staff_id=int(who))
    fmt = exports.requested(request)
    if fmt:
        return _export_violations(fmt, qs)
    page = Paginator(qs, settings.KEFU_PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: v for k in ("scope", "staff") if (v := request.GET.get(k, ""))}
    ctx: dict[str, Any] = {
        "page": page,
        "scope": scope,
        "can_review": can_review,
        "query_string": urlencode(params),
        "export_links": exports.links(request),
    }
    return render(request, "standards/violations.html", ctx)


def _export_violations(fmt: str, qs: QuerySet[StandardsViolation]) -> HttpResponseBase:
    """Replies sent with a forbidden phrase: who, when, the phrase as written and as listed, the reason."""
    header = [_("At"), _("Staff"), _("Badge number"), _("Branch"), _("Order number"), _("Forbidden phrase"),
              _("Text"), _("Reason given"), _("Channel"), _("Source")]  # fmt: skip

    def phrases(v: StandardsViolation) -> str:
        out = []
        for p in v.phrases:
            matched, listed = p.get("matched", ""), p.get("phrase", "")
            out.append(matched if matched == listed else f"{matched} ({listed})")
        return "; ".join(out)

    def rows() -> Iterator[list[Any]]:
        for v in qs.iterator(chunk_size=2000):
            yield [v.at, v.staff.name, v.staff.badge_no, v.branch.name if v.branch else "", v.workorder.number,
                   phrases(v), v.excerpt, v.reason, v.get_channel_display(), v.source]  # fmt: skip

    return exports.respond(fmt, exports.filename("standards-violations"), _("Standards violations"), header,
                           rows())  # fmt: skip


@require_GET
@staff_view
def phrase_options(request: ConsoleRequest, key: str) -> HttpResponse:
    """The options of the order page's phrase picker, rendered for the order (HTMX fragment)."""
    o = access_workorder(request.user, key)
    return render(request, "standards/_phrase_options.html", {"groups": panels.phrase_options(o)})


@require_POST
@staff_view
def check(request: ConsoleRequest, key: str) -> HttpResponse:
    """The live hint under the reply box (HTMX): forbidden phrases, unfilled variables, missing greeting.
    Only reads; the reply itself is checked again when sent."""
    o = access_workorder(request.user, key)
    text = request.POST.get("body", "")[:20000]
    ctx: dict[str, Any] = {"matches": [], "warnings": [], "leftover": []}
    if text.strip():
        found = services.order_checker(o, text).find(text)
        ctx["matches"] = services.match_payload(found, o) if found else []
        ctx["leftover"] = ["{" + n + "}" for n in rules.leftover_variables(text)]
        ctx["warnings"] = services.greeting_warnings(
            text, o.channel, o.first_response_at is None, services.order_language(o)
        )
    return render(request, "standards/_live_check.html", ctx)
