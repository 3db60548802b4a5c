"""Use cases of the knowledge base: saving articles, finding them, suggesting them for an order.

Lock order: an article is saved alone (no other row locked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.commitments.models import Service
from kefu.knowledge import rules
from kefu.knowledge.models import Article, Audience, BodyFormat, Category, Language
from kefu.lib import clock, search
from kefu.lib.errors import KefuError, NotFound, ValidationFailed, raise_if
from kefu.lib.html import html_to_text, sanitise_html
from kefu.organization.access import Actor, require_staff, staff_of

MAX_BODY = 50_000


@dataclass
class ArticleInput:
    title: str
    body: str
    body_format: str = BodyFormat.TEXT
    audience: str = Audience.CUSTOMERS
    category_id: int | None = None
    service_id: int | None = None
    language: str = Language.ZH_HANS
    service_terms: str = ""
    published: bool = False


def plain_text(article: Article) -> str:
    """The answer as plain text (HTML bodies are stored sanitised)."""
    return html_to_text(article.body) if article.body_format == BodyFormat.HTML else article.body


def article_search_text(article: Article) -> str:
    parts = [article.title, plain_text(article), article.service_terms]
    return search.normalize(" ".join(p for p in parts if p))


def _clean(data: ArticleInput) -> tuple[dict[str, Any], list[KefuError]]:
    errors: list[KefuError] = []
    title = " ".join((data.title or "").split())
    if not title:
        errors.append(ValidationFailed("required", _("Give the question or title."), "title"))
    elif len(title) > 200:
        errors.append(ValidationFailed("too_long", _("The title is longer than 200 characters."), "title"))
    body = (data.body or "").strip()
    if data.body_format not in BodyFormat.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown format."), "body_format"))
    elif data.body_format == BodyFormat.HTML:
        body = sanitise_html(body).strip()
    if not body or (data.body_format == BodyFormat.HTML and not html_to_text(body)):
        errors.append(ValidationFailed("required", _("Write the answer."), "body"))
    elif len(body) > MAX_BODY:
        errors.append(ValidationFailed("too_long", _("The answer is longer than 50,000 characters."), "body"))
    if data.audience not in Audience.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown audience."), "audience"))
    if data.language not in Language.values:
        errors.append(ValidationFailed("invalid_choice", _("Unknown language."), "language"))
    category = None
    if data.category_id:
        category = Category.objects.filter(pk=data.category_id).first()
        if category is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown category."), "category"))
    service = None
    if data.service_id:
        service = Service.objects.filter(pk=data.service_id).first()
        if service is None:
            errors.append(ValidationFailed("invalid_choice", _("Unknown service."), "service"))
    terms = " ".join((data.service_terms or "").split())
    if len(terms) > 300:
        errors.append(
            ValidationFailed(
                "too_long", _("The service terms are longer than 300 characters."), "service_terms"
            )
        )
    values = {
        "title": title,
        "body": body,
        "body_format": data.body_format,
        "audience": data.audience,
        "category": category,
        "service": service,
        "language": data.language,
        "service_terms": terms,
        "published": bool(data.published),
    }
    return values, errors


@transaction.atomic
def do_save_article(user: Actor, data: ArticleInput, article_id: int | None = None) -> Article:
    """Create (``article_id`` None) or update an article; audited, search index kept in step."""
    staff = require_staff(user, "knowledge.edit")
    values, errors = _clean(data)
    raise_if(errors)
    now = clock.now()
    if article_id is None:
        a = Article(created_at=now, updated_at=now, updated_by=staff, **values)
        before: dict[str, Any] = {}
    else:
        found = Article.objects.select_for_update().filter(pk=article_id).order_by().first()
        if found is None:
            raise NotFound("not_found", _("No such article."))
        a = found
        before = audit.snapshot(a)
        for k, v in values.items():
            setattr(a, k, v)
        if not audit.diff(before, audit.snapshot(a))[1]:
            return a
        a.updated_at = now
        a.updated_by = staff
    a.search_text = article_search_text(a)
    a.save()
    search.sync(a)
    if article_id is None:
        audit.record(user, "knowledge.article_create", a, after=audit.snapshot(a), summary=a.title)
    else:
        b, after = audit.diff(before, audit.snapshot(a))
        audit.record(user, "knowledge.article_update", a, before=b, after=after, summary=a.title)
    return a


# --- reading --------------------------------------------------------------------------------------------


def visible_articles(user: Actor) -> QuerySet[Article]:
    """Staff see internal and public articles (editors also unpublished ones); everyone else sees
    published customer articles only."""
    qs = Article.objects.select_related("category", "service")
    staff = staff_of(user)
    if staff is None:
        return qs.filter(published=True, audience=Audience.CUSTOMERS)
    if staff.can("knowledge.edit"):
        return qs
    return qs.filter(published=True)


def access_article(user: Actor, article_id: int) -> Article:
    a = visible_articles(user).filter(pk=article_id).first()
    if a is None:
        raise NotFound("not_found", _("No such article."))
    return a


def search_articles(qs: QuerySet[Article], query: str) -> QuerySet[Article]:
    """Articles whose title, answer or terms contain every word of ``query`` (Chinese substrings of
    two or more characters work on both databases: ``kefu.lib.search``)."""
    return search.filter_queryset(qs, query)


def portal_language(language: str | None) -> str:
    return Language.EN if (language or "").startswith("en") else Language.ZH_HANS


# --- suggestions ------------------------------------------------------------------------------------------

MAX_CANDIDATES = 2000


def suggest(user: Actor, text: str, *, limit: int = 5) -> list[tuple[Article, float]]:
    """The published articles (internal and public) best matching ``text``, best first.

    Candidates are the most recently updated published articles (at most ``MAX_CANDIDATES``) sharing at
    least one bigram with the text — on PostgreSQL through the GIN index (``&&``), on SQLite through the
    FTS table (``OR``) — ranked by :func:`kefu.knowledge.rules.rank_articles`.
    """
    require_staff(user)
    grams = rules.bigrams(text[:4000])
    if not grams:
        return []
    qs = Article.objects.filter(published=True)
    gram_list = sorted(grams)
    if connection.vendor == "postgresql":
        qs = qs.extra(where=['"knowledge_article"."search_grams" && %s::text[]'], params=[gram_list])
    elif connection.vendor == "sqlite":
        match = " OR ".join(search._token(g) for g in gram_list)
        qs = qs.extra(
            where=[
                '"knowledge_article"."id" IN (SELECT rowid FROM kefu_fts_article WHERE kefu_fts_article MATCH %s)'
            ],
            params=[match],
        )
    rows = list(qs.order_by("-updated_at").values_list("id", "title", "search_text")[:MAX_CANDIDATES])
    docs = [rules.Doc(pk, title, st) for pk, title, st in rows]
    ranked = rules.rank_articles(text, docs, limit=limit)
    if not ranked:
        return []
    by_id = Article.objects.select_related("category").in_bulk([m.id for m in ranked])
    return [(by_id[m.id], m.score) for m in ranked if m.id in by_id]


def order_text(order: Any) -> str:
    return f"{order.title}\n{order.description[:2000]}"
