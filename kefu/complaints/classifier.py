"""Customer type from what the customer writes (R-25): demanding, confused or agitated.

Pure and transparent: a fixed lexicon (Chinese and English) and a few signals, each adding a known
weight to one type. The result names every signal that fired, so the agent sees *why* a type is
suggested and can overrule it. No Django, no I/O.

- demanding (要求型) wants information: questions asking for facts (请问, 多少, 什么时候, how much, when);
- confused (困惑型) has a misunderstanding: 为什么, 怎么回事, 不明白, why, don't understand;
- agitated (激动型) is upset: exclamation marks (also the full-width ！), insults, urgency words
  (马上, 立刻, urgent, immediately), shouting in capitals, and repeated contacts about the matter.

The highest score wins, but "agitated" only from a score of ``AGITATED_MIN`` (3): one exclamation mark
or a polite "please hurry" (尽快) alone is not an upset customer. When nothing fires the suggestion is "demanding" with all scores zero (every
customer wants information). Ties go to agitated, then confused: missing an upset customer costs more
than calming one who was not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum


class CustomerType(StrEnum):
    DEMANDING = "demanding"
    CONFUSED = "confused"
    AGITATED = "agitated"


@dataclass(frozen=True)
class Signal:
    code: str  # "urgency", "insult", "exclamation", "repeat_contacts", "confusion", "information", "capitals"
    type: CustomerType
    weight: int
    evidence: str  # the words or the count that fired it


@dataclass(frozen=True)
class Classification:
    suggested: CustomerType
    scores: dict[str, int] = field(default_factory=dict)
    signals: tuple[Signal, ...] = ()

    @property
    def confident(self) -> bool:
        """True when at least one signal fired (else the suggestion is only the default)."""
        return bool(self.signals)


URGENCY_WORDS = (
    "马上",
    "立刻",
    "立即",
    "赶紧",
    "赶快",
    "尽快",
    "火速",
    "十万火急",
    "urgent",
    "urgently",
    "immediately",
    "right now",
    "asap",
    "at once",
)
INSULT_WORDS = (
    "垃圾",
    "骗子",
    "混蛋",
    "王八蛋",
    "废物",
    "滚蛋",
    "坑人",
    "太差劲",
    "无耻",
    "去死",
    "他妈",
    "妈的",
    "什么破",
    "idiot",
    "stupid",
    "useless",
    "scam",
    "liars",
    "liar",
    "rubbish",
    "crap",
    "damn",
    "pathetic",
    "incompetent",
)
ANGER_WORDS = (
    "投诉你们",
    "曝光",
    "找媒体",
    "12315",
    "气死",
    "受够了",
    "忍无可忍",
    "太过分",
    "fed up",
    "unacceptable",
    "ridiculous",
    "outrageous",
    "sue you",
)
CONFUSION_WORDS = (
    "为什么",
    "为啥",
    "怎么回事",
    "不明白",
    "不理解",
    "搞不懂",
    "弄不懂",
    "看不懂",
    "不清楚",
    "糊涂",
    "莫名其妙",
    "怎么会",
    "why",
    "don't understand",
    "dont understand",
    "do not understand",
    "confused",
    "confusing",
    "makes no sense",
    "what does this mean",
)
INFORMATION_WORDS = (
    "请问",
    "多少",
    "什么时候",
    "几点",
    "多久",
    "哪里",
    "在哪",
    "能否告知",
    "告诉我",
    "想了解",
    "咨询",
    "how much",
    "how long",
    "when",
    "where",
    "which",
    "could you tell",
    "please tell",
    "i would like to know",
    "what is the",
)

EXCLAMATIONS = ("!", "！")
AGITATED_MIN = 3  # the agitated score needed before "agitated" is suggested
REPEAT_CONTACTS_THRESHOLD = 2  # earlier contacts in the window from which the customer counts as repeating

_ASCII_WORD = re.compile(r"^[a-z0-9' ]+$")


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits, but keep the full-width ！ apart (it is counted as such)
    return unicodedata.normalize("NFKC", text.replace("！", "\x00")).replace("\x00", "！").casefold()


def _find(text: str, words: tuple[str, ...]) -> list[str]:
    """The lexicon entries found in ``text``: English as whole words, Chinese as substrings."""
    found = []
    for w in words:
        if _ASCII_WORD.match(w):
            if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text):
                found.append(w)
        elif w in text:
            found.append(w)
    return found


def classify(text: str, *, recent_contacts: int = 0) -> Classification:
    """Suggest the customer type of ``text``.

    ``recent_contacts`` is the number of the customer's earlier contacts (orders and messages) in the
    recent window, counted by the caller; from ``REPEAT_CONTACTS_THRESHOLD`` on it points to agitation.
    """
    t = _normalise(text or "")
    signals: list[Signal] = []

    urgency = _find(t, URGENCY_WORDS)
    if urgency:
        signals.append(Signal("urgency", CustomerType.AGITATED, 2 * len(urgency), ", ".join(urgency)))
    insults = _find(t, INSULT_WORDS)
    if insults:
        signals.append(Signal("insult", CustomerType.AGITATED, 4 * len(insults), ", ".join(insults)))
    anger = _find(t, ANGER_WORDS)
    if anger:
        signals.append(Signal("anger", CustomerType.AGITATED, 3 * len(anger), ", ".join(anger)))
    marks = sum(t.count(m) for m in EXCLAMATIONS)
    if marks:
        # one mark is emphasis, several are shouting; capped so punctuation alone cannot dominate
        signals.append(Signal("exclamation", CustomerType.AGITATED, min(marks, 4), str(marks)))
    shouted = [w for w in re.findall(r"[A-Za-z]{3,}", text or "") if w.isupper()]
    if len(shouted) >= 2:
        signals.append(Signal("capitals", CustomerType.AGITATED, 2, " ".join(shouted[:5])))
    if recent_contacts >= REPEAT_CONTACTS_THRESHOLD:
        signals.append(
            Signal("repeat_contacts", CustomerType.AGITATED, min(recent_contacts, 5), str(recent_contacts))
        )

    confusion = _find(t, CONFUSION_WORDS)
    if confusion:
        signals.append(Signal("confusion", CustomerType.CONFUSED, 3 * len(confusion), ", ".join(confusion)))

    information = _find(t, INFORMATION_WORDS)
    questions = t.count("?") + t.count("？")
    if information:
        signals.append(
            Signal("information", CustomerType.DEMANDING, 3 * len(information), ", ".join(information))
        )
    if questions and not confusion:
        signals.append(Signal("question", CustomerType.DEMANDING, min(questions, 2), str(questions)))

    scores = {ct.value: 0 for ct in CustomerType}
    for s in signals:
        scores[s.type.value] += s.weight
    if not signals:
        return Classification(CustomerType.DEMANDING, scores, ())
    # highest score wins; ties go to agitated first, then confused (see the module docstring);
    # agitated needs AGITATED_MIN: a lone "!" or "please hurry" is not an upset customer
    order = [CustomerType.AGITATED, CustomerType.CONFUSED, CustomerType.DEMANDING]
    if scores[CustomerType.AGITATED.value] < AGITATED_MIN:
        order.remove(CustomerType.AGITATED)
    best = max(order, key=lambda ct: (scores[ct.value], -order.index(ct)))
    if scores[best.value] == 0:
        best = CustomerType.DEMANDING
    return Classification(best, scores, tuple(signals))


GUIDANCE_KEYS = {
    CustomerType.DEMANDING: "give_information",
    CustomerType.CONFUSED: "explain_simply",
    CustomerType.AGITATED: "calm_first",
}
