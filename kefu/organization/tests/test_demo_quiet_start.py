"""A quiet first start (docs/operations.md): loading the demo queues nothing to send today. The visit
confirmations, the campaign's notices, the maintenance announcement and the statements asked on accountability
records are recorded as delivered when the loader made them; the worker's first pass — every periodic job,
then the outbox sender — hands no SMS or e-mail to a transport."""

from __future__ import annotations

import pytest
from django.db.models import Q

from kefu.channels import outbox
from kefu.channels.models import OutboxMessage, OutboxStatus
from kefu.demo import load_demo
from kefu.jobs import runner
from kefu.lib import clock

pytestmark = pytest.mark.django_db


def test_the_first_worker_pass_after_the_demo_sends_nothing(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_OUTBOX_DIR = tmp_path / "outbox"
    load_demo(customers=40, orders=120)
    loaded = clock.now()
    made = OutboxMessage.objects.filter(channel__in=["sms", "email"])
    assert made.filter(idempotency_key__startswith="appt-confirm:").exists()  # the story has its messages
    assert made.filter(idempotency_key__startswith="maintenance:").exists()
    assert made.filter(idempotency_key__startswith="campaign:").exists()
    assert not made.filter(status__in=[OutboxStatus.QUEUED, OutboxStatus.FAILED], next_attempt_at__lte=loaded)
    assert not made.filter(Q(sent_at__isnull=True) | Q(sent_at__gt=loaded), status=OutboxStatus.SENT)

    runner.load_job_modules()
    ran = runner.run_due_jobs("test-first-start")
    assert "channels.outbox" in ran
    went = outbox.send_due()  # what the jobs of this pass queued, sent as the next pass would
    sent_now = OutboxMessage.objects.filter(channel__in=["sms", "email"], sent_at__gte=loaded)
    assert (went, list(sent_now.values_list("idempotency_key", flat=True))) == (0, [])
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").iterdir())
