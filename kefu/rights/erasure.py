"""Erasure = anonymisation that keeps what other laws require (PIPL Art. 47, GDPR Art. 17(3)(b)).

**The rule per table is written once, here** (``ERASURE_TABLE``), and described for operators in
docs/privacy.md (section *Customer rights*, table *What an erasure does*). Each :class:`TableRule` names a
table, how its rows are found from the customer, what happens to them, and why:

- ``DELETE`` — the rows go (files on disk too, for attachments);
- ``ANONYMISE`` — the rows stay for the statistics and duties named in ``why``; the fields in ``set`` get
  fixed values (blank), the free text in ``redact`` keeps its words but loses the person's identifiers
  (name, phone numbers, e-mail, address, contact points, contact people: ``rules.needles``), the JSON in
  ``redact_json`` likewise;
- ``KEEP`` — the rows stay as they are (they hold no identifier beyond the link to the placeholder).

The customer row itself becomes an anonymous placeholder (``[erased]``, number ``ERASED-<id>``) that keeps
kind, relationship, branch, service area, tier and "customer since", so order statistics, KPIs of closed
periods and the billing records kept for their statutory period still add up. Search no longer finds the
person: the search text of the customer and of each of their orders is rebuilt from the anonymised values.

This module writes other apps' tables directly (bulk updates by one declarative table) on purpose: an
erasure must be one transaction that can be read and checked in one place. It is the documented exception
to "cross-app writes go through the owning app's actions".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.customers.actions import customer_search_text
from kefu.lib import clock, search
from kefu.rights import rules
from kefu.workorders.actions import refresh_search_text

ERASED_NAME = "[erased]"
ERASED_TEXT = "[erased]"


class Action(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"
    KEEP = "keep"


Value = Any | Callable[[Any], Any]  # a fixed value, or a function of the customer


@dataclass(frozen=True)
class TableRule:
    model: str  # "app_label.ModelName"
    lookup: str  # the path from a row to the customer, e.g. "workorder__customer"
    action: Action
    why: Any  # a lazy translation: the law or duty that keeps (or does not keep) the rows
    where: Mapping[str, Any] = field(default_factory=dict)  # only these rows (e.g. unsent messages)
    set: Mapping[str, Value] = field(default_factory=dict)
    redact: tuple[str, ...] = ()
    redact_json: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # file fields whose files are deleted from storage with the rows

    @property
    def label(self) -> str:
        key = "&".join(f"{k}={v}" for k, v in sorted(self.where.items()))
        return f"{self.model}[{key}]" if key else self.model


ACCOUNTING = _(
    "Accounting records: kept for their statutory period (China: 会计档案管理办法, 30 years for vouchers; "
    "Hungary: Act C of 2000 §169, 8 years), then removed by the retention job; GDPR Art. 17(3)(b)."
)

ERASURE_TABLE: tuple[TableRule, ...] = (
    # --- the customer's own records ---------------------------------------------------------------------
    TableRule(
        "customers.ContactPoint", "customer", Action.DELETE, _("Identities (phones, e-mails, WeChat ids).")
    ),
    TableRule(
        "customers.ContactPerson", "customer", Action.DELETE, _("Names and numbers of contact people.")
    ),
    TableRule("customers.CustomerNote", "customer", Action.DELETE, _("Staff notes about the person.")),
    TableRule(
        "customers.BadRecord", "customer", Action.DELETE, _("Only served the customer tier; no legal duty.")
    ),
    TableRule("customers.Subscription", "customer", Action.KEEP, _("Contract and billing history.")),
    TableRule("customers.Contract", "customer", Action.ANONYMISE, ACCOUNTING, redact=("title",)),
    TableRule("customers.Purchase", "customer", Action.KEEP, ACCOUNTING),
    TableRule("customers.Payment", "customer", Action.ANONYMISE, ACCOUNTING, redact=("description",)),
    TableRule(
        "customers.Contact",
        "customer",
        Action.ANONYMISE,
        _("Contact counts per channel (reports of closed periods); the summary and details go."),
        set={"summary": "", "details": {}},
    ),
    TableRule(
        "commitments.CarePlan",
        "customer",
        Action.DELETE,
        _("Planned visits to the person: no longer wanted."),
    ),
    TableRule(
        "followup.FollowupPlan", "customer", Action.DELETE, _("Planned follow-up calls: no longer wanted.")
    ),
    TableRule(
        "followup.FollowupTask",
        "customer",
        Action.ANONYMISE,
        _("Follow-up calls not made yet are cancelled: the person can no longer be reached."),
        where={"status": "open"},
        set={"status": "cancelled", "comments": ""},
    ),
    TableRule(
        "followup.FollowupTask",
        "customer",
        Action.ANONYMISE,
        _("Follow-up figures stay (solved, satisfaction); what the customer said goes."),
        set={"comments": ""},
    ),
    TableRule(
        "followup.FollowupAttempt",
        "task__customer",
        Action.ANONYMISE,
        _("Attempts to reach the person: times stay, identifiers in the note go."),
        redact=("note",),
    ),
    # --- work orders and what hangs on them ---------------------------------------------------------------
    TableRule(
        "workorders.WorkOrder",
        "customer",
        Action.ANONYMISE,
        _(
            "Order statistics and KPIs (type, service, times, status, staff) for closed reporting periods; "
            "the customer's own text goes, staff text loses the identifiers."
        ),
        set={"description": ERASED_TEXT, "reply_phone": "", "reply_email": ""},
        redact=("title", "resolution", "area_kind_reason"),
    ),
    TableRule(
        "workorders.TimelineEntry",
        "workorder__customer",
        Action.ANONYMISE,
        _(
            "What the customer wrote (portal, e-mail, SMS, chat) is erased; the entry stays for the order's times."
        ),
        where={"kind": "customer"},
        set={"body": ERASED_TEXT},
        redact_json=("data",),
    ),
    TableRule(
        "workorders.TimelineEntry",
        "workorder__customer",
        Action.ANONYMISE,
        _("Replies, notes and status changes: kept for the order's history with the identifiers cut out."),
        redact=("body",),
        redact_json=("data",),
    ),
    TableRule(
        "workorders.Attachment",
        "workorder__customer",
        Action.DELETE,
        _("Photos and documents of the person, files on disk included."),
        files=("file",),
    ),
    TableRule(
        "fieldservice.Visit",
        "order__customer",
        Action.ANONYMISE,
        _(
            "Visits stay for the appointment figures (times, outcome); the signer's name goes, notes lose the identifiers."
        ),
        set={"signed_by": ""},
        redact=("notes",),
    ),
    TableRule(
        "complaints.ComplaintRecord",
        "workorder__customer",
        Action.ANONYMISE,
        _(
            "Complaint records are kept for supervision (regulators' complaint statistics, R-27): cause and "
            "handling stay, identifiers in the details go."
        ),
        redact=("details",),
    ),
    TableRule(
        "complaints.Compensation",
        "workorder__customer",
        Action.ANONYMISE,
        ACCOUNTING,
        redact=("reason", "decision_note"),
    ),
    TableRule(
        "supervision.AccountabilityRecord",
        "customer",
        Action.ANONYMISE,
        _("Staff accountability (R-16, R-27): kept, identifiers cut out."),
        redact=("summary", "statement"),
    ),
    TableRule(
        "surveys.Invitation", "customer", Action.ANONYMISE, _("Survey figures stay."), set={"recipient": ""}
    ),
    TableRule(
        "surveys.Response",
        "invitation__customer",
        Action.ANONYMISE,
        _("Survey figures stay; the free comment goes."),
        set={"comment": ""},
    ),
    TableRule(
        "surveys.SatisfactionRecord",
        "customer",
        Action.ANONYMISE,
        _("Satisfaction figures stay; the free comment goes."),
        set={"comment": ""},
    ),
    # --- channels -------------------------------------------------------------------------------------
    TableRule(
        "channels.OutboxMessage",
        "customer",
        Action.DELETE,
        _("Messages not sent yet are not sent any more."),
        where={"status__in": ("queued", "failed", "sending")},
    ),
    TableRule(
        "channels.OutboxMessage",
        "customer",
        Action.ANONYMISE,
        _("Sent messages: the delivery record stays (times, status), recipient and text go."),
        set={"recipient": "", "subject": "", "body": ERASED_TEXT, "headers": {}},
    ),
    TableRule(
        "channels.InboundMessage",
        "customer",
        Action.ANONYMISE,
        _("Incoming e-mail: the raw message, sender and subject go; the intake record stays."),
        set={"from_address": "", "subject": "", "raw": b""},
    ),
    TableRule(
        "channels.GatewayMessage",
        "customer",
        Action.ANONYMISE,
        _("SMS, chat and social messages: the payload goes."),
        set={"payload": {}},
    ),
    TableRule(
        "channels.Call",
        "customer",
        Action.ANONYMISE,
        _("Call statistics stay; the caller's number goes."),
        set={"caller": "", "caller_normalized": ""},
    ),
    TableRule(
        "channels.CallbackTask",
        "customer",
        Action.ANONYMISE,
        _("The number to call back goes."),
        set={"phone": ""},
    ),
    # --- accountability of the controller -------------------------------------------------------------
    TableRule(
        "rights.RightsRequest",
        "customer",
        Action.ANONYMISE,
        _("Proof that each request was answered in time (PIPL Art. 50, GDPR Art. 5(2)); the details go."),
        set={"details": ""},
    ),
    TableRule(
        "audit.AuditRecord",
        "customer_id",
        Action.ANONYMISE,
        _("The service log (R-33) keeps who did what and when; the values recorded lose the identifiers."),
        redact=("summary",),
        redact_json=("before", "after"),
    ),
    # --- records merged into this one (kefu.customers.merge): the same person -----------------------------
    TableRule(
        "customers.ContactPoint",
        "customer__merged_into",
        Action.DELETE,
        _("Identities left on the person's merged records."),
        where={"customer__merged_into__isnull": False},  # its own label in the outcome
    ),
    TableRule(
        "customers.CustomerMerge",
        "survivor",
        Action.ANONYMISE,
        _("Which records were merged, when and by whom stays; the values kept for an undo go."),
        set={
            "survivor_before": {},
            "survivor_after": {},
            "merged_before": {},
            "points_moved": [],
            "points_dropped": [],
            "reason": "",
        },
    ),
    TableRule(
        "customers.Customer",
        "merged_into",
        Action.ANONYMISE,
        _("The person's merged records: placeholders like the record itself (their number stays)."),
        where={"merged_into__isnull": False},  # its own label in the outcome
        set={
            "name": ERASED_NAME,
            "phone": "",
            "phone_e164": "",
            "email": "",
            "address": "",
            "search_text": "",
            "tier_override_reason": "",
            "churn_reasons": [],
            "user": None,
            "marketing_consent": False,
            "erased_at": lambda c: clock.now(),
        },
    ),
    # --- the login and the record itself (last: the identifiers above are taken from them) --------------
    TableRule(
        "auth.User",
        "customer",
        Action.ANONYMISE,
        _("The portal login cannot sign in any more."),
        set={
            "username": lambda c: f"erased-{c.pk}",
            "email": "",
            "first_name": "",
            "last_name": "",
            "is_active": False,
            "password": lambda c: make_password(None),
        },
    ),
    TableRule(
        "customers.Customer",
        "pk",
        Action.ANONYMISE,
        _(
            "An anonymous placeholder: kind, relationship, branch, service area, tier and 'customer since' "
            "stay for the order statistics; name, number, phone, e-mail, address and the login go."
        ),
        set={
            "name": ERASED_NAME,
            "number": lambda c: f"ERASED-{c.pk}",
            "phone": "",
            "phone_e164": "",
            "email": "",
            "address": "",
            "tier_override_reason": "",
            "churn_reasons": [],
            "user": None,
            "marketing_consent": False,
        },
    ),
)


def identifiers(customer: Any) -> list[str]:
    """What must not survive in kept free text: the record's identifiers, its contact points and contact
    people, and the portal login's names."""
    values = [
        customer.name,
        customer.number,
        customer.phone,
        customer.phone_e164,
        customer.email,
        customer.address,
    ]
    values += [v for cp in customer.contact_points.all() for v in (cp.value, cp.normalized)]
    values += [v for p in customer.people.all() for v in (p.name, p.phone, p.email)]
    user = customer.user
    if user is not None:
        values += [user.email, user.get_full_name()]
    return rules.needles(values)


def _value(v: Value, customer: Any) -> Any:
    return v(customer) if callable(v) else v


def _redact_json(value: Any, cut: list[str]) -> Any:
    if value in (None, "", {}, []):
        return value
    text = json.dumps(value, ensure_ascii=False)
    # identifiers as they appear inside a JSON string (quotes and backslashes escaped)
    escaped = [json.dumps(n, ensure_ascii=False)[1:-1] for n in cut]
    return json.loads(rules.redact(text, escaped))


def rows(rule: TableRule, customer: Any) -> models.QuerySet[Any]:
    model = apps.get_model(rule.model)
    return model._default_manager.filter(**{rule.lookup: customer.pk}, **rule.where)


def anonymise(customer: Any, at: dt.datetime) -> dict[str, dict[str, Any]]:
    """Apply ``ERASURE_TABLE`` to ``customer`` (inside the caller's transaction; the customer row locked).
    Returns per rule label: the action, the number of rows and why — the erasure's outcome record."""
    cut = identifiers(customer)
    done: set[tuple[str, int]] = set()  # rows a more specific rule of the same table already handled
    outcome: dict[str, dict[str, Any]] = {}
    for rule in ERASURE_TABLE:
        qs = rows(rule, customer)
        pks = [pk for pk in qs.values_list("pk", flat=True) if (rule.model, pk) not in done]
        done.update((rule.model, pk) for pk in pks)
        qs = qs.model._default_manager.filter(pk__in=pks)
        if rule.action is Action.DELETE:
            for name in rule.files:
                for row in qs.only("pk", name):
                    f = getattr(row, name)
                    if f:
                        f.storage.delete(f.name)
            qs.delete()
        elif rule.action is Action.ANONYMISE:
            fixed = {name: _value(v, customer) for name, v in rule.set.items()}
            if rule.redact or rule.redact_json:
                for row in qs.only("pk", *rule.redact, *rule.redact_json):
                    changes = {n: rules.redact(getattr(row, n) or "", cut) for n in rule.redact}
                    changes |= {n: _redact_json(getattr(row, n), cut) for n in rule.redact_json}
                    qs.model._default_manager.filter(pk=row.pk).update(**changes)
            if fixed:
                qs.update(**fixed)
        outcome[rule.label] = {"action": rule.action.value, "rows": len(pks)}
    customer.refresh_from_db()
    customer.erased_at = at
    customer.search_text = ""
    customer.save(update_fields=["erased_at", "search_text"])
    _rebuild_search(customer)
    return outcome


def _rebuild_search(customer: Any) -> None:
    customer.search_text = customer_search_text(customer)
    customer.save(update_fields=["search_text"])
    search.sync(customer)
    refresh_search_text(customer)
