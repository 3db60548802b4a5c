"""Exports of the main console lists: the order queue and the customer list, with the page's own filters
and the viewer's branch scoping (the same querysets as the pages)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kefu.console.views_orders import filtered_queue, queue_filters
from kefu.customers.access import visible_customers
from kefu.customers.queries import customer_filters, filtered_customers
from kefu.fields import queries as field_queries
from kefu.lib import clock, exports, masking, replica
from kefu.lib.replica import reads_from_replica
from kefu.organization.access import areas_of
from kefu.privacy import records as access_records
from kefu.privacy import rules as privacy_rules
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders import queries


def _fmt(request: ConsoleRequest) -> str:
    """These addresses are exports only: CSV unless XLSX is asked for."""
    return exports.requested(request) or "csv"


@require_GET
@staff_view
@reads_from_replica
def export_orders(request: ConsoleRequest) -> HttpResponseBase:
    tab, _form, filters = queue_filters(request)
    now = clock.now()
    qs = filtered_queue(queries.queue_tabs(request.user, request.staff)[tab], filters, now)
    header = [
        _("Number"), _("Title"), _("Customer"), _("Type"), _("Status"), _("Priority"), _("Service area"),
        _("First-contact owner"), _("Assignee"), _("Received"), _("Due"), _("Resolved"),
        _("Due time provisional"),
    ]  # fmt: skip
    header += field_queries.export_header()[1]  # a column per custom field, then the tags

    def cells(o: Any) -> list[Any]:
        return [
            o.number, o.title, o.customer.name, o.get_order_type_display(), o.get_status_display(),
            o.get_priority_display(), o.area.name if o.area else "", o.owner.name,
            o.assignee.name if o.assignee else "", o.received_at, o.due_at, o.resolved_at,
            _("provisional deadline") if o.due_provisional else "",
        ]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        orders = (
            qs.using(replica.alias())
            .select_related("customer", "area", "owner", "assignee")
            .iterator(chunk_size=2000)
        )
        yield from field_queries.export_rows(orders, cells)

    return exports.respond(
        _fmt(request), f"orders-{tab}-{clock.localdate():%Y%m%d}", _("Orders"), header, rows()
    )


@require_GET
@staff_view(privacy_rules.EXPORT)
@reads_from_replica
def export_customers(request: ConsoleRequest) -> HttpResponseBase:
    _form, filters = customer_filters(request.GET, areas_of(request.staff))
    qs = filtered_customers(visible_customers(request.user).filter(merged_into__isnull=True), filters)
    header = [
        _("Customer number"), _("Name"), _("Phone"), _("Email"), _("Address"), _("Branch"), _("Service area"),
        _("Tier"), _("Relationship"), _("Churn risk"), _("Customer since"),
    ]  # fmt: skip

    # personal data: full for holders of personal.unmasked, masked for the others; the export is recorded
    # with its row count (one count query, one INSERT) before the file streams
    unmasked = request.staff.can(privacy_rules.UNMASKED)
    access_records.record(
        request.user, privacy_rules.Kind.EXPORT, [None], rows=qs.count(), field="" if unmasked else "masked",
        where=request.get_full_path(),
    )  # fmt: skip

    def show(kind: str, value: str) -> str:
        return masking.shown(kind, value, unmasked=unmasked)

    def rows() -> Iterator[list[Any]]:
        for c in qs.using(replica.alias()).iterator(chunk_size=2000):
            yield [
                c.number, c.name, show(masking.PHONE, c.phone), show(masking.EMAIL, c.email),
                show(masking.ADDRESS, c.address), c.branch.name, c.area.name if c.area else "",
                c.get_tier_display(), c.get_relationship_display(), c.get_churn_risk_display(), c.customer_since,
            ]  # fmt: skip

    return exports.respond(
        _fmt(request), f"customers-{clock.localdate():%Y%m%d}", _("Customers"), header, rows()
    )
