"""Consent rules of the message classes (pure: no Django; docs/privacy.md, "SMS and e-mail consent").

- which classes a recipient may refuse, which need prior consent and which SMS carry the opt-out text;
- what an inbound SMS asks for: an opt-out ("R", "TD", "退订", "STOP", "LEIRATKOZ" …), a re-subscription
  ("START", "恢复", "FELIRATKOZ" …), or neither (then it is an ordinary message to the service centre).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable

SERVICE = "service"
REMINDER = "reminder"
MARKETING = "marketing"
STAFF = "staff"

# classes a number or address may refuse (an SMS opt-out reply refuses all of them at once)
REFUSABLE: tuple[str, ...] = (REMINDER, MARKETING)


def refusable(message_class: str) -> bool:
    return message_class in REFUSABLE


def needs_consent(message_class: str) -> bool:
    """Marketing is sent only to a customer who gave prior consent (PIPL Art. 13/14, GDPR Art. 6(1)(a))."""
    return message_class == MARKETING


def needs_opt_out_text(message_class: str) -> bool:
    """Every SMS of these classes tells the recipient how to refuse further ones (commercial SMS rules)."""
    return message_class in REFUSABLE


class Suppression(enum.Enum):
    SEND = "send"
    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"


def decide(message_class: str, *, opted_out: bool, consent: bool) -> Suppression:
    """Whether a message of ``message_class`` may go to a recipient who ``opted_out`` of it and whose
    customer gave (or not) marketing ``consent``. Service and staff messages always go."""
    if not refusable(message_class):
        return Suppression.SEND
    if opted_out:
        return Suppression.OPTED_OUT
    if needs_consent(message_class) and not consent:
        return Suppression.NO_CONSENT
    return Suppression.SEND


class Keyword(enum.Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


# compared after normalising: upper case, accents removed, spaces and punctuation dropped
OPT_OUT_WORDS = frozenset(
    {
        "R",
        "TD",
        "T",
        "退订",
        "退定",
        "拒收",
        "STOP",
        "UNSUBSCRIBE",
        "LEIRATKOZ",
        "LEIRATKOZAS",
        "LEIRATKOZOM",
    }
)
OPT_IN_WORDS = frozenset(
    {"START", "UNSTOP", "恢复", "订阅", "恢复订阅", "FELIRATKOZ", "FELIRATKOZAS", "FELIRATKOZOM"}
)

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _DROP.sub("", plain).upper()


def keyword(text: str, extra_out: Iterable[str] = (), extra_in: Iterable[str] = ()) -> Keyword | None:
    """The request an inbound SMS makes when its whole text is one of the words, or one of the configured
    ``extra_out``/``extra_in`` words (a sentence that merely contains "stop" is a message to read, not an
    opt-out)."""
    word = normalize(text)
    if not word:
        return None
    if word in OPT_OUT_WORDS or word in {normalize(w) for w in extra_out}:
        return Keyword.OPT_OUT
    if word in OPT_IN_WORDS or word in {normalize(w) for w in extra_in}:
        return Keyword.OPT_IN
    return None


def has_opt_out_text(body: str, opt_out_text: str) -> bool:
    """Whether ``body`` already carries ``opt_out_text`` (compared without spaces and punctuation, so a
    provider template that words it 拒收请回复R。 counts)."""
    wanted = normalize(opt_out_text)
    return bool(wanted) and wanted in normalize(body)


def with_opt_out_text(body: str, opt_out_text: str) -> str:
    """``body`` with the opt-out sentence appended once."""
    if not opt_out_text.strip() or has_opt_out_text(body, opt_out_text):
        return body
    return f"{body.rstrip()} {opt_out_text.strip()}"
