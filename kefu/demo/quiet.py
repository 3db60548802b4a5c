"""A quiet first start: the messages the demo loader queued belong to the demo's story, not to today.

Most of the history is played on the simulated clock, where ``outbox.enqueue`` records each message as sent
at that moment. The steps that set up the demo's present — visits booked for the coming days with their
confirmations, the safety-check campaign's next batch and its notices, the announcement of the planned
maintenance, the statements asked on accountability records, staff notifications of the pending extension
requests — run on the real clock and queue their messages like any caller; the supervision jobs are run
once more on the history's clock at the end (:func:`sweep_present`). Those are marked delivered at the
time they were queued, at the end of the load, in its transaction: a fresh ``scripts/run --demo`` sends no
SMS or e-mail for what the loader made. A row deferred to later (``next_attempt_at`` ahead, e.g. held back by
quiet hours) stays queued and goes when due, as do the reminders the periodic jobs queue later.
"""

from __future__ import annotations

from django.db.models import F, Max

from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.commitments import sweep
from kefu.followup import actions as followup
from kefu.lib import clock
from kefu.supervision import actions as sv


def outbox_mark() -> int:
    """The highest outbox id before the load (0 for none): the rows after it are the loader's."""
    return int(OutboxMessage.objects.aggregate(m=Max("id"))["m"] or 0)


def deliver_loaded(after: int) -> int:
    """Mark the loader's queued, due messages (ids above ``after``) as sent when they were queued; how many."""
    return OutboxMessage.objects.filter(
        pk__gt=after, status=OutboxStatus.QUEUED, next_attempt_at__lte=clock.now()
    ).update(status=OutboxStatus.SENT, sent_at=F("created_at"))


def sweep_present() -> None:
    """The supervision jobs once more at the end of the load, as part of the history: the demo's later steps
    (the campaign's orders of three weeks ago, the incident's reports, the clocks, follow-ups) made deadlines
    that have passed since; their breaches, accountability records and overdue notices belong to the story too, so
    their notifications are recorded read and their messages delivered, not sent at the first start."""
    with clock.simulated():
        now = clock.now()
        sweep.sweep(now)
        followup.sweep_misses(now)
        sv.collect(now)
        sv.report_overdue(now)
