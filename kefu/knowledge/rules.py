"""Pure rules of the knowledge base (no Django, no I/O).

* :func:`rank_articles` — which articles best match a text (an order's title and description, the reply
  being written). Chinese has no spaces, so texts are compared by their overlapping character bigrams
  (the same normalisation as ``kefu.lib.search``). Each bigram of the query found in an article scores its
  inverse document frequency ``ln(1 + n / df)`` (``n`` articles, ``df`` of them contain it), three times
  when it is in the title; the sum is divided by ``sqrt(number of bigrams of the article)`` so long
  articles do not win by length alone. Pairs with punctuation and the question words of
  ``QUESTION_WORDS`` (怎么, 如何, 您好, …) are not compared. An article sharing only one pair with the
  query is suggested only when that pair is in its title (我要退款 finds "如何申请退款", 燃气费怎么交 does
  not find "宽带无法上网怎么办"); below ``min_score`` nothing is.
* :func:`top_questions` — the most-asked questions from orders: an order with a service counts for that
  service; the others are grouped by their title's topic — the title normalised (NFKC, case-folded,
  everything but letters cut) and put in the first group (most frequent first) whose topic shares at least
  ``similarity`` (Jaccard) of its bigrams, else a new group. Groups are ranked by the number of orders.

The staffing table's slot rules are in ``kefu.reports.staffing_rules``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_NON_LETTERS = re.compile(r"[^\w]|[\d_]", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed (as ``kefu.lib.search.normalize``)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def bigrams(text: str) -> set[str]:
    norm = normalize(text)
    return {norm[i : i + 2] for i in range(len(norm) - 1) if not any(c.isspace() for c in norm[i : i + 2])}


def topic(title: str) -> str:
    """A title reduced to its letters (Chinese characters and Latin letters), for grouping."""
    return _NON_LETTERS.sub("", normalize(title))


# Chinese question and courtesy words: they occur in most questions and say nothing about the topic.
QUESTION_WORDS = frozenset(
    {
        "怎么",
        "么办",
        "如何",
        "什么",
        "为什",
        "为何",
        "怎样",
        "请问",
        "您好",
        "你好",
        "我要",
        "我想",
        "可以",
        "是否",
        "一下",
        "谢谢",
        "么样",
        "能否",
        "哪里",
        "多少",
    }
)


@dataclass(frozen=True)
class Doc:
    id: int
    title: str
    text: str  # title + body, plain


@dataclass(frozen=True)
class Match:
    id: int
    score: float


def rank_articles(query: str, docs: Sequence[Doc], *, limit: int = 5, min_score: float = 0.3) -> list[Match]:
    """The ``limit`` best articles for ``query`` (best first; ties by lower id)."""
    q = {g for g in bigrams(query) if g.isalnum()} - QUESTION_WORDS
    if not q or not docs:
        return []
    grams = [(d, bigrams(d.title), bigrams(d.text)) for d in docs]
    df: Counter[str] = Counter()
    for _d, _t, g in grams:
        df.update(g & q)
    n = len(docs)
    idf = {g: math.log(1 + n / c) for g, c in df.items()}
    out = []
    for d, tg, g in grams:
        hits = g & q
        if len(hits) < 2 and not hits & tg:
            continue
        raw = sum(idf[h] * (3 if h in tg else 1) for h in hits)
        out.append(Match(d.id, round(raw / math.sqrt(max(len(g), 1)), 4)))
    out = [m for m in out if m.score >= min_score]
    out.sort(key=lambda m: (-m.score, m.id))
    return out[:limit]


@dataclass(frozen=True)
class OrderFact:
    """What the ranking needs of one order."""

    title: str
    service_id: int | None = None
    service_name: str = ""


@dataclass
class Question:
    key: str  # "service:<id>" or "topic:<representative topic>"
    label: str  # the service name, or the most frequent title of the group
    count: int = 0
    service_id: int | None = None
    titles: Counter[str] = field(default_factory=Counter)

    @property
    def examples(self) -> list[str]:
        """The three most frequent titles (ties: the shorter, then alphabetical)."""
        return [t for t, _n in sorted(self.titles.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[:3]]


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 1.0 if a == b else 0.0
    return len(a & b) / len(a | b)


def top_questions(orders: Iterable[OrderFact], *, limit: int = 20, similarity: float = 0.5) -> list[Question]:
    """Groups of orders asking the same thing, most asked first (ties by label)."""
    by_service: dict[int, Question] = {}
    topics: Counter[str] = Counter()
    titles_of: dict[str, Counter[str]] = {}
    for o in orders:
        if o.service_id is not None:
            q = by_service.setdefault(
                o.service_id,
                Question(
                    f"service:{o.service_id}", o.service_name or str(o.service_id), service_id=o.service_id
                ),
            )
            q.count += 1
            q.titles[o.title.strip()] += 1
            continue
        t = topic(o.title)
        if not t:
            continue
        topics[t] += 1
        titles_of.setdefault(t, Counter())[o.title.strip()] += 1
    groups: list[tuple[set[str], Question]] = []
    for t, n in sorted(topics.items(), key=lambda kv: (-kv[1], kv[0])):
        g = bigrams(t) or {t}
        found = next((grp for rep, grp in groups if _jaccard(g, rep) >= similarity), None)
        if found is None:
            found = Question(f"topic:{t}", "")
            groups.append((g, found))
        q = found
        q.count += n
        q.titles.update(titles_of[t])
    result = list(by_service.values()) + [q for _g, q in groups]
    for q in result:
        if not q.label:
            q.label = q.examples[0]
    result.sort(key=lambda q: (-q.count, q.label))
    return result[:limit]
