"""Pure rules of the customer's rights over their personal information (PIPL Art. 44-47, GDPR Art. 15-21).

No Django, no I/O. Which legal regime a branch answers under (and so which time limit applies), and how
free text kept after an erasure loses the person's identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum


class RequestKind(StrEnum):
    COPY = "copy"  # a copy of the personal data and service history (PIPL Art. 45, GDPR Art. 15 and 20)
    CORRECTION = "correction"  # PIPL Art. 46, GDPR Art. 16
    CONSENT_WITHDRAWAL = "consent_withdrawal"  # marketing consent (PIPL Art. 15, GDPR Art. 7(3), 21(2))
    ERASURE = "erasure"  # PIPL Art. 47, GDPR Art. 17: anonymisation that keeps what other laws require


class Regime(StrEnum):
    PIPL = "pipl"  # China: answered within 15 working days (practice under PIPL Art. 50, GB/T 35273 8.7)
    GDPR = "gdpr"  # EU: within one month of receipt (GDPR Art. 12(3))


# the service-catalogue codes of the two requests (created by commitments migration 0013 with their limits)
SERVICE_CODES: dict[Regime, str] = {
    Regime.PIPL: "personal-information-request",
    Regime.GDPR: "personal-information-request-gdpr",
}


def regime_for(branch_code: str, gdpr_branches: Iterable[str]) -> Regime:
    """GDPR for the branches named in ``KEFU_GDPR_BRANCHES`` (their codes; ``*`` means every branch),
    PIPL for the others."""
    codes = {c.strip().lower() for c in gdpr_branches}
    return Regime.GDPR if "*" in codes or branch_code.lower() in codes else Regime.PIPL


ERASED = "[…]"
MIN_NEEDLE = 2  # a one-character "name" would blank every text that contains that character


def needles(values: Iterable[str]) -> list[str]:
    """The identifiers to cut out of kept free text: each non-empty value, and for a phone number its
    digits with and without the country code (+86 138…, 138…); longest first so that a longer match wins."""
    found: set[str] = set()
    for raw in values:
        value = (raw or "").strip()
        if len(value) < MIN_NEEDLE:
            continue
        found.add(value)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 7 and (value.startswith("+") or value.replace(" ", "").replace("-", "").isdigit()):
            found.add(digits)
            if value.startswith("+86") or (digits.startswith("86") and len(digits) == 13):
                found.add(digits[2:])
            if value.startswith("+36") and len(digits) > 9:
                found.add("06" + digits[2:])
    return sorted(found, key=lambda s: (-len(s), s))


def redact(text: str, cut: Iterable[str]) -> str:
    """``text`` with every occurrence of each identifier in ``cut`` (see :func:`needles`) replaced by
    ``[…]``, case-insensitively."""
    if not text:
        return text
    items = [n for n in cut if n]
    if not items:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in sorted(items, key=len, reverse=True)), re.IGNORECASE)
    return pattern.sub(ERASED, text)
