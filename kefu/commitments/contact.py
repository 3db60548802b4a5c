"""The company's contact-attempt policy for "customer unreachable" reports (R-14), read from the settings and
applied to an order's recorded attempts (``rules_unreachable.check_attempts``). Read-only; used by
``commitments.clocks`` (the report) and ``commitments.unreachable`` (attempts and decisions)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kefu.commitments.models import ContactAttempt, ContactMethod, OrderClock
from kefu.commitments.rules_unreachable import Attempt, Policy, Verdict, check_attempts


def policy() -> Policy:
    return Policy(
        attempts=settings.KEFU_UNREACHABLE_ATTEMPTS,
        min_gap=dt.timedelta(hours=settings.KEFU_UNREACHABLE_GAP_HOURS),
        methods=frozenset(settings.KEFU_UNREACHABLE_METHODS),
    )


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def policy_text(p: Policy | None = None) -> str:
    p = p or policy()
    labels = dict(ContactMethod.choices)
    means = _(" or ").join(str(labels.get(m, m)) for m in sorted(p.methods))
    hours = int(p.min_gap.total_seconds() // 3600)
    return ngettext(
        "%(count)d contact attempt by %(means)s within the time limit",
        "%(count)d contact attempts by %(means)s at least %(hours)d hours apart within the time limit",
        p.attempts,
    ) % {"count": p.attempts, "means": means, "hours": hours}


def verdict(c: OrderClock, at: dt.datetime, attempts: list[ContactAttempt] | None = None) -> Verdict:
    """How the order's recorded attempts (read unless given) stand against the policy for a report on
    clock ``c`` at ``at``."""
    start = c.started_at or at
    if attempts is None:
        attempts = list(ContactAttempt.objects.filter(workorder_id=c.workorder_id))
    return check_attempts([Attempt(a.at, a.method) for a in attempts], policy(), start, at)


def refusal(v: Verdict) -> str:
    """The message naming what is missing."""
    done = ", ".join(_local(t) for t in v.counted) or _("none")
    text = _(
        "“Customer unreachable” needs %(policy)s. Counted so far: %(done)s. Missing: %(missing)d more."
    ) % {"policy": policy_text(), "done": done, "missing": v.missing}
    if v.next_not_before is not None:
        text += " " + _("The next attempt counts from %(at)s.") % {"at": _local(v.next_not_before)}
    return text
