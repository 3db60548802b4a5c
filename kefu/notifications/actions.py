"""Use cases of notifications: read, read all, preferences (each writes to the service log)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Case, QuerySet, When
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.lib import clock
from kefu.lib.errors import NotFound, ValidationFailed
from kefu.notifications import delivery, rules
from kefu.notifications.models import Notification, NotificationPreference, PreferenceKind, QuietHours
from kefu.organization.access import require_staff
from kefu.organization.models import Staff


def unread_count(staff: Staff) -> int:
    """The bell's number: one query on the partial index ``notification_unread``."""
    return Notification.objects.filter(recipient=staff, read_at__isnull=True).count()


def notifications_of(staff: Staff) -> QuerySet[Notification]:
    """The staff member's notifications for the bell's list: the unread ones first (what the bell counts
    is on the first page, however many read ones are newer), each part newest first."""
    return (
        Notification.objects.filter(recipient=staff)
        .select_related("workorder", "actor")
        .order_by(Case(When(read_at__isnull=True, then=0), default=1), "-updated_at", "-id")
    )


@transaction.atomic
def do_mark_read(user: Any, notification_id: int) -> Notification:
    staff = require_staff(user)
    n = Notification.objects.select_for_update().filter(pk=notification_id, recipient=staff).first()
    if n is None:
        raise NotFound("not_found", _("No such notification."), "notification")
    if n.read_at is None:
        n.read_at = clock.now()
        n.save(update_fields=["read_at"])
        delivery.push_count(staff.pk)  # the bell of the staff member's other open pages
    return n


@transaction.atomic
def do_mark_all_read(user: Any) -> int:
    staff = require_staff(user)
    done = Notification.objects.filter(recipient=staff, read_at__isnull=True).update(read_at=clock.now())
    if done:
        delivery.push_count(staff.pk)
    return done


def preferences_of(staff: Staff) -> list[tuple[str, str, bool, bool, bool]]:
    """(kind, label, e-mail, SMS, WeCom) for every kind, stored or default."""
    stored = {p.kind: (p.email, p.sms, p.wecom) for p in NotificationPreference.objects.filter(staff=staff)}
    return [
        (kind, str(label), *(stored.get(kind) or rules.default_channels(kind)))
        for kind, label in PreferenceKind.choices
    ]


@transaction.atomic
def do_save_preferences(
    user: Any,
    choices: dict[str, tuple[bool, bool, bool]],
    quiet: tuple[dt.time, dt.time] | None,
) -> None:
    """Store the staff member's channels (e-mail, SMS, WeCom) per kind (every kind given) and quiet hours
    (None: none)."""
    staff = require_staff(user)
    unknown = set(choices) - set(PreferenceKind.values)
    if unknown:
        raise ValidationFailed("invalid_choice", _("Unknown notification kind."), "kind")
    if quiet is not None and quiet[0] == quiet[1]:
        raise ValidationFailed(
            "quiet_empty", _("The quiet period must start and end at different times."), "quiet_start"
        )
    before = {kind: [email, sms, wecom] for kind, _label, email, sms, wecom in preferences_of(staff)}
    for kind, (email, sms, wecom) in choices.items():
        NotificationPreference.objects.update_or_create(
            staff=staff, kind=kind, defaults={"email": email, "sms": sms, "wecom": wecom}
        )
    if quiet is None:
        QuietHours.objects.filter(staff=staff).delete()
    else:
        QuietHours.objects.update_or_create(staff=staff, defaults={"start": quiet[0], "end": quiet[1]})
    audit.record(
        user,
        "notification.preferences",
        staff,
        before=before,
        after={
            "channels": {k: list(c) for k, c in choices.items()},
            "quiet": [quiet[0].isoformat(), quiet[1].isoformat()] if quiet else None,
        },
    )
