"""Use cases of proactive service (R-17, R-18).

* :func:`do_announce_maintenance` — planned maintenance, announced to every customer of the affected
  areas at least 24 hours ahead (less only with a leader's override and a written reason);
* :func:`send_fee_reminders` — a reminder before a subscription expires, once per subscription and
  expiry date (daily job);
* :func:`run_care_plans` — due care plans become work orders received by the area's responsible agent
  (daily job).

Every message goes through the outbox (``kefu.channels.outbox``) inside the transaction of the change,
with an idempotency key, so it is sent once, retried on failure and shows in the customer's history.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Case, CharField, F, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels.models import MessageClass, OutboxChannel, OutboxMessage
from kefu.channels.models.endpoints import SmsTemplateCode
from kefu.channels.outbox import consent, sms_templates
from kefu.commitments import rules_proactive as rules
from kefu.commitments.models import Service
from kefu.commitments.models.proactive import CarePlan, PlannedMaintenance
from kefu.customers.models import Customer, Subscription
from kefu.lib import clock
from kefu.lib.errors import KefuError, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch, Company, ServiceArea
from kefu.workorders.actions import OrderInput, create_order_for
from kefu.workorders.receivers import portal_receiver

log = logging.getLogger(__name__)


def route(email: str, phone_e164: str, phone: str) -> tuple[str, str]:
    """The channel and address a notice to this customer goes to: e-mail, else SMS, else printed."""
    if email:
        return "email", email
    if phone_e164 or phone:
        return "sms", phone_e164 or phone
    return "print", ""


def _local(moment: dt.datetime, branch: Branch) -> str:
    """``moment`` on the branch's wall clock (notices are read by the branch's customers)."""
    return timezone.localtime(moment, ZoneInfo(branch.time_zone or "Asia/Shanghai")).strftime(
        "%Y-%m-%d %H:%M"
    )


def _hotline() -> str:
    company = Company.objects.only("hotline").first()
    return company.hotline if company else ""


def _enqueue_many(rows: Iterable[dict[str, Any]]) -> int:
    """Bulk outbox insert for notices to many customers (inside the caller's transaction). Rows whose
    idempotency key is already queued are skipped; returns how many new messages were queued."""
    now = clock.now()
    created = 0

    def flush(batch: list[OutboxMessage]) -> int:
        keys = [m.idempotency_key for m in batch]
        known = set(
            OutboxMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
        )
        fresh = [m for m in batch if m.idempotency_key not in known]
        # ignore_conflicts: a concurrent run that queued the same key in the meantime wins
        OutboxMessage.objects.bulk_create(fresh, ignore_conflicts=True)
        return len(fresh)

    batch: list[OutboxMessage] = []
    for row in rows:
        batch.append(OutboxMessage(next_attempt_at=now, created_at=now, **row))
        if len(batch) >= 1000:
            created += flush(batch)
            batch = []
    if batch:
        created += flush(batch)
    return created


def _affected_customers(area_ids: list[int]) -> Iterable[tuple[int, str, str, str, str, str]]:
    """(id, name, e-mail, E.164, phone, language: the customer's, else the branch's) of the areas' customers."""
    return (
        Customer.objects.filter(area_id__in=area_ids, merged_into__isnull=True)
        .order_by("id")
        .annotate(
            lang=Case(
                When(language="", then=F("branch__language")),
                default=F("language"),
                output_field=CharField(),
            )
        )
        .values_list("id", "name", "email", "phone_e164", "phone", "lang")
        .iterator(chunk_size=2000)
    )


def maintenance_text(title: str) -> tuple[str, str]:
    """The subject and the text template (``%(name)s`` … ``%(hotline)s``) of a maintenance notice, in the
    active language."""
    subject = _("Planned maintenance: %(title)s") % {"title": title}
    template = _(
        "Dear %(name)s, %(branch)s will carry out planned maintenance “%(title)s” in %(areas)s from "
        "%(start)s to %(end)s. %(description)s Questions: %(hotline)s."
    )
    return subject, template


@transaction.atomic
def do_announce_maintenance(
    user: Actor,
    *,
    branch_id: int | None,
    area_ids: list[int],
    title: str,
    description: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    override_reason: str = "",
    now: dt.datetime | None = None,
) -> PlannedMaintenance:
    staff = require_staff(user, "maintenance.announce")
    now = now or clock.now()
    errors: list[KefuError] = []
    title = " ".join((title or "").split())
    description = (description or "").strip()
    override_reason = (override_reason or "").strip()
    if not title:
        errors.append(ValidationFailed("required", _("Give the maintenance a title."), "title"))
    if not description:
        errors.append(
            ValidationFailed(
                "required", _("Tell customers what the maintenance means for them."), "description"
            )
        )
    branch = Branch.objects.filter(pk=branch_id or staff.branch_id or 0).first()
    if branch is None:
        errors.append(ValidationFailed("required", _("Choose a branch."), "branch"))
    elif not staff.sees_all_branches and staff.branch_id not in (None, branch.pk):
        errors.append(
            ValidationFailed("forbidden_branch", _("You can only announce for your branch."), "branch")
        )
    areas = list(ServiceArea.objects.filter(pk__in=area_ids or [], branch=branch)) if branch else []
    if not areas or len(areas) != len(set(area_ids or [])):
        errors.append(
            ValidationFailed("invalid_choice", _("Choose the affected areas of the branch."), "areas")
        )
    if starts_at is None:
        errors.append(ValidationFailed("required", _("When does the maintenance start?"), "starts_at"))
    if ends_at is None:
        errors.append(ValidationFailed("required", _("When does the maintenance end?"), "ends_at"))
    verdict: rules.NoticeVerdict | None = None
    if starts_at is not None and ends_at is not None:
        verdict = rules.maintenance_notice(now, starts_at, ends_at)
        if verdict == rules.NoticeVerdict.BAD_PERIOD:
            errors.append(ValidationFailed("date_order", _("The end must be after the start."), "ends_at"))
        elif verdict == rules.NoticeVerdict.IN_THE_PAST:
            errors.append(
                ValidationFailed(
                    "in_the_past", _("The start has passed: announce a future maintenance."), "starts_at"
                )
            )
        elif verdict == rules.NoticeVerdict.NEEDS_OVERRIDE:
            if not staff.can("maintenance.override"):
                errors.append(
                    ValidationFailed(
                        "too_late",
                        _(
                            "Planned maintenance must be announced at least 24 hours ahead; only a leader "
                            "can announce it later, with a reason."
                        ),
                        "starts_at",
                    )
                )
            elif not override_reason:
                errors.append(
                    ValidationFailed(
                        "reason_required",
                        _("Less than 24 hours ahead: give the reason customers are told so late."),
                        "override_reason",
                    )
                )
    raise_if(errors)
    assert branch is not None and starts_at is not None and ends_at is not None
    m = PlannedMaintenance.objects.create(
        branch=branch,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=staff,
        created_at=now,
        override_reason=override_reason if verdict == rules.NoticeVerdict.NEEDS_OVERRIDE else "",
    )
    m.areas.set(areas)
    area_names = "、".join(a.name for a in areas)
    hotline = _hotline()
    with translation.override(settings.LANGUAGE_CODE):
        texts = {
            "branch": branch.name,
            "title": title,
            "areas": area_names,
            "start": _local(starts_at, branch),
            "end": _local(ends_at, branch),
            "description": description,
            "hotline": hotline or "—",
        }

        sms_template = sms_templates.find(SmsTemplateCode.MAINTENANCE)

        def rows() -> Iterable[dict[str, Any]]:
            for cid, name, email, e164, phone, lang in _affected_customers([a.pk for a in areas]):
                channel, recipient = route(email, e164, phone)
                # each customer reads it in their own language (the announcing agent's does not matter)
                with translation.override(lang or settings.LANGUAGE_CODE):
                    subject, template = maintenance_text(title)
                body, meta = template % {**texts, "name": name}, {}
                if channel == OutboxChannel.SMS and sms_template is not None:
                    sms = sms_templates.render(
                        SmsTemplateCode.MAINTENANCE,
                        body,
                        {**texts, "customer_name": name},
                        sms_template,
                        language=lang or settings.LANGUAGE_CODE,
                    )
                    body, meta = sms.body, sms.template
                yield {
                    "channel": channel,
                    "recipient": recipient,
                    "subject": subject,
                    "body": body,
                    "template": meta,
                    "customer_id": cid,
                    "idempotency_key": f"maintenance:{m.pk}:{cid}",
                    # a notice the company must send: reaches numbers that refused reminders
                    "message_class": MessageClass.SERVICE,
                }

        m.customers_notified = _enqueue_many(rows())
    m.save(update_fields=["customers_notified"])
    audit.record(
        user,
        "maintenance.announce",
        m,
        after={**audit.snapshot(m), "areas": [a.pk for a in areas]},
        summary=_("%(title)s announced to %(count)d customers")
        % {"title": title, "count": m.customers_notified},
    )
    return m


def _not_renewed(qs: Any) -> Any:
    return qs.exclude(
        pk__in=Subscription.objects.filter(renewed_from__isnull=False).values("renewed_from_id")
    )


def send_fee_reminders(today: dt.date | None = None, days_before: int | None = None) -> int:
    """Queue one reminder per subscription expiring within the window and not renewed (R-17)."""
    today = today or clock.localdate()
    days = settings.KEFU_FEE_REMINDER_DAYS if days_before is None else days_before
    first, last = rules.reminder_window(today, days)
    hotline = _hotline()
    subs = _not_renewed(
        Subscription.objects.filter(
            expiry_date__gte=first, expiry_date__lte=last, customer__merged_into__isnull=True
        )
    ).select_related("customer__branch")
    created = 0
    with transaction.atomic():
        sms_template = sms_templates.find(SmsTemplateCode.FEE_REMINDER)
        rows = []
        for s in subs.order_by("id").iterator(chunk_size=2000):
            c = s.customer
            channel, recipient = route(c.email, c.phone_e164, c.phone)
            rows.append(_fee_reminder(s, c, channel, recipient, hotline, sms_template))
        created = _enqueue_many(rows)
    return created


def _fee_reminder(
    s: Subscription, c: Customer, channel: str, recipient: str, hotline: str, sms_template: Any
) -> dict[str, Any]:
    """One fee reminder, in the customer's language."""
    assert s.expiry_date is not None  # the query picked it by its expiry date
    with translation.override(c.language_code):
        subject = _("Your subscription expires soon")
        values = {
            "name": c.name,
            "product": s.product,
            "date": s.expiry_date.isoformat(),
            "hotline": hotline or "—",
        }
        body = (
            _(
                "Dear %(name)s, your %(product)s expires on %(date)s. Renew in time to keep the "
                "service running. Questions: %(hotline)s."
            )
            % values
        )
        meta: dict[str, Any] = {}
        if channel == OutboxChannel.SMS and sms_template is not None:
            sms = sms_templates.render(
                SmsTemplateCode.FEE_REMINDER,
                body,
                {**values, "customer_name": c.name, "due": values["date"]},
                sms_template,
            )
            body, meta = sms.body, sms.template
        if channel == OutboxChannel.SMS:  # a reminder: refusable, so it says how (拒收请回复R)
            body = consent.sms_body(body, MessageClass.REMINDER)
    return {
        "channel": channel,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "template": meta,
        "customer_id": c.pk,
        "idempotency_key": f"fee-expiry:{s.pk}:{s.expiry_date.isoformat()}",
        "message_class": MessageClass.REMINDER,
    }


def run_care_plans(today: dt.date | None = None, batch: int = 200) -> int:
    """Turn due care plans into work orders (R-18). Each plan is locked and advanced in the same
    transaction as its order, so two workers never create the same visit twice."""

    today = today or clock.localdate()
    created = 0
    due_ids = list(
        CarePlan.objects.filter(active=True, next_due__lte=today)
        .order_by("id")
        .values_list("id", flat=True)[:batch]
    )
    for plan_id in due_ids:
        with transaction.atomic():
            plan = (
                CarePlan.objects.select_for_update()
                .select_related("customer", "service")
                .filter(pk=plan_id, active=True, next_due__lte=today)
                .first()
            )
            if plan is None:  # another worker took it
                continue
            chosen = portal_receiver(plan.customer)
            if chosen is None:
                log.warning("care plan %s: no staff in the customer's branch to receive the visit", plan.pk)
                continue
            receiver, _rule = chosen
            step = rules.care_visits_due(plan.next_due, plan.every_months, today)
            service: Service = plan.service
            with translation.override(settings.LANGUAGE_CODE):
                description = _("Scheduled care visit (care plan “%(plan)s”, due %(date)s).") % {
                    "plan": plan.title,
                    "date": step.visits[0].isoformat(),
                }
            order = create_order_for(
                receiver,
                plan.customer,
                OrderInput(
                    order_type=service.order_type,
                    title=plan.title,
                    description=description,
                    channel="visit",
                    service_id=service.pk,
                ),
                actor_user=None,
                channel="visit",
            )
            plan.next_due = step.next_due
            plan.last_order = order
            plan.save(update_fields=["next_due", "last_order"])
            created += 1
    return created
