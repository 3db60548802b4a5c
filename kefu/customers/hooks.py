"""Extension points of the customer archive, for the layers above it.

The archive does not import the work-order app; the work-order app plugs in here (in its
``AppConfig.ready()``):

- order facts: the counts of a customer's orders the tier and churn rules need (complaints and
  reopened orders in the last 12 months, open orders now);
- customer-renamed listeners run when a customer's name or phone changed, inside the same
  transaction (the orders' search text includes them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
