"""Portal FAQ: published customer articles, searchable with Chinese substrings, no login needed."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from kefu.knowledge import actions
from kefu.knowledge.models import Article, Audience, BodyFormat

PAGE_SIZE = 20


@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    """Articles in the visitor's language; a search with no hit there also looks in the other language."""
    lang = actions.portal_language(get_language())
    q = request.GET.get("q", "").strip()[:100]
    base = Article.objects.filter(published=True, audience=Audience.CUSTOMERS).select_related("category")
    qs = base.filter(language=lang)
    other_language = False
    if q:
        qs = actions.search_articles(qs, q)
        if not qs.exists():
            qs = actions.search_articles(base, q)
            other_language = True
    page = Paginator(
        qs.order_by("category__position", "category__name", "category_id", "title", "id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "q": q,
        "lang": lang,
        "other_language": other_language and page.paginator.count > 0,
        "query_string": urlencode({"q": q} if q else {}),
    }
    return render(request, "knowledge/portal_faq.html", ctx)


@require_GET
def faq_article(request: HttpRequest, pk: int) -> HttpResponse:
    a = (
        Article.objects.filter(pk=pk, published=True, audience=Audience.CUSTOMERS)
        .select_related("category", "service")
        .first()
    )
    if a is None:
        raise Http404
    return render(
        request,
        "knowledge/portal_article.html",
        {"a": a, "is_html": a.body_format == BodyFormat.HTML, "q": request.GET.get("q", "")[:100]},
    )
