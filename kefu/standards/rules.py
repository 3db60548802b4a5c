"""Pure rules of the service standards: phrase variables and required greetings. No Django."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kefu.standards.checker import normalise

# the variables a standard phrase may use, in the order the help text lists them
VARIABLES = ("customer_name", "order_number", "missing_materials", "deadline")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Problem:
    code: str  # "unknown_variable" | "missing_value"
    variable: str


@dataclass(frozen=True)
class Rendered:
    text: str
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def unknown_variables(template: str) -> list[str]:
    """The placeholders of ``template`` that are not variables, in order, each once."""
    seen: list[str] = []
    for name in _PLACEHOLDER.findall(template or ""):
        if name not in VARIABLES and name not in seen:
            seen.append(name)
    return seen


def render(template: str, values: Mapping[str, str | None]) -> Rendered:
    """Fill ``{variable}`` placeholders from ``values``. An unknown variable, or a known one without a value
    for this order, is left in place and reported (each once), so it cannot go out unnoticed."""
    problems: list[Problem] = []

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in VARIABLES:
            p = Problem("unknown_variable", name)
        else:
            value = values.get(name)
            if value:
                return value
            p = Problem("missing_value", name)
        if p not in problems:
            problems.append(p)
        return m.group(0)

    text = _PLACEHOLDER.sub(fill, template)
    return Rendered(text, tuple(problems))


def leftover_variables(text: str) -> list[str]:
    """Variables of the phrase library still unfilled in a reply (``{deadline}`` left from a template)."""
    found: list[str] = []
    for name in _PLACEHOLDER.findall(text or ""):
        if name in VARIABLES and name not in found:
            found.append(name)
    return found


@dataclass(frozen=True)
class GreetingSpec:
    id: int
    channel: str  # "" = every channel
    when: str  # "first" | "every"
    where: str  # "start" | "end"
    phrases: tuple[str, ...]


def applies(spec: GreetingSpec, channel: str, first_reply: bool) -> bool:
    return (not spec.channel or spec.channel == channel) and (spec.when == "every" or first_reply)


def satisfied(spec: GreetingSpec, text: str) -> bool:
    """Whether ``text`` starts (ends) with one of the accepted phrases, ignoring spaces, punctuation, case,
    full-width forms and traditional characters."""
    norm = normalise(text)[0]
    for phrase in spec.phrases:
        p = normalise(phrase)[0]
        if p and (norm.startswith(p) if spec.where == "start" else norm.endswith(p)):
            return True
    return False


def missing_greetings(
    specs: Iterable[GreetingSpec], text: str, channel: str, first_reply: bool
) -> list[GreetingSpec]:
    """The rules that apply to this reply and that it does not meet."""
    return [s for s in specs if applies(s, channel, first_reply) and not satisfied(s, text)]
