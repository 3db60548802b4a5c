"""Pure rules of tags and custom fields (no Django, no I/O): tag names, field keys, parsing and checking
a value of each kind, which fields an order still lacks for a status."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"


class Scope(StrEnum):
    ORDER = "order"
    CUSTOMER = "customer"


TAG_MAX = 50
TEXT_MAX = 255
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SPACES = re.compile(r"\s+")
# no NUL (PostgreSQL cannot store it) nor other control characters in what is stored
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` without control characters (tabs and line breaks stay)."""
    return _CONTROL.sub("", text or "")


def normalise_tag(name: str) -> str:
    """A tag as stored: NFKC (full-width letters and digits become ASCII), lower case, inner spaces one
    hyphen, no commas or ``#``; "" when nothing is left. ``" VIP 客户 "`` → ``"vip-客户"``."""
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", name or "")).strip().lstrip("#").strip().lower()
    text = text.replace(",", " ").replace("，", " ").replace("、", " ")
    return _SPACES.sub("-", text.strip())


def split_tags(text: str) -> list[str]:
    """Tag names typed in one box, separated by commas (also Chinese ，、) or new lines; normalised,
    duplicates once, in the order typed."""
    out: list[str] = []
    for part in re.split(r"[,，、\n;；]", text or ""):
        name = normalise_tag(part)
        if name and name not in out:
            out.append(name)
    return out


class ValueProblem(Exception):
    """Why a value does not fit its field; ``code`` is stable, ``message`` English (the caller translates
    by code)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class FieldSpec:
    """What the rules need of a definition."""

    key: str
    kind: str
    choices: Sequence[str] = ()
    pattern: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    order_types: Sequence[str] = ()
    required_at: Sequence[str] = ()
    scope: str = Scope.ORDER.value
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def parse_value(spec: FieldSpec, raw: Any) -> list[Any]:
    """The typed values of ``raw`` for ``spec`` (a list: one value, or the chosen options of a multi-choice
    field; [] for an empty value, which clears the field). Raises ``ValueProblem``."""
    if raw is None:
        return []
    if spec.kind == Kind.MULTI_CHOICE:
        items = raw if isinstance(raw, list | tuple) else list(re.split(r"[,，\n]", str(raw)))
        chosen: list[str] = []
        for item in items:
            text = _CONTROL.sub("", str(item)).strip()
            if not text:
                continue
            if text not in spec.choices:
                raise ValueProblem("invalid_choice", value=text, choices=", ".join(spec.choices))
            if text not in chosen:
                chosen.append(text)
        return chosen
    if isinstance(raw, list | tuple):
        if len(raw) > 1:
            raise ValueProblem("one_value")
        raw = raw[0] if raw else None
        if raw is None:
            return []
    if spec.kind == Kind.NUMBER:
        if isinstance(raw, bool):
            raise ValueProblem("not_a_number", value=str(raw))
        text = str(raw).strip().replace(",", "")
        if not text:
            return []
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueProblem("not_a_number", value=text) from None
        if not number.is_finite() or abs(number) >= Decimal("1e14"):
            raise ValueProblem("not_a_number", value=text)
        number = number.quantize(Decimal("0.0001"))
        if spec.min_value is not None and number < spec.min_value:
            raise ValueProblem("too_small", minimum=_plain(spec.min_value))
        if spec.max_value is not None and number > spec.max_value:
            raise ValueProblem("too_large", maximum=_plain(spec.max_value))
        return [number]
    if spec.kind == Kind.DATE:
        if isinstance(raw, dt.datetime):
            raise ValueProblem("not_a_date", value=str(raw))
        if isinstance(raw, dt.date):
            return [raw]
        text = str(raw).strip()
        if not text:
            return []
        try:
            return [dt.date.fromisoformat(text)]
        except ValueError:
            raise ValueProblem("not_a_date", value=text) from None
    text = unicodedata.normalize("NFC", str(raw)).strip()
    if not text:
        return []
    if _CONTROL.search(text):
        raise ValueProblem("one_line")
    if spec.kind == Kind.CHOICE:
        if text not in spec.choices:
            raise ValueProblem("invalid_choice", value=text, choices=", ".join(spec.choices))
        return [text]
    if len(text) > TEXT_MAX:
        raise ValueProblem("too_long", maximum=TEXT_MAX)
    if "\n" in text or "\r" in text:
        raise ValueProblem("one_line")
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        raise ValueProblem("pattern", pattern=spec.pattern)
    return [text]


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def show(kind: str, values: Sequence[Any]) -> str:
    """A value as people read it (exports, the page): numbers without trailing zeros, dates ISO, options
    joined by ", "."""
    out = []
    for v in values:
        if isinstance(v, Decimal):
            out.append(_plain(v))
        elif isinstance(v, dt.date):
            out.append(v.isoformat())
        else:
            out.append(str(v))
    return ", ".join(out)


def applies_to(spec: FieldSpec, order_type: str) -> bool:
    """Whether an order of ``order_type`` has the field (customer fields: every order's customer)."""
    return spec.scope != Scope.ORDER or not spec.order_types or order_type in spec.order_types


def missing_for(
    specs: Iterable[FieldSpec], order_type: str, to_status: str, filled: set[str]
) -> list[FieldSpec]:
    """The fields required at ``to_status`` that an order of ``order_type`` lacks (``filled``: the keys
    with a value on the order or its customer)."""
    return [
        s for s in specs if to_status in s.required_at and applies_to(s, order_type) and s.key not in filled
    ]


def check_key(key: str) -> bool:
    return bool(KEY_RE.match(key or ""))


def check_pattern(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True
