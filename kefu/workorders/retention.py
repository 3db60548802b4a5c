"""Retention of work orders (docs/privacy.md, "Retention"): attachments of closed orders are deleted with
their files; closed orders are anonymised (their personal fields blanked, the row kept for the reports);
the contact details given on the anonymous report form are blanked sooner."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from kefu.lib import clock, search
from kefu.retention.registry import Outcome, pick, register
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder
from kefu.workorders.rules import Status

ANONYMISED_TITLE = "—"


def _delete_attachments(ids: list[int]) -> tuple[int, list[str]]:
    """Delete the attachment rows ``ids``; the file names no remaining row uses, to remove from disk."""
    names = set(Attachment.objects.filter(pk__in=ids).values_list("file", flat=True))
    deleted = Attachment.objects.filter(pk__in=ids).delete()[0]
    still_used = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
    return deleted, sorted(n for n in names - still_used if n)


@register("attachments")
def prune_attachments(before: dt.datetime, limit: int) -> Outcome:
    ids = pick(
        Attachment.objects.filter(workorder__status=Status.CLOSED.value, workorder__closed_at__lt=before),
        limit,
    )
    deleted, files = _delete_attachments(ids)
    return Outcome(deleted=deleted, files=files)


@register("closed_orders")
def anonymise_closed_orders(before: dt.datetime, limit: int) -> Outcome:
    """Blank the personal fields of orders closed before ``before``: the text, the resolution, the reply
    address, the reason typed for the area, the timeline texts; their attachments are deleted. Number,
    type, service, branch, area, outlet, staff, dates, status and flags stay for the reports."""
    ids = pick(
        WorkOrder.objects.filter(
            status=Status.CLOSED.value, closed_at__lt=before, anonymised_at__isnull=True
        ),
        limit,
    )
    if not ids:
        return Outcome()
    now = clock.now()
    # the condition again: a row another run anonymised meanwhile is not counted twice
    anonymised = WorkOrder.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
        title=ANONYMISED_TITLE,
        description="",
        resolution="",
        reply_phone="",
        reply_email="",
        area_kind_reason="",
        anonymised_at=now,
    )
    orders = WorkOrder.objects.filter(pk__in=ids)
    texts = [(pk, search.normalize(number)) for pk, number in orders.values_list("pk", "number")]
    for pk, text in texts:  # found by its number only (workorders.actions.order_search_text)
        WorkOrder.objects.filter(pk=pk).update(search_text=text)
    search.sync_many(WorkOrder, texts)
    TimelineEntry.objects.filter(workorder__in=ids).exclude(body="").update(body="")
    deleted, files = _delete_attachments(
        list(Attachment.objects.filter(workorder__in=ids).values_list("pk", flat=True))
    )
    return Outcome(deleted=deleted, anonymised=anonymised, files=files)


@register("anonymous_reports")
def blank_anonymous_contacts(before: dt.datetime, limit: int) -> Outcome:
    """Blank the phone and e-mail given on the anonymous report form (``reply_phone``/``reply_email``)
    of orders closed before ``before``."""
    ids = pick(
        WorkOrder.objects.filter(status=Status.CLOSED.value, closed_at__lt=before).filter(
            ~Q(reply_phone="") | ~Q(reply_email="")
        ),
        limit,
    )
    blanked = WorkOrder.objects.filter(pk__in=ids).filter(~Q(reply_phone="") | ~Q(reply_email=""))
    return Outcome(anonymised=blanked.update(reply_phone="", reply_email=""))
