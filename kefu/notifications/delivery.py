"""From a staff event to notifications (console) and outbox messages (e-mail, SMS, WeCom).

``on_staff_event`` is registered on ``workorders.hooks`` and runs inside the emitting transaction:

* one ``Notification`` per recipient (the actor is not told of their own act); for an order, at most one
  unread row per (recipient, order, kind) — the partial unique constraint ``notification_one_unread`` —
  and a repeat updates that row (``repeats`` + 1, new details and time) instead of adding one. Two
  transactions racing for the same row: the loser's INSERT fails on the constraint (on PostgreSQL it
  waits for the winner to commit), its savepoint rolls back and it updates the winner's row.
* e-mail, SMS and WeCom (an application message to the staff member's WeCom user ID,
  ``channels.outbox.wecom``) as the recipient's preferences say (``rules.default_channels`` when none is
  stored), queued in the outbox with the key ``notify:<id>:<repeats>:<channel>`` — each distinct event is sent
  once, however often the worker retries; inside the recipient's quiet hours the first attempt waits for
  their end, unless the event is an emergency (an urgent order).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation

from kefu import live
from kefu.channels import outbox
from kefu.lib import clock
from kefu.notifications import rules, texts
from kefu.notifications.models import Notification, NotificationPreference, QuietHours
from kefu.organization.models import Staff
from kefu.workorders.hooks import StaffEvent


def on_staff_event(event: StaffEvent) -> None:
    ids = [pk for pk in event.recipients if pk != event.actor_id]
    if not ids:
        return
    people = {
        s.pk: s for s in Staff.objects.filter(pk__in=ids, is_active=True).select_related("user", "branch")
    }
    if not people:
        return
    prefs = {
        (p.staff_id, p.kind): (p.email, p.sms, p.wecom)
        for p in NotificationPreference.objects.filter(
            staff_id__in=people, kind__in=[event.kind, rules.EMERGENCY]
        )
    }
    quiet = {q.staff_id: q for q in QuietHours.objects.filter(staff_id__in=people)}
    # history being played (the demo data): the events are past, so their notifications are recorded as
    # read and sent nowhere — nobody is told today about what happened months ago
    history = clock.is_simulated()
    for pk in ids:
        staff = people.get(pk)
        if staff is None:
            continue
        n = record(staff.pk, event)
        if history:
            Notification.objects.filter(pk=n.pk, read_at__isnull=True).update(read_at=event.at)
            continue
        push_count(staff.pk)
        email, sms, wecom = channels_for(staff.pk, event, prefs)
        if not (email or sms or wecom):
            continue
        not_before = None if event.emergency else quiet_until(staff, quiet.get(staff.pk), event.at)
        _send(staff, n, email=email, sms=sms, wecom=wecom, not_before=not_before)


def push_count(staff_id: int) -> None:
    """The recipient's open console pages show the new unread count at once (server push, after commit)."""
    unread = Notification.objects.filter(recipient_id=staff_id, read_at__isnull=True).count()
    live.notify_staff(staff_id, {"unread": unread})


def record(staff_id: int, event: StaffEvent) -> Notification:
    """The recipient's notification of ``event``: a new row, or the unread one of the same order and kind
    updated."""
    fields = {"actor_id": event.actor_id, "params": event.params, "emergency": event.emergency}
    if event.order_id is None:
        return Notification.objects.create(
            recipient_id=staff_id, kind=event.kind, created_at=event.at, updated_at=event.at, **fields
        )
    unread = Notification.objects.filter(
        recipient_id=staff_id, workorder_id=event.order_id, kind=event.kind, read_at__isnull=True
    )
    for _attempt in range(5):
        n = unread.select_for_update().first()
        if n is not None:
            unread.filter(pk=n.pk).update(repeats=F("repeats") + 1, updated_at=event.at, **fields)
            n.refresh_from_db()
            return n
        try:
            with transaction.atomic():  # savepoint: a concurrent writer of the same row wins
                return Notification.objects.create(
                    recipient_id=staff_id,
                    kind=event.kind,
                    workorder_id=event.order_id,
                    created_at=event.at,
                    updated_at=event.at,
                    **fields,
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not record the notification")  # pragma: no cover


def channels_for(
    staff_id: int, event: StaffEvent, prefs: dict[tuple[int, str], tuple[bool, bool, bool]]
) -> tuple[bool, bool, bool]:
    """(e-mail, SMS, WeCom): the kind's preference, plus the emergency preference for an emergency."""
    chosen = prefs.get((staff_id, event.kind)) or rules.default_channels(event.kind)
    if event.emergency:
        chosen = rules.either(
            chosen, prefs.get((staff_id, rules.EMERGENCY)) or rules.default_channels(rules.EMERGENCY)
        )
    email, sms, wecom = chosen
    return email, sms, wecom


def zone_of(staff: Staff) -> zoneinfo.ZoneInfo:
    name = staff.branch.time_zone if staff.branch is not None else settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def quiet_until(staff: Staff, quiet: QuietHours | None, at: dt.datetime) -> dt.datetime | None:
    if quiet is None:
        return None
    end = rules.quiet_end(at.astimezone(zone_of(staff)), quiet.start, quiet.end)
    return end.astimezone(dt.UTC) if end is not None else None


def _send(
    staff: Staff, n: Notification, *, email: bool, sms: bool, wecom: bool, not_before: dt.datetime | None
) -> None:
    # no language on the staff or the user yet: the site's language
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = texts.message(n.kind, n.params, n.repeats)
    # not linked to the order: the order's outbox lists what the customer was sent
    common: dict[str, Any] = {"log_contact": False, "not_before": not_before, "message_class": "staff"}
    address = (staff.user.email or "").strip()
    if email and address:
        outbox.enqueue(
            channel="email",
            recipient=address,
            subject=subject,
            body=body,
            idempotency_key=f"notify:{n.pk}:{n.repeats}:email",
            **common,
        )
    if sms and staff.phone.strip():
        outbox.enqueue(
            channel="sms",
            recipient=staff.phone.strip(),
            body=body,
            idempotency_key=f"notify:{n.pk}:{n.repeats}:sms",
            **common,
        )
    if wecom and staff.wecom_userid.strip():
        outbox.enqueue(
            channel="wecom",
            recipient=staff.wecom_userid.strip(),
            subject=subject,
            body=body,
            idempotency_key=f"notify:{n.pk}:{n.repeats}:wecom",
            **common,
        )
