"""Masking of personal data (docs/privacy.md, "Masking"): how a phone number, an e-mail address, a postal
address or an ID-card number is shown to someone who does not need it in full.

Pure: no Django, no I/O. Used by the console's template tags (``privacy_tags``), the exports and the API's
output (``kefu.api.render``), so every screen masks the same way:

- phone ``13812341234`` → ``138****1234`` (``+86`` dropped; other countries keep their ``+`` prefix);
- e-mail ``zhang.san@example.com`` → ``z***@example.com``;
- address ``广州市天河区体育西路123号4栋501室`` → ``广州市天河区体育西路***`` (the street without the house number);
- ID card ``440106199001011234`` → ``440106********1234`` (region code and the last four).
"""

from __future__ import annotations

import re
from typing import Final

PHONE: Final = "phone"
EMAIL: Final = "email"
ADDRESS: Final = "address"
ID_CARD: Final = "id_card"
KINDS: Final = (PHONE, EMAIL, ADDRESS, ID_CARD)

STARS = "****"
_DIGIT = re.compile(r"[0-9０-９]")
_DIGIT_TOKEN = re.compile(r"[^\s,，]*[0-9０-９][^\s,，]*")
_CJK = re.compile(r"[\u3400-\u9fff]")


def mask_phone(value: str) -> str:
    """``138****1234``: the first three and the last four digits; a number too short to mask so is
    hidden whole except its last two digits."""
    text = (value or "").strip()
    if not text:
        return ""
    plus = text.startswith("+")
    digits = re.sub(r"\D", "", text)
    if plus and digits.startswith("86"):  # the national form: 138…, or 010… for a landline
        digits = digits[2:]
        if not (len(digits) == 11 and digits.startswith("1")):
            digits = "0" + digits
        plus = False
    if len(digits) >= 7:
        return f"{'+' if plus else ''}{digits[:3]}{STARS}{digits[-4:]}"
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return STARS


def mask_email(value: str) -> str:
    """``z***@example.com``: the first character of the local part and the whole domain."""
    text = (value or "").strip()
    if not text:
        return ""
    local, at, domain = text.partition("@")
    if not at:
        return text[:1] + "***"
    return f"{local[:1]}***@{domain}"


def mask_address(value: str) -> str:
    """The street without the house number: a Chinese address is cut at its first digit (号, 栋, 室 and
    what follows go with it); an address that starts with its number (``12 Main Street``) has every
    token holding a digit replaced by ``***``."""
    text = (value or "").strip()
    if not text:
        return ""
    first = _DIGIT.search(text)
    if first is None:
        return text
    head = text[: first.start()].rstrip(" ,，-–/")
    if head:
        return f"{head}***" if _CJK.match(head[-1]) else f"{head} ***"
    return _DIGIT_TOKEN.sub("***", text)


def mask_id_card(value: str) -> str:
    """``440106********1234``: the region code (first six) and the last four characters of an 18-character
    resident ID; anything shorter keeps only its first and last character."""
    text = (value or "").strip().replace(" ", "")
    if not text:
        return ""
    if len(text) >= 15:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) > 2:
        return text[:1] + "*" * (len(text) - 2) + text[-1:]
    return "*" * len(text)


def mask_other(value: str) -> str:
    """Any other identifier (a WeChat id, an account name): its first character and ``***``."""
    text = (value or "").strip()
    return f"{text[:1]}***" if text else ""


_MASKS = {PHONE: mask_phone, EMAIL: mask_email, ADDRESS: mask_address, ID_CARD: mask_id_card}


def mask(kind: str, value: str | None) -> str:
    """``value`` masked as ``kind`` (one of :data:`KINDS`); ValueError for another kind."""
    try:
        fn = _MASKS[kind]
    except KeyError:
        raise ValueError(f"unknown kind of personal data: {kind!r}") from None
    return fn(value or "")


def shown(kind: str, value: str | None, *, unmasked: bool) -> str:
    """What a viewer sees: the value itself when ``unmasked``, else :func:`mask` (:func:`mask_other` for a
    kind not in :data:`KINDS`, such as a contact point's ``wechat``)."""
    if unmasked:
        return value or ""
    return mask(kind, value) if kind in _MASKS else mask_other(value or "")
