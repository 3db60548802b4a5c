"""The lock inbound e-mail takes on the sender's customer row (PostgreSQL).

It serialises one sender's mail, but must not block other transactions' foreign-key checks on the
customer: a reply holding the order commits rows that reference the customer, and with ``FOR UPDATE`` here
the reply, this ingest (waiting for the order) and a third writer on the order deadlocked
(bench/concurrency.py, 2026-11-23).
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from kefu.channels.mail import inbound as email_in
from kefu.channels.mail import parse as mail
from kefu.channels.models.mail import Mailbox

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

RAW = b"From: a@example.cn\r\nSubject: hello\r\nMessage-ID: <lock-1@example.cn>\r\n\r\nhi"


def test_sender_lock_lets_foreign_key_checks_through_but_serialises_mail(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite locks the whole database)")
    c = world.customer(email="a@example.cn")
    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn")
    parsed = mail.parse(RAW)
    params = connection.get_connection_params()
    with transaction.atomic():
        locked = email_in._customer_for(parsed, box, create=False)
        assert locked is not None and locked.pk == c.pk
        with psycopg.connect(**params, autocommit=True) as other:
            # what PostgreSQL's deferred foreign-key check of another transaction takes on the row
            row = other.execute(
                "SELECT 1 FROM customers_customer WHERE id = %s FOR KEY SHARE NOWAIT", [c.pk]
            ).fetchone()
            assert row == (1,)
            # a second message of the same sender still waits
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(
                    "SELECT 1 FROM customers_customer WHERE id = %s FOR NO KEY UPDATE NOWAIT", [c.pk]
                )
