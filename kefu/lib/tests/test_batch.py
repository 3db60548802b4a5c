"""kefu.lib.batch: the writes of one action queued and sent together — one statement on PostgreSQL —
and written before any other statement, so every read sees them (run with ``DATABASE_URL`` for PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from kefu import live
from kefu.audit import log as audit
from kefu.audit.models import AuditRecord
from kefu.channels import outbox
from kefu.channels.models import OutboxChannel, OutboxMessage
from kefu.customers.actions import record_contact
from kefu.customers.models import Contact
from kefu.lib import batch
from kefu.live.models import LiveEvent
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

PG = connection.vendor == "postgresql"
AT = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)


def _writes(world: Any, o: WorkOrder, key: str) -> tuple[Contact, AuditRecord]:
    rec = audit.record(world.agent.user, "order.reply", o, customer_id=o.customer_id, workorder_id=o.pk)
    contact = record_contact(o.customer, "sms", staff=world.agent, workorder=o, summary="回复", at=AT)
    outbox.enqueue(
        channel=OutboxChannel.SMS,
        recipient="+8613700137077",
        body="您好",
        idempotency_key=key,
        customer=o.customer,
        workorder=o,
        new_key=True,
    )
    live.publish_many([(live.order_topic(o.pk), "order", {"order": o.pk})])
    return contact, rec


def _order(world: Any, phone: str) -> WorkOrder:
    o = world.order(world.customer(phone=phone))
    assert o.customer.pk and world.agent.user.staff.pk  # read before the blocks (no read inside them)
    return o


def test_one_statement_on_postgresql_and_ids_set(world: Any) -> None:
    o = _order(world, "13700137077")
    o.title = "改了标题"
    events = LiveEvent.objects.filter(topic=live.order_topic(o.pk)).count()
    with CaptureQueriesContext(connection) as ctx, transaction.atomic(), batch.deferred():
        contact, rec = _writes(world, o, "batch-test:1")
        batch.defer_update(o, ["title"])
        assert contact.pk is None and rec.pk is None  # queued, not written yet
    writes = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    # the contact, audit record, outbox row, live event and the order's UPDATE: one statement on
    # PostgreSQL (with the NOTIFY), one per table on SQLite
    assert len(writes) == (1 if PG else 5), writes
    assert contact.pk is not None and rec.pk is not None  # the ids came back
    assert Contact.objects.get(pk=contact.pk).summary == "回复"
    assert AuditRecord.objects.get(pk=rec.pk).action == "order.reply"
    assert OutboxMessage.objects.filter(idempotency_key="batch-test:1").count() == 1
    assert LiveEvent.objects.filter(topic=live.order_topic(o.pk)).count() == events + 1
    assert WorkOrder.objects.get(pk=o.pk).title == "改了标题"


def test_a_read_in_the_block_sees_the_queued_rows(world: Any) -> None:
    o = _order(world, "13700137078")
    before = Contact.objects.filter(workorder=o).count()
    with transaction.atomic(), batch.deferred():
        record_contact(o.customer, "sms", staff=world.agent, workorder=o, summary="一", at=AT)
        assert Contact.objects.filter(workorder=o).count() == before + 1  # written before the read
        record_contact(o.customer, "sms", staff=world.agent, workorder=o, summary="二", at=AT)
    assert Contact.objects.filter(workorder=o).count() == before + 2


def test_an_exception_writes_nothing(world: Any) -> None:
    o = _order(world, "13700137079")
    before = Contact.objects.count(), AuditRecord.objects.count()
    with pytest.raises(RuntimeError, match="refused"), transaction.atomic(), batch.deferred():
        _writes(world, o, "batch-test:2")
        raise RuntimeError("refused")
    assert (Contact.objects.count(), AuditRecord.objects.count()) == before
    assert not OutboxMessage.objects.filter(idempotency_key="batch-test:2").exists()


def test_a_duplicate_outbox_key_fails_the_batch(world: Any) -> None:
    """Exactly once: a second row with the same key refuses the whole batch (the action rolls back)."""
    o = _order(world, "13700137080")
    with transaction.atomic():
        _writes(world, o, "batch-test:3")
    contacts = Contact.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic(), batch.deferred():
        _writes(world, o, "batch-test:3")
    assert Contact.objects.count() == contacts
    assert OutboxMessage.objects.filter(idempotency_key="batch-test:3").count() == 1


def test_outside_a_block_the_writers_write_at_once(world: Any) -> None:
    o = _order(world, "13700137081")
    with transaction.atomic():
        contact = record_contact(o.customer, "sms", staff=world.agent, workorder=o, summary="即时", at=AT)
        assert contact.pk is not None
    assert batch.current() is None
