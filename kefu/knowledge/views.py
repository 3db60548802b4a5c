"""Console pages of the knowledge base, the suggestions on the order page, the most-asked questions and
the staffing table. Portal pages are in ``portal_views.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.commitments.models import Service
from kefu.knowledge import actions, rules
from kefu.knowledge.models import Audience, BodyFormat, Category, Language
from kefu.lib import clock, exports
from kefu.lib.errors import KefuError
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.access import access_workorder, visible_workorders


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Question / title"), max_length=200)
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 12}))
    body_format = forms.ChoiceField(label=_("Format"), choices=BodyFormat.choices, initial=BodyFormat.TEXT)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, initial=Audience.CUSTOMERS)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ZH_HANS)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.filter(is_active=True), required=False
    )
    service_terms = forms.CharField(
        label=_("Service terms (free / charged from)"),
        max_length=300,
        required=False,
        help_text=_("What is free and from when a charge applies."),
    )
    published = forms.BooleanField(label=_("Published"), required=False)

    def to_input(self) -> actions.ArticleInput:
        d = self.cleaned_data
        return actions.ArticleInput(
            title=d["title"],
            body=d["body"],
            body_format=d["body_format"],
            audience=d["audience"],
            category_id=d["category"].pk if d["category"] else None,
            service_id=d["service"].pk if d["service"] else None,
            language=d["language"],
            service_terms=d["service_terms"],
            published=d["published"],
        )


def _apply_error(form: forms.Form, exc: KefuError) -> None:
    for e in getattr(exc, "errors", None) or [exc]:
        field = e.field if e.field in form.fields else None
        form.add_error(field, str(e.message))


@require_GET
@staff_view
def article_list(request: ConsoleRequest) -> HttpResponse:
    qs = actions.visible_articles(request.user)
    q = request.GET.get("q", "").strip()[:100]
    audience = request.GET.get("audience", "")
    if audience in Audience.values:
        qs = qs.filter(audience=audience)
    if q:
        qs = actions.search_articles(qs, q)
    page = Paginator(
        qs.order_by("category__position", "category__name", "category_id", "title", "id"),
        settings.KEFU_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    params = {k: v for k in ("q", "audience") if (v := request.GET.get(k, ""))}
    ctx = {
        "page": page,
        "q": q,
        "audience": audience,
        "audiences": Audience.choices,
        "can_edit": request.staff.can("knowledge.edit"),
        "can_staff": request.staff.can("staffing.view"),
        "query_string": urlencode(params),
    }
    return render(request, "knowledge/list.html", ctx)


@require_GET
@staff_view
def article_detail(request: ConsoleRequest, pk: int) -> HttpResponse:
    a = actions.access_article(request.user, pk)
    return render(
        request,
        "knowledge/detail.html",
        {
            "a": a,
            "can_edit": request.staff.can("knowledge.edit"),
            "is_html": a.body_format == BodyFormat.HTML,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view("knowledge.edit")
def article_edit(request: ConsoleRequest, pk: int | None = None) -> HttpResponse:
    article = actions.access_article(request.user, pk) if pk is not None else None
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                saved = actions.do_save_article(request.user, form.to_input(), pk)
            except KefuError as exc:
                _apply_error(form, exc)
            else:
                return redirect("console:knowledge_article", pk=saved.pk)
    elif article is not None:
        form = ArticleForm(
            initial={
                "title": article.title,
                "body": article.body,
                "body_format": article.body_format,
                "audience": article.audience,
                "language": article.language,
                "category": article.category_id,
                "service": article.service_id,
                "service_terms": article.service_terms,
                "published": article.published,
            }
        )
    else:
        initial: dict[str, Any] = {"title": request.GET.get("title", "")[:200]}
        if request.GET.get("service", "").isdecimal():
            initial["service"] = int(request.GET["service"])
        form = ArticleForm(initial=initial)
    return render(request, "knowledge/edit.html", {"form": form, "article": article})


# --- suggestions on the order page ---------------------------------------------------------------------


@require_GET
@staff_view
def suggestions(request: ConsoleRequest, key: str) -> HttpResponse:
    """HTMX fragment: articles matching the reply being written (first), then the order's title and
    description."""
    o = access_workorder(request.user, key)
    draft = request.GET.get("body", "")[:2000]
    found = actions.suggest(request.user, draft) if draft.strip() else []
    seen = {a.pk for a, _s in found}
    found += [(a, s) for a, s in actions.suggest(request.user, actions.order_text(o)) if a.pk not in seen]
    return render(request, "knowledge/_suggestions.html", {"found": found[:5], "o": o})


# --- most-asked questions --------------------------------------------------------------------------------


def _date_param(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return default


@require_GET
@staff_view("knowledge.edit")
def questions(request: ConsoleRequest) -> HttpResponseBase:
    """The most-asked questions of the orders received in a period (default: the last 30 days)."""
    today = clock.localdate()
    end = _date_param(request.GET.get("end", ""), today)
    start = _date_param(request.GET.get("start", ""), end - dt.timedelta(days=29))
    if start > end:
        start, end = end, start
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = (
        visible_workorders(request.user)
        .filter(received_at__gte=lo, received_at__lt=hi, merged_into__isnull=True)
        .values_list("title", "service_id", "service__name")[:50_000]
    )
    ranked = rules.top_questions(rules.OrderFact(t, s, n or "") for t, s, n in rows)
    # the article that best answers each question already (if any)
    for q in ranked:
        best = actions.suggest(request.user, " ".join([q.label, *q.examples]), limit=1)
        q.article = best[0][0] if best else None  # type: ignore[attr-defined]
    fmt = exports.requested(request)
    if fmt:
        header = ["#", _("Question"), _("Orders"), _("Examples"), _("Article")]
        lines = [
            [i, q.label, q.count, " · ".join(q.examples), q.article.title if q.article else ""]  # type: ignore[attr-defined]
            for i, q in enumerate(ranked, 1)
        ]
        name = exports.filename(f"most-asked-{start:%Y%m%d}-{end:%Y%m%d}")
        return exports.respond(fmt, name, _("Most-asked questions"), header, lines)
    ctx = {"ranked": ranked, "start": start, "end": end, "export_links": exports.links(request)}
    return render(request, "knowledge/questions.html", ctx)
