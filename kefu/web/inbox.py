"""What the supervisors' inboxes share (escalations, extension requests, 督办 notices, accountability
records): the filter bar read from GET parameters (bookmarkable), age buckets, sortable column headers,
the paging links, and bulk actions that call one use case per record and report what succeeded and
what failed and why.

Foundation plumbing: Django, ``kefu.lib.errors`` and ``organization`` only; the pages that use it build
their own query sets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.lib.errors import KefuError
from kefu.organization.access import branches_of
from kefu.organization.models import Branch, Staff

# --- filters ------------------------------------------------------------------------------------------------

KIND_CHOICES: list[tuple[str, Any]] = [
    ("manual", gettext_lazy("raised by a person")),
    ("automatic", gettext_lazy("automatic")),
]
AGE_CHOICES: list[tuple[str, Any]] = [
    ("1d", gettext_lazy("less than a day")),
    ("3d", gettext_lazy("1 to 3 days")),
    ("7d", gettext_lazy("3 to 7 days")),
    ("older", gettext_lazy("more than 7 days")),
]
PRIORITY_CHOICES: list[tuple[str, Any]] = [
    ("urgent", gettext_lazy("urgent")),
    ("high", gettext_lazy("high")),
    ("normal", gettext_lazy("normal")),
    ("low", gettext_lazy("low")),
]
PRIORITIES = tuple(choice[0] for choice in PRIORITY_CHOICES)
# (newer than, older than or equal) in days
AGE_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "1d": (None, 1),
    "3d": (1, 3),
    "7d": (3, 7),
    "older": (7, None),
}


@dataclass
class Filters:
    """The filters of an inbox as read from the request; invalid values read as "all"."""

    status: str = ""
    kind: str = ""
    age: str = ""
    priority: str = ""
    branch: int | None = None
    sort: str = ""
    page: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def params(self, **override: Any) -> dict[str, str]:
        """The non-empty filters as GET parameters (without the page), with ``override`` applied."""
        values: dict[str, Any] = {
            "status": self.status,
            "kind": self.kind,
            "age": self.age,
            "priority": self.priority,
            "branch": self.branch or "",
            "sort": self.sort,
            **self.extra,
            **override,
        }
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def query(self, **override: Any) -> str:
        return urlencode(self.params(**override))

    @property
    def narrowed(self) -> bool:
        """Whether a filter other than the default status narrows the list."""
        return bool(self.kind or self.age or self.priority or self.branch or self.extra)


def read_filters(
    request: HttpRequest,
    *,
    statuses: Sequence[str],
    default_status: str,
    sorts: Iterable[str],
    branches: QuerySet[Branch],
    kinds: bool = True,
    priorities: Sequence[str] = PRIORITIES,
    extra: Iterable[str] = (),
) -> Filters:
    """The inbox filters of ``request.GET``; a branch the viewer may not see is ignored (not an error)."""
    get = request.GET
    status = get.get("status", default_status)
    f = Filters(status=status if status in statuses else default_status)
    kind = get.get("kind", "")
    f.kind = kind if kinds and kind in dict(KIND_CHOICES) else ""
    age = get.get("age", "")
    f.age = age if age in AGE_BOUNDS else ""
    priority = get.get("priority", "")
    f.priority = priority if priority in priorities else ""
    branch = get.get("branch", "")
    if branch.isdecimal() and branches.filter(pk=int(branch)).exists():
        f.branch = int(branch)
    sort = get.get("sort", "")
    f.sort = sort if sort.lstrip("-") in set(sorts) else ""
    f.page = get.get("page", "")
    f.extra = {k: v for k in extra if (v := get.get(k, ""))}
    return f


def by_age(qs: QuerySet[Any], field_name: str, bucket: str, now: dt.datetime) -> QuerySet[Any]:
    """Rows whose ``field_name`` lies in the age bucket (``1d``: younger than a day … ``older``: a week+)."""
    if bucket not in AGE_BOUNDS:
        return qs
    younger, older = AGE_BOUNDS[bucket]
    if younger is not None:
        qs = qs.filter(**{f"{field_name}__lte": now - dt.timedelta(days=younger)})
    if older is not None:
        qs = qs.filter(**{f"{field_name}__gt": now - dt.timedelta(days=older)})
    return qs


def branch_choices(staff: Staff) -> QuerySet[Branch]:
    """The branches the viewer may filter by: those they work in (``organization.access.branches_of``)."""
    return branches_of(staff)


@dataclass(frozen=True)
class Column:
    """A sortable column header: its label, the link that sorts by it, and the current direction."""

    key: str
    label: Any
    url: str
    active: str  # "asc", "desc" or ""


def columns(f: Filters, spec: Sequence[tuple[str, Any]]) -> dict[str, Column]:
    """Sortable headers: a click sorts by the column ascending, a second click descending."""
    out: dict[str, Column] = {}
    for key, label in spec:
        active = "asc" if f.sort == key else "desc" if f.sort == f"-{key}" else ""
        target = f"-{key}" if active == "asc" else key
        out[key] = Column(key, label, "?" + f.query(sort=target), active)
    return out


# --- bulk actions --------------------------------------------------------------------------------------------


def selected_ids(request: HttpRequest, name: str = "ids") -> list[int]:
    """The checked rows: ``ids`` values, each an id or a comma-separated group of ids; duplicates once."""
    out: list[int] = []
    for value in request.POST.getlist(name):
        for part in value.split(","):
            part = part.strip()
            if part.isdecimal() and int(part) not in out:
                out.append(int(part))
    return out[:500]


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (label, reason)


def run_bulk(ids: Sequence[int], label: Callable[[int], str], act: Callable[[int], Any]) -> BulkResult:
    """Call ``act(id)`` — one use case, which checks the permission and writes its own audit record — for
    every id, in one transaction with a savepoint per record: a record that fails is rolled back alone
    and reported with the use case's reason; the others are kept."""
    result = BulkResult()
    with transaction.atomic():
        for pk in ids:
            name = label(pk)
            try:
                with transaction.atomic():
                    act(pk)
            except KefuError as exc:
                result.failed.append((name, str(exc.message)))
            else:
                result.done.append(name)
    return result


def report_bulk(request: HttpRequest, result: BulkResult, done: str) -> None:
    """The result message: ``done`` (a translated text with ``%(done)s`` and ``%(total)s``, e.g. "Handled:
    %(done)s of %(total)s.") when something succeeded, and which failed and why."""
    total = len(result.done) + len(result.failed)
    if not total:
        messages.error(request, _("Select at least one row."))
        return
    if result.done:
        messages.success(request, done % {"done": len(result.done), "total": total})
    if result.failed:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in result.failed)
        messages.error(
            request,
            _("Not done (%(count)s of %(total)s): %(reasons)s")
            % {"count": len(result.failed), "total": total, "reasons": reasons},
        )


def back_url(request: HttpRequest, default: str) -> str:
    """Where a form of an inbox returns to: its ``next`` field if it is a path on this site (the list with
    its filters), else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
