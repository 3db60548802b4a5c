"""How many SMS segments a text costs (pure: no Django).

A text made only of GSM 03.38 characters goes in the 7-bit alphabet: 160 characters in one SMS, 153 per
segment of a longer one (the characters of the extension table, such as ``€ [ ] { } ~``, count twice). Any
other character — Chinese, and Hungarian ``á í ó ú ő ű`` — sends the whole text as UCS-2: 70 characters in
one SMS, 67 per segment of a longer one (a character outside the Basic Multilingual Plane counts twice).
These are the figures Chinese operators bill by (70 characters a message for Chinese text).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SmsLength:
    characters: int  # as counted by the encoding (UCS-2 code units, GSM septets)
    segments: int  # 0 for an empty text
    unicode: bool  # UCS-2 (70 a message) rather than the GSM alphabet (160)
    per_segment: int  # characters one segment holds at this length


def sms_length(text: str) -> SmsLength:
    """The length of ``text`` and the number of SMS segments it is sent in."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        single, part, unicode = GSM_SINGLE, GSM_PART, False
    else:
        units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, part, unicode = UCS2_SINGLE, UCS2_PART, True
    if units == 0:
        return SmsLength(0, 0, unicode, single)
    if units <= single:
        return SmsLength(units, 1, unicode, single)
    return SmsLength(units, math.ceil(units / part), unicode, part)
