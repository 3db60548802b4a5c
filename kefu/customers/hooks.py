"""Extension points of the customer archive, for the layers above it.

The archive does not import the work-order app; the work-order app plugs in here (in its
``AppConfig.ready()``):

- order facts: the counts of a customer's orders the tier and churn rules need (complaints and
  reopened orders in the last 12 months, open orders now);
- customer-renamed listeners run when a customer's name or phone changed, inside the same
  transaction (the orders' search text includes them);
- customer references: every table with a foreign key to a customer registers what a customer merge
  (``kefu.customers.merge``) does with its rows (``register_customer_reference``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kefu.customers.models import Customer


@dataclass(frozen=True)
class OrderFacts:
    complaints_12m: int = 0
    open_orders: int = 0
    reopened_orders_12m: int = 0


OrderFactsProvider = Callable[["Customer", dt.date], OrderFacts]
CustomerListener = Callable[["Customer"], None]

_order_facts: list[OrderFactsProvider] = []
_renamed: dict[str, CustomerListener] = {}


def register_order_facts(fn: OrderFactsProvider) -> None:
    _order_facts[:] = [fn]  # one provider; a second ready() (tests) replaces it


def order_facts(customer: Customer, today: dt.date) -> OrderFacts:
    return _order_facts[0](customer, today) if _order_facts else OrderFacts()


def register_customer_renamed(name: str, fn: CustomerListener) -> None:
    _renamed[name] = fn


def notify_customer_renamed(customer: Customer) -> None:
    for fn in list(_renamed.values()):
        fn(customer)


# --- customer merge: every table that points at a customer says what a merge does with its rows ------------


@dataclass(frozen=True)
class CustomerReference:
    """A foreign key to ``customers.Customer`` and what a customer merge does with its rows.

    ``moves``: the rows are re-pointed from the merged records to the survivor (and back on an undo); a
    reference that does not move (the merge record itself) says so here, so that a new foreign key nobody
    registered is caught by ``kefu/customers/tests/test_merge.py``. ``label`` names the rows in the merge
    preview. ``after_move(customer)`` runs for the survivor after a merge and for every restored record
    after an undo (e.g. the orders' search text names the customer). ``via_order``: the name of the row's
    foreign key to the work order; an order moved to another customer takes these rows with it."""

    model: str  # "app_label.ModelName"
    field: str
    label: Any  # None: the model's verbose_name_plural
    moves: bool = True
    after_move: CustomerListener | None = None
    via_order: str = ""


_references: dict[tuple[str, str], CustomerReference] = {}


def register_customer_reference(
    model: str,
    field: str,
    label: Any = None,
    *,
    moves: bool = True,
    after_move: CustomerListener | None = None,
    via_order: str = "",
) -> None:
    """Declare what a customer merge does with the rows of ``model`` whose ``field`` names a customer
    (called from the owning app's ``AppConfig.ready()``; a second call replaces the first)."""
    _references[(model, field)] = CustomerReference(model, field, label, moves, after_move, via_order)


def customer_references() -> list[CustomerReference]:
    return list(_references.values())
