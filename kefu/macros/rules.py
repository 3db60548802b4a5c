"""Pure rules of macros and saved views (no Django, no I/O): the reply-text variables and their safe
rendering, and the checks of a macro's set of actions.

Variables are written ``{{order.number}}`` (spaces inside the braces allowed). Rendering is a plain
substitution of known names by their text: the user's template is never executed (no Django template
engine, no attribute access, no filters), so a macro cannot read anything but the values listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# name → what it is (the editor lists them; English, translated by the caller)
VARIABLES: dict[str, str] = {
    "order.number": "the order's number",
    "order.title": "the order's title",
    "order.status": "the order's status",
    "order.priority": "the order's priority",
    "order.due": "the order's due time (branch time zone)",
    "customer.name": "the customer's name",
    "customer.number": "the customer's number",
    "agent.name": "your name",
    "agent.badge": "your badge number",
    "branch.name": "the order's branch",
}

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")
_BRACES = re.compile(r"\{\{|\}\}")

MAX_ORDERS = 200  # orders in one bulk action or macro application
MAX_TAGS = 10
TAG_RE = re.compile(r"^[^\s,]{1,40}$")


def variables_in(text: str) -> list[str]:
    """The variable names used in ``text``, in order of first use."""
    found: list[str] = []
    for name in _VARIABLE.findall(text or ""):
        if name not in found:
            found.append(name)
    return found


def unknown_variables(text: str) -> list[str]:
    """Variables in ``text`` that are not in :data:`VARIABLES` (a typo the editor refuses)."""
    return [n for n in variables_in(text) if n not in VARIABLES]


def unbalanced(text: str) -> bool:
    """True when ``{{`` or ``}}`` is left over once the well-formed variables are taken out."""
    return bool(_BRACES.search(_VARIABLE.sub("", text or "")))


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with each known variable replaced by its value (unknown ones are left as written; the editor
    refuses them before saving). The values are plain text and are not searched for variables again."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        return values[name] if name in values else m.group(0)

    return _VARIABLE.sub(one, text or "")


def parse_tags(text: str) -> list[str]:
    """Tags from a comma- or space-separated text, without duplicates, in the order written."""
    tags: list[str] = []
    for part in re.split(r"[,，\s]+", text or ""):
        if part and part not in tags:
            tags.append(part)
    return tags


def bad_tags(tags: list[str]) -> list[str]:
    return [t for t in tags if not TAG_RE.match(t)]


@dataclass(frozen=True)
class MacroSpec:
    """What a macro does, as far as its checks are concerned."""

    name: str
    reply_text: str = ""
    note: str = ""
    status: str = ""
    status_comment: str = ""
    priority: str = ""
    assignee: bool = False
    department: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleError:
    code: str
    field: str
    detail: str = ""


def check_macro(m: MacroSpec, *, needs_comment: bool) -> list[RuleError]:
    """A macro has a name and does at least one thing; its texts use only known variables; a status that
    needs a reason or resolution (``needs_comment``) comes with one; at most ``MAX_TAGS`` well-formed tags."""
    errors: list[RuleError] = []
    if not m.name.strip():
        errors.append(RuleError("required", "name"))
    if not (
        m.reply_text.strip()
        or m.note.strip()
        or m.status
        or m.priority
        or m.assignee
        or m.department
        or m.tags
    ):
        errors.append(RuleError("empty_macro", "reply_text"))
    for field_name, text in (
        ("reply_text", m.reply_text),
        ("note", m.note),
        ("status_comment", m.status_comment),
    ):
        unknown = unknown_variables(text)
        if unknown:
            errors.append(RuleError("unknown_variable", field_name, ", ".join(unknown)))
        elif unbalanced(text):
            errors.append(RuleError("unbalanced_braces", field_name))
    if m.status and needs_comment and not m.status_comment.strip():
        errors.append(RuleError("comment_required", "status_comment"))
    if len(m.tags) > MAX_TAGS:
        errors.append(RuleError("too_many_tags", "tags"))
    elif bad_tags(list(m.tags)):
        errors.append(RuleError("invalid_tag", "tags", ", ".join(bad_tags(list(m.tags)))))
    return errors


# --- saved views ----------------------------------------------------------------------------------------------

VIEW_TABS = ("mine", "owned", "team", "escalated")
VIEW_FILTERS = ("q", "status", "order_type", "priority", "channel", "area", "overdue")
# the queue's optional columns (the number, title, status, priority and due time are always shown)
VIEW_COLUMNS = ("customer", "type", "area", "owner", "assignee", "received")
MAX_VIEWS = 30  # per person: the menu must stay short and its counts cheap
