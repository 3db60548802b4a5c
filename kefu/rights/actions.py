"""Use cases of the customer's rights (PIPL Art. 44-50, GDPR Art. 12-21).

Every request — a copy of the data, a correction, withdrawal of marketing consent, erasure — is a work
order of the service "personal information request" (its time limit: 15 working days on the branch
calendar under PIPL practice, one month under the GDPR for the branches in ``KEFU_GDPR_BRANCHES``) with a
:class:`RightsRequest` saying what was asked. A withdrawal of consent takes effect at once (GDPR Art. 7(3):
as easy as giving it); resolving an erasure order runs the anonymisation of ``erasure.ERASURE_TABLE``
(supervisors and administrators only, and only once the customer's other orders are closed or resolved).
Every step writes a service-log record (R-33).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels.actions import portal_customer
from kefu.commitments.clocks import ensure_privacy_services
from kefu.commitments.models import Service
from kefu.customers.access import access_customer
from kefu.customers.models import Channel, Customer
from kefu.lib import clock
from kefu.lib.errors import KefuError, PermissionDenied, ValidationFailed, raise_if
from kefu.organization.access import Actor, login_of, require_staff
from kefu.organization.models import Branch
from kefu.rights import erasure, rules
from kefu.rights.models import KindChoices, RightsRequest, Via
from kefu.workorders import actions as wo_actions
from kefu.workorders import hooks
from kefu.workorders import rules as wo_rules
from kefu.workorders.models import WorkOrder
from kefu.workorders.receivers import receive_request

ORDER_TYPE = "inquiry"
MAX_DETAILS = 4000


def regime_of(branch: Branch) -> rules.Regime:
    return rules.regime_for(branch.code, settings.KEFU_GDPR_BRANCHES)


def service_for(regime: rules.Regime) -> Service:
    """The catalogue service of requests under ``regime`` (migration commitments 0013; re-created with
    its limit if a test emptied the catalogue)."""
    code = rules.SERVICE_CODES[regime]
    service = Service.objects.filter(code=code).first()
    if service is None:
        ensure_privacy_services()
        service = Service.objects.get(code=code)
    return service


def _check(customer: Customer, kind: str, details: str) -> tuple[rules.RequestKind, str]:
    errors: list[KefuError] = []
    details = (details or "").strip()
    try:
        k = rules.RequestKind(kind)
    except ValueError:
        raise ValidationFailed("invalid_choice", _("Choose what you are asking for."), "kind") from None
    if customer.erased_at is not None:
        errors.append(ValidationFailed("erased", _("This customer's data was erased."), "kind"))
    if k is rules.RequestKind.CORRECTION and not details:
        errors.append(ValidationFailed("required", _("Say what is wrong and what is right."), "details"))
    if len(details) > MAX_DETAILS:
        errors.append(
            ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": MAX_DETAILS}, "details")
        )
    already = (
        RightsRequest.objects.filter(
            customer=customer, kind=k, workorder__status__in=[s.value for s in wo_rules.OPEN_STATUSES]
        )
        .values_list("workorder__number", flat=True)
        .first()
    )
    if already:
        errors.append(
            ValidationFailed(
                "duplicate",
                _("A request of this kind is already open: %(number)s.") % {"number": already},
                "kind",
            )
        )
    raise_if(errors)
    return k, details


def _order_input(
    customer: Customer, kind: rules.RequestKind, details: str, channel: str
) -> wo_actions.OrderInput:
    regime = regime_of(customer.branch)
    service = service_for(regime)
    with translation.override(customer.branch.language or settings.LANGUAGE_CODE):
        label = str(KindChoices(kind.value).label)
        title = _("Personal information request: %(kind)s") % {"kind": label}
        description = details or label
    return wo_actions.OrderInput(
        order_type=ORDER_TYPE,
        title=title,
        description=description,
        channel=channel,
        service_id=service.pk,
        technical=False,
        place="remote",
    )


def _record(
    actor_user: Actor, customer: Customer, o: WorkOrder, kind: rules.RequestKind, via: str, details: str
) -> RightsRequest:
    now = clock.now()
    r = RightsRequest.objects.create(
        customer=customer,
        workorder=o,
        kind=kind.value,
        via=via,
        regime=regime_of(customer.branch).value,
        details=details,
        created_by=login_of(actor_user),
        created_at=now,
    )
    audit.record(
        actor_user,
        "rights.request",
        r,
        after={"kind": r.kind, "via": via, "regime": r.regime, "order": o.number},
        customer_id=customer.pk,
        workorder_id=o.pk,
        summary=f"{r.kind} {o.number}",
    )
    if kind is rules.RequestKind.CONSENT_WITHDRAWAL:
        set_marketing_consent(actor_user, customer, False, at=now, workorder=o)
    return r


@transaction.atomic
def do_counter_request(user: Actor, customer_id: int, kind: str, details: str = "") -> RightsRequest:
    """Staff register a request the customer makes at the counter (or on the phone): the order is theirs
    (first-contact owner, channel "counter")."""
    staff = require_staff(user, "customer.edit")
    customer = access_customer(user, customer_id, for_update=True)
    k, details = _check(customer, kind, details)
    o = wo_actions.create_order_for(
        staff,
        customer,
        _order_input(customer, k, details, Channel.COUNTER),
        actor_user=user,
        channel=Channel.COUNTER,
    )
    return _record(user, customer, o, k, Via.COUNTER, details)


@transaction.atomic
def do_portal_request(user: Actor, kind: str, details: str = "") -> RightsRequest:
    """The customer asks on the portal: the order goes to the on-duty receiver of their branch."""
    me = portal_customer(user)
    if me is None:
        raise PermissionDenied("not_customer", _("Only customers can submit requests here."))
    customer = access_customer(user, me.pk, for_update=True)
    k, details = _check(customer, kind, details)
    o = receive_request(
        customer,
        _order_input(customer, k, details, Channel.PORTAL),
        refusal=ValidationFailed(
            "no_receiver", _("Your request cannot be received online right now; please call the hotline.")
        ),
        actor_user=user,
        receiver_event="portal_receiver",
    ).order
    return _record(user, customer, o, k, Via.PORTAL, details)


def set_marketing_consent(
    actor_user: Actor,
    customer: Customer,
    consent: bool,
    *,
    at: dt.datetime,
    workorder: WorkOrder | None = None,
) -> None:
    """Record that ``customer`` gave (True) or withdrew (False) consent to marketing, with the time; the
    outbox's marketing class reads ``Customer.marketing_consent``. Inside the caller's transaction."""
    before = {
        "marketing_consent": customer.marketing_consent,
        "marketing_consent_at": customer.marketing_consent_at,
    }
    customer.marketing_consent = consent
    customer.marketing_consent_at = at
    customer.save(update_fields=["marketing_consent", "marketing_consent_at"])
    audit.record(
        actor_user,
        "customer.marketing_consent" if consent else "customer.marketing_consent_withdrawn",
        customer,
        before=before,
        after={"marketing_consent": consent, "marketing_consent_at": at},
        customer_id=customer.pk,
        workorder_id=workorder.pk if workorder is not None else None,
    )


@transaction.atomic
def do_set_marketing_consent(user: Actor, customer_id: int, consent: bool) -> Customer:
    """Staff record the customer's consent to marketing (given at the counter, in writing) or its
    withdrawal without a request order."""
    require_staff(user, "customer.edit")
    customer = access_customer(user, customer_id, for_update=True)
    if customer.erased_at is not None:
        raise ValidationFailed("erased", _("This customer's data was erased."), "marketing_consent")
    set_marketing_consent(user, customer, consent, at=clock.now())
    return customer


def record_copy_download(user: Actor, r: RightsRequest, fmt: str) -> None:
    """A copy was downloaded (by the customer on the portal, or by staff to print at the counter): one
    service-log record per download; handing it over is resolving the order."""
    with transaction.atomic():
        audit.record(
            user,
            "rights.copy_downloaded",
            r,
            after={"format": fmt},
            customer_id=r.customer_id,
            workorder_id=r.workorder_id,
            summary=f"{fmt} {r.workorder.number}",
        )


# --- the order's life (workorders.hooks) ------------------------------------------------------------------


def _request_of(order: WorkOrder) -> RightsRequest | None:
    if order.order_type != ORDER_TYPE or order.service_id is None:
        return None  # cannot be a request: no query (the order page and transitions have statement budgets)
    return RightsRequest.objects.filter(workorder=order).select_related("customer").first()


def _guard(event: hooks.TransitionEvent) -> None:
    """Resolving an erasure order erases: supervisors and administrators only, and not while the
    customer has other open orders (they would lose the way to reach the customer)."""
    if event.to_status != wo_rules.Status.RESOLVED:
        return
    r = _request_of(event.order)
    if r is None or r.kind != rules.RequestKind.ERASURE:
        return
    if not event.staff.can("privacy.erase"):
        raise PermissionDenied(
            "forbidden", _("Only a supervisor or an administrator can complete an erasure."), "status"
        )
    others = (
        WorkOrder.objects.filter(
            customer_id=r.customer_id, status__in=[s.value for s in wo_rules.OPEN_STATUSES]
        )
        .exclude(pk=event.order.pk)
        .values_list("number", flat=True)
    )
    if others:
        numbers = sorted(others)[:10]
        message = _("The customer still has open orders: %(list)s. Resolve or close them first.")
        if RightsRequest.objects.filter(workorder__number__in=numbers).exists():
            # e.g. the copy the customer downloaded before asking for the erasure: its order is still open
            message = _(
                "The customer still has open orders: %(list)s. Resolve or close them first; this includes "
                "their other personal-information requests (a copy is answered once the customer has it)."
            )
        raise ValidationFailed("open_orders", message % {"list": ", ".join(numbers)}, "status")


def _listener(event: hooks.TransitionEvent) -> None:
    if event.to_status != wo_rules.Status.RESOLVED:
        return
    r = _request_of(event.order)
    if r is None or r.completed_at is not None:
        return
    r.completed_at = event.at
    if r.kind == rules.RequestKind.ERASURE:
        customer = Customer.objects.select_for_update().get(pk=r.customer_id)
        r.outcome = erasure.anonymise(customer, event.at)
        r.details = ""
    r.save(update_fields=["completed_at", "outcome", "details"])
    audit.record(
        event.user,
        "rights.erased" if r.kind == rules.RequestKind.ERASURE else "rights.completed",
        r,
        after={"kind": r.kind, "outcome": r.outcome} if r.outcome else {"kind": r.kind},
        customer_id=r.customer_id,
        workorder_id=r.workorder_id,
        summary=f"{r.kind} {event.order.number}",
    )


def register_hooks() -> None:
    hooks.register_transition_guard("rights", _guard)
    hooks.register_transition_listener("rights", _listener)
    hooks.register_order_panel(
        hooks.OrderPanel(key="rights", template="rights/_order_panel.html", context=order_panel, position=5)
    )


def order_panel(request: Any, order: WorkOrder) -> dict[str, Any] | None:
    """The order page's card on a personal information request: what was asked, the law, and for an
    erasure what resolving the order does (a header badge too: it must not be missed)."""
    r = _request_of(order)
    if r is None:
        return None
    erasure_pending = r.kind == rules.RequestKind.ERASURE and r.completed_at is None
    return {
        "r": r,
        "erasure_pending": erasure_pending,
        "header_badge": {"text": _("Erasure request"), "anchor": "rights-panel"} if erasure_pending else None,
    }


def requests_of(customer: Customer) -> list[RightsRequest]:
    return list(RightsRequest.objects.filter(customer=customer).select_related("workorder"))


def deadline(r: RightsRequest) -> Any:
    """The request's due time: its order's resolution clock (on the branch calendar)."""
    return r.workorder.due_at
