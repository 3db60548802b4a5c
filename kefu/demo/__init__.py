"""The demo data set (``kefu demo``): a Chinese gas / water / broadband utility with two branches.

:func:`load_demo` builds the organisation (company, branches, outlets, departments, service areas,
staff with logins), the service catalog, ~500 customers of every relationship type with their
archive (subscriptions, contracts, purchases, payments, bad records, notes, contact people) and
~2,000 work orders of every type in every status with replies, notes, transfers, escalations,
links and merges, spread over the last six months; then care plans, maintenance, follow-up plans,
extension requests, inspections and training, the knowledge base and the roster.

One module per app, called in this order by :func:`load_demo` on one shared :class:`~kefu.demo.loader.Loader`
(the seeded random generator and what was created so far): ``organization``, ``commitments`` (catalog),
``customers``, ``workorders`` (which plays the ``complaints`` and ``followup`` steps of each order),
``supervision`` (the breach sweep, the accountability and overdue-notice jobs and the leaders' inbox work,
day by day over the history),
``commitments`` and ``followup`` again (plans, clocks), ``inspections``, ``knowledge``; the fixed word
lists and rows are in ``data``.

How it stays honest and consistent:

* Customers and orders are written through the project's actions (``do_create_customer``,
  ``do_add_record``, ``do_create_order``, ``do_transition``, ``do_reply``, ...), so the audit log,
  timelines, contact history and search index are the real thing. Only configuration rows
  (company, branches, areas, staff, services — what an administrator enters in the admin) and the
  historical billing lines (payments, imported in bulk with one audit record each) are inserted
  directly.
* History is *played*, not rewritten: while customers and orders are loaded, the product's clock
  (``kefu.lib.clock``) is simulated and set to the moment of each step. Every timestamp written by
  the actions (received/created/updated/first response/resolved/closed, timeline, audit, contact
  history, transfers, escalations) and every order number (``GD-YYYYMMDD-NNNNNN`` with the local
  date of reception, counted per day in the ``NumberSequence`` rows) is therefore consistent by
  construction; orders are played in order of reception, so numbers of a day are chronological.
  Steps of one order never go past the real present.
* Tiers are computed once per customer after the archive is complete, with the real date
  (``customers.actions.deferred_tier_recompute`` holds back the per-record recomputation); a few
  customers get a manual override with a reason (``do_override_tier``).
* Deterministic (``random.Random(seed)``) and idempotent: if a company row exists nothing is done.
* Everything runs in one transaction: a failure leaves the database as it was.
"""

from __future__ import annotations

import random
import time
from typing import IO, Any

from django.db import transaction

from kefu.audit import log as audit
from kefu.audit.models import AuditRecord
from kefu.customers.models import Contact, Customer
from kefu.demo import (
    automation,
    commitments,
    customers,
    field_visits,
    fields,
    followup,
    hotline,
    incidents,
    inspections,
    knowledge,
    macros,
    merges,
    organization,
    quiet,
    sendback,
    sso,
    supervision,
    visits,
    workorders,
)
from kefu.demo import campaigns as demo_campaigns
from kefu.demo import data as D
from kefu.demo.customers import PORTAL_LOGINS
from kefu.demo.loader import Loader
from kefu.demo.organization import DEMO_PASSWORD
from kefu.organization.models import Company, Staff
from kefu.workorders.models import WorkOrder


def demo_logins() -> list[str]:
    """Every login the demo data creates (all with :data:`DEMO_PASSWORD`)."""
    return [s.username for s in D.STAFF] + hotline.LOGINS + PORTAL_LOGINS


def load_demo(
    *, seed: int = 2026, orders: int = 2000, customers: int = 500, stdout: IO[str] | None = None
) -> dict[str, Any]:
    """Load the demo data set; return what was created (``{"skipped": True, ...}`` if present)."""
    started = time.monotonic()
    if Company.objects.exists():
        return _skipped()
    loader = Loader(random.Random(seed), stdout)
    with transaction.atomic():  # one transaction for the whole load: all or nothing
        if Company.objects.select_for_update().exists():  # a concurrent run got there first
            return _skipped()
        first = quiet.outbox_mark()
        _load(loader, seed=seed, n_orders=orders, n_customers=customers)
        # a quiet first start: what the loader queued is recorded as delivered then (kefu/demo/quiet.py)
        quiet.sweep_present()
        loader.say(f"messages of the demo recorded as delivered: {quiet.deliver_loaded(first)}")
    result: dict[str, Any] = {
        "skipped": False,
        "staff": Staff.objects.count(),
        "customers": Customer.objects.count(),
        "orders": WorkOrder.objects.count(),
        "timeline": loader.count("timeline"),
        "audit": AuditRecord.objects.count(),
        "contacts": Contact.objects.count(),
        "portal_logins": len(PORTAL_LOGINS),
        "seconds": round(time.monotonic() - started, 1),
    }
    loader.say(f"done in {result['seconds']} s")
    return result


def _load(L: Loader, *, seed: int, n_orders: int, n_customers: int) -> None:
    commitments.ensure_defaults()
    followup.ensure_defaults()
    with L.history():
        organization.load(L)
        commitments.catalog(L)
        organization.finish(L)
        customers.load(L, max(n_customers, 8))
    customers.recompute(L, "archive")  # orders of VIP customers get their priority from it
    with L.history():
        # + 4 installations received at the end (clock_events), + the reports of the incident (incidents),
        # + the orders of sendback.load
        workorders.load(L, max(n_orders, 20) - 4 - incidents.reporters(n_orders) - sendback.ORDERS)
        # the deadlines that passed during that history were swept then, day by day, with the
        # accountability and overdue-notice jobs, and the leaders worked their inboxes as they went
        # (breaches, escalations, their notifications recorded as read): the first start tells nobody
        # today about months-old breaches, and the inboxes show a month, not one batch
        supervision.play(L)
    customers.recompute(L, "final")  # churn risk counts complaints and open orders
    customers.overrides(L)
    today = commitments.proactive(L)
    followup.plans(L, today)
    commitments.clock_events(L)
    inspections.load()  # inspections, corrective actions, plans, a required course and its exam
    knowledge.load()  # FAQ categories and articles, two weeks of agents' shifts
    incidents.load(
        L, incidents.reporters(n_orders)
    )  # a burst main reported by households (kefu/demo/incidents.py)
    sso.load(L)  # single-sign-on group mappings (inert until a directory is configured, docs/sso.md)
    sendback.load(L)  # send-backs (退单), a split, two customers' duplicate reports merged
    macros.load()  # each branch's shared macros and queue views (docs/macros.md)
    hotline.load(L, DEMO_PASSWORD)  # the hotline agent, a WeCom photo on an order (docs/hotline.md)
    merges.load(L)  # one merged placeholder customer and one duplicate candidate
    fields.load(seed)  # custom fields (表号, 户号, appointment), tags, e-mail signatures
    field_visits.load(L)  # tech1's appointments today, for the phone view /field/ (docs/field-service.md)
    visits.load(L)  # booked visits, technicians' shifts and one missed visit (docs/field-service.md)
    demo_campaigns.load(L)  # a safety-check campaign, partly done (docs/field-service.md)
    automation.load()  # three triggers, created last: they fire on what happens after the demo (docs/webhooks.md)
    audit.record(
        None,
        "demo.load",
        object_type="demo",
        object_id=seed,
        after={"customers": n_customers, "orders": n_orders, "seed": seed},
        summary="demo data loaded",
    )


def _skipped() -> dict[str, Any]:
    return {"skipped": True, "customers": Customer.objects.count(), "orders": WorkOrder.objects.count()}


__all__ = ["DEMO_PASSWORD", "PORTAL_LOGINS", "demo_logins", "load_demo"]
