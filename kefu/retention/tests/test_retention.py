"""Retention (docs/privacy.md, "Retention"): every kind is pruned at its boundary — a row one day inside its
period stays, one day past it goes — files leave the disk with their rows, the run log says what was done,
a crash mid-run loses and repeats nothing, two runs at once do everything exactly once, the admin page
edits a period with an audit record, and ``kefu check`` warns on periods kept for ever or below the legal
minimum. Today is 2026-06-01 12:00 UTC throughout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.channels.mail import inbound as email_in
from kefu.channels.models import OutboxMessage
from kefu.channels.models.gateways import Call, CallbackTask, CallEvent, GatewayMessage
from kefu.channels.models.mail import InboundMessage, Mailbox
from kefu.channels.tests.test_email_in import make as make_mail
from kefu.checks import run_checks
from kefu.customers.models import Payment
from kefu.jobs import runner
from kefu.lib import search
from kefu.notifications.models import Notification
from kefu.privacy.models import AccessRecord
from kefu.retention import actions, registry
from kefu.retention.checks import check_retention
from kefu.retention.kinds import KINDS
from kefu.retention.models import PendingFile, RetentionPolicy, RetentionRun
from kefu.testing.clock import freeze, utc
from kefu.testing.dblock import sqlite_on_file
from kefu.testing.threads import together
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

NOW = utc(2026, 6, 1, 12, 0)


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Any:
    return freeze(monkeypatch, NOW)


def closed_order(world: Any, days_ago: int, phone: str = "13800138000", **kw: Any) -> WorkOrder:
    o = world.order(world.customer(phone=phone), **kw)
    WorkOrder.objects.filter(pk=o.pk).update(
        status="closed", closed_at=ago(days_ago), resolved_at=ago(days_ago)
    )
    o.refresh_from_db()
    return o


def attach(o: WorkOrder, content: bytes, name: str = "photo.jpg") -> Attachment:
    import hashlib

    return Attachment.objects.create(
        workorder=o,
        file=ContentFile(content, name=name),
        filename=name,
        content_type="image/jpeg",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=ago(800),
    )


def on_disk(name: str | None) -> bool:
    return bool(name) and default_storage.exists(str(name))


def run_only(kind: str, **kw: Any) -> RetentionRun | None:
    runs = actions.run(now=NOW, kinds=[kind], **kw)
    assert len(runs) <= 1
    return runs[0] if runs else None


# --- the table -------------------------------------------------------------------------------------------


def test_every_kind_has_a_default_reason_and_a_handler_except_access_records():
    handlers = registry.load_handlers()
    assert set(KINDS) == {
        "calls",
        "chat_transcripts",
        "attachments",
        "access_records",
        "closed_orders",
        "anonymous_reports",
        "raw_email",
        "outbox",
        "notifications",
        "payments",
        "audit",
    }
    assert {k: KINDS[k].default_days for k in KINDS} == {
        "calls": 180,
        "chat_transcripts": 180,
        "attachments": 730,
        "access_records": 365,
        "closed_orders": 1095,
        "anonymous_reports": 180,
        "raw_email": 90,
        "outbox": 180,
        "notifications": 90,
        "payments": 3650,
        "audit": 3650,
    }
    assert all(str(k.reason) for k in KINDS.values())
    # the access records belong to the privacy app; without it there is no handler (and nothing to delete)
    missing = set(KINDS) - set(handlers)
    assert missing <= {"access_records"}


def test_unknown_kind_cannot_be_registered():
    with pytest.raises(ValueError, match="unknown retention kind"):
        registry.register("tea_leaves", lambda before, limit: registry.Outcome())


# --- each kind at its boundary -------------------------------------------------------------------------------


def test_calls_kept_180_days_with_their_events_open_callbacks_keep_theirs(world, now):
    Call.objects.create(call_id="in", caller="13800138000", started_at=ago(179))
    past = Call.objects.create(call_id="past", caller="13800138001", started_at=ago(181), state="ended")
    CallEvent.objects.create(call=past, event="ended", payload={"recording": "https://cti.example/r/1.wav"})
    waiting = Call.objects.create(
        call_id="waiting", caller="13800138002", started_at=ago(200), state="missed"
    )
    CallbackTask.objects.create(call=waiting, phone="13800138002", due=ago(199))
    done = Call.objects.create(call_id="done", caller="13800138003", started_at=ago(200), state="missed")
    CallbackTask.objects.create(call=done, phone="13800138003", due=ago(199), done_at=ago(198))
    run = run_only("calls")
    assert run is not None and run.deleted == 2 and run.cutoff == ago(180)
    assert sorted(Call.objects.values_list("call_id", flat=True)) == ["in", "waiting"]
    assert not CallEvent.objects.exists() and CallbackTask.objects.count() == 1


def test_chat_sms_and_social_transcripts_kept_180_days(world, now):
    GatewayMessage.objects.create(
        kind="chat", external_id="m-in", received_at=ago(179), payload={"t": "你好"}
    )
    GatewayMessage.objects.create(kind="chat", external_id="m-past", received_at=ago(181))
    GatewayMessage.objects.create(kind="sms", external_id="s-past", received_at=ago(181))
    run = run_only("chat_transcripts")
    assert run is not None and run.deleted == 2
    assert list(GatewayMessage.objects.values_list("external_id", flat=True)) == ["m-in"]


def test_attachments_of_orders_closed_730_days_ago_leave_with_their_files(world, now):
    kept_order = closed_order(world, 729)
    gone_order = closed_order(world, 731, phone="13800138001")
    open_order = world.order(world.customer(phone="13800138002"))
    kept = attach(kept_order, b"kept-photo")
    gone = attach(gone_order, b"gone-photo")
    still_open = attach(open_order, b"open-photo")
    gone_name = gone.file.name
    assert on_disk(gone_name)
    run = run_only("attachments")
    assert run is not None and (run.deleted, run.files) == (1, 1)
    assert sorted(Attachment.objects.values_list("pk", flat=True)) == sorted([kept.pk, still_open.pk])
    assert not on_disk(gone_name)
    assert on_disk(kept.file.name) and on_disk(still_open.file.name)
    assert not PendingFile.objects.exists()
    assert WorkOrder.objects.filter(pk=gone_order.pk).exists()  # the order stays


def test_closed_orders_anonymised_after_1095_days_not_deleted(world, now):
    kept = closed_order(world, 1094, description="王先生家宽带故障，地址和平里5号楼")
    past = closed_order(
        world, 1096, phone="13800138001", title="张三家燃气味", description="张三，和平里3号楼2单元，燃气味"
    )
    WorkOrder.objects.filter(pk=past.pk).update(resolution="更换阀门", reply_phone="+8613900139000")
    TimelineEntry.objects.create(
        workorder=past, kind="customer", body="我是张三，电话13800138001", created_at=ago(1100)
    )
    photo = attach(past, b"past-photo")
    name = photo.file.name
    assert search.filter_queryset(WorkOrder.objects.all(), "和平里3号").count() == 1
    run = run_only("closed_orders")
    assert run is not None and (run.anonymised, run.deleted, run.files) == (1, 1, 1)
    past.refresh_from_db()
    assert past.anonymised_at == NOW
    assert (past.title, past.description, past.resolution, past.reply_phone) == ("—", "", "", "")
    assert past.number.startswith("GD-") and past.status == "closed" and past.branch_id == world.north.pk
    assert not TimelineEntry.objects.filter(workorder=past).exclude(body="").exists()
    assert TimelineEntry.objects.filter(workorder=past).exists()  # the history's shape stays for the reports
    assert not on_disk(name) and not Attachment.objects.filter(workorder=past).exists()
    assert search.filter_queryset(WorkOrder.objects.all(), "和平里3号").count() == 0
    assert list(search.filter_queryset(WorkOrder.objects.all(), past.number)) == [past]
    kept.refresh_from_db()
    assert kept.anonymised_at is None and "和平里5号楼" in kept.description
    # exactly once: a second run finds nothing
    assert run_only("closed_orders") is None
    assert RetentionRun.objects.filter(kind="closed_orders").count() == 1


def test_anonymous_report_contacts_blanked_180_days_after_closing(world, now):
    kept = closed_order(world, 179)
    past = closed_order(world, 181, phone="13800138001")
    WorkOrder.objects.filter(pk__in=[kept.pk, past.pk]).update(
        reply_phone="+8613900139000", reply_email="reporter@example.cn"
    )
    run = run_only("anonymous_reports")
    assert run is not None and run.anonymised == 1
    past.refresh_from_db()
    kept.refresh_from_db()
    assert (past.reply_phone, past.reply_email) == ("", "")
    assert (kept.reply_phone, kept.reply_email) == ("+8613900139000", "reporter@example.cn")
    assert past.description  # the report itself follows the closed-order period


def test_raw_email_follows_the_table_and_the_setting_is_its_default(world, now, settings):
    settings.KEFU_MAIL_RAW_RETENTION_DAYS = 90
    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn", imap_host="127.0.0.1")
    kept = email_in.ingest(box, make_mail(msgid="<kept@example.com>")).inbound
    past = email_in.ingest(box, make_mail(msgid="<past@example.com>", subject="另一件事")).inbound
    assert kept is not None and past is not None
    InboundMessage.objects.filter(pk=kept.pk).update(received_at=ago(89))
    InboundMessage.objects.filter(pk=past.pk).update(received_at=ago(91))
    run = run_only("raw_email")
    assert run is not None and run.deleted == 1
    assert InboundMessage.objects.get(pk=past.pk).raw_purged
    assert not InboundMessage.objects.get(pk=kept.pk).raw_purged
    # an administrator's period replaces the setting, for the job and for purge_raw alike
    actions.do_set_period(world.admin.user, "raw_email", 60)
    assert email_in.purge_raw(now=NOW) == 1
    assert InboundMessage.objects.get(pk=kept.pk).raw_purged


def test_sent_outbox_messages_kept_180_days_queued_ones_never_deleted(world, now):
    def msg(key: str, status: str, days: int) -> OutboxMessage:
        return OutboxMessage.objects.create(
            channel="sms",
            recipient="+8613800138000",
            body="您的工单已受理",
            idempotency_key=key,
            status=status,
            next_attempt_at=ago(days),
            created_at=ago(days),
        )

    msg("in", "sent", 179)
    msg("past", "sent", 181)
    msg("dead", "dead", 181)
    msg("retrying", "failed", 400)
    run = run_only("outbox")
    assert run is not None and run.deleted == 2
    assert sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == ["in", "retrying"]


def test_notifications_kept_90_days(world, now):
    for key, days in (("in", 89), ("past", 91)):
        Notification.objects.create(
            recipient=world.agent,
            kind="assigned",
            params={"k": key},
            created_at=ago(days),
            updated_at=ago(days),
        )
    run = run_only("notifications")
    assert run is not None and run.deleted == 1
    assert list(Notification.objects.values_list("params__k", flat=True)) == ["in"]


def test_paid_payments_kept_ten_years_unpaid_never_deleted(world, now):
    c = world.customer()
    Payment.objects.create(
        customer=c,
        description="in",
        amount=Decimal("30.00"),
        due_date=dt.date(2016, 5, 1),
        paid_on=ago(3649).date(),
    )
    Payment.objects.create(
        customer=c,
        description="past",
        amount=Decimal("30.00"),
        due_date=dt.date(2016, 5, 1),
        paid_on=ago(3651).date(),
    )
    Payment.objects.create(
        customer=c, description="unpaid", amount=Decimal("30.00"), due_date=dt.date(2010, 1, 1)
    )
    run = run_only("payments")
    assert run is not None and run.deleted == 1
    assert sorted(Payment.objects.values_list("description", flat=True)) == ["in", "unpaid"]


def test_audit_kept_ten_years(world, now):
    AuditRecord.objects.all().delete()
    for label, days in (("in", 3649), ("past", 3651)):
        AuditRecord.objects.create(
            at=ago(days), actor_label=label, action="x", object_type="t", object_id="1"
        )
        RetentionRun.objects.create(
            kind=label, days=1, cutoff=ago(days), started_at=ago(days), finished_at=ago(days)
        )
    run = run_only("audit")
    assert run is not None and run.deleted == 2  # the service log's row and the old run log's row
    assert list(RetentionRun.objects.exclude(pk=run.pk).values_list("kind", flat=True)) == ["in"]
    assert list(AuditRecord.objects.filter(action="x").values_list("actor_label", flat=True)) == ["in"]
    # the run itself is in the service log
    assert AuditRecord.objects.get(action="retention.run").after == {
        "kind": "audit",
        "deleted": 2,
        "anonymised": 0,
        "files": 0,
    }


def test_access_records_kept_365_days(world, now):
    c = world.customer("张三", "13800138000")
    for days in (366, 364):
        AccessRecord.objects.create(at=ago(days), actor="x", customer=c, kind="view")
    run = run_only("access_records")
    assert run is not None and run.deleted == 1
    assert list(AccessRecord.objects.values_list("at", flat=True)) == [ago(364)]


def test_zero_days_keeps_for_ever(world, now):
    Notification.objects.create(
        recipient=world.agent, kind="assigned", created_at=ago(5000), updated_at=ago(5000)
    )
    RetentionPolicy.objects.create(kind="notifications", days=0, updated_at=NOW)
    assert run_only("notifications") is None
    assert Notification.objects.count() == 1


# --- the run: log, crash, files, concurrency -------------------------------------------------------------------


def test_run_log_and_batches(world, now):
    for i in range(7):
        Notification.objects.create(
            recipient=world.agent, kind="assigned", created_at=ago(100), updated_at=ago(100 + i)
        )
    run = run_only("notifications", batch=3, me="host:1")
    assert run is not None
    assert (run.kind, run.days, run.cutoff, run.deleted, run.anonymised) == (
        "notifications",
        90,
        ago(90),
        7,
        0,
    )
    assert run.started_at == NOW and run.finished_at == NOW and run.worker == "host:1" and not run.error


def test_a_crash_mid_run_loses_and_repeats_nothing(world, now, monkeypatch):
    for i in range(10):
        Notification.objects.create(
            recipient=world.agent, kind="assigned", created_at=ago(100), updated_at=ago(100 + i)
        )
    real = registry.HANDLERS["notifications"]
    batches = []

    def crashing(before: dt.datetime, limit: int) -> registry.Outcome:
        batches.append(limit)
        if len(batches) == 3:
            raise RuntimeError("worker killed")
        return real(before, limit)

    monkeypatch.setitem(registry.HANDLERS, "notifications", crashing)
    first = run_only("notifications", batch=4)
    assert first is not None and first.deleted == 8 and "worker killed" in first.error
    assert Notification.objects.count() == 2  # the two committed batches are gone, and only they
    monkeypatch.setitem(registry.HANDLERS, "notifications", real)
    second = run_only("notifications", batch=4)
    assert second is not None and second.deleted == 2 and not second.error
    assert not Notification.objects.exists()
    assert sum(RetentionRun.objects.filter(kind="notifications").values_list("deleted", flat=True)) == 10


def test_files_of_a_run_that_stopped_after_its_commit_are_removed_by_the_next(world, now, monkeypatch):
    o = closed_order(world, 731)
    name = attach(o, b"orphan-photo").file.name
    monkeypatch.setattr(actions, "remove_pending_files", lambda run=None: 0)  # the process died here
    run = run_only("attachments")
    assert run is not None and run.deleted == 1 and run.files == 0
    assert on_disk(name) and PendingFile.objects.filter(name=name).exists()
    monkeypatch.undo()
    freeze(monkeypatch, NOW)
    assert actions.run(now=NOW) == []  # nothing new to delete …
    assert not on_disk(name) and not PendingFile.objects.exists()  # … but the file is gone


@pytest.mark.django_db(transaction=True)
def test_the_job_is_registered_and_runs_from_the_worker(world, monkeypatch):
    freeze(monkeypatch, NOW)
    runner.load_job_modules()
    assert runner.JOBS["retention.prune"].interval == dt.timedelta(hours=6)
    assert "channels.mail_retention" not in runner.JOBS  # folded into the retention job
    Notification.objects.create(
        recipient=world.agent, kind="assigned", created_at=ago(91), updated_at=ago(91)
    )
    assert "retention.prune" in runner.run_due_jobs("w1")
    assert RetentionRun.objects.get(kind="notifications").deleted == 1
    assert "retention.prune" not in runner.run_due_jobs("w2")  # not due again for 6 hours


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_do_everything_exactly_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("parallel runs are exercised on PostgreSQL (SQLite serialises writers)")
    for i in range(30):
        Notification.objects.create(
            recipient=world.agent, kind="assigned", created_at=ago(100), updated_at=ago(100 + i)
        )
        Call.objects.create(call_id=f"c{i}", caller="13800138000", started_at=ago(200 + i))
    orders = [closed_order(world, 1100 + i, phone=f"1380013{i:04d}") for i in range(12)]
    names = [attach(o, f"photo-{o.pk}".encode()).file.name for o in orders]

    def worker(i: int) -> list[RetentionRun]:
        return [r for _ in range(2) for r in actions.run(now=NOW, batch=4, me=f"w{i}")]

    runs = [r for rs in together(worker, range(2)) for r in rs]
    by_kind: dict[str, list[RetentionRun]] = {}
    for r in RetentionRun.objects.all():
        by_kind.setdefault(r.kind, []).append(r)
    assert sum(r.deleted for r in by_kind["notifications"]) == 30
    assert sum(r.deleted for r in by_kind["calls"]) == 30
    assert sum(r.anonymised for r in by_kind["closed_orders"]) == 12
    # the attachments go either with their kind (730 days) or with the anonymised order: once in all
    assert sum(r.deleted for k in ("attachments", "closed_orders") for r in by_kind.get(k, [])) == 12
    assert sum(r.files for k in ("attachments", "closed_orders") for r in by_kind.get(k, [])) == 12
    assert len(runs) == RetentionRun.objects.count()
    assert not Notification.objects.exists() and not Call.objects.exists() and not Attachment.objects.exists()
    assert WorkOrder.objects.filter(anonymised_at__isnull=False).count() == 12
    assert not any(on_disk(n) for n in names) and not PendingFile.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_on_sqlite_do_everything_exactly_once(world, tmp_path):
    """The embedded database: two threads on one database file (WAL, BEGIN IMMEDIATE) take turns batch by
    batch; every row is done by one of them and counted once."""
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL variant is test_two_workers_at_once_do_everything_exactly_once")
    for i in range(30):
        Notification.objects.create(
            recipient=world.agent, kind="assigned", created_at=ago(100), updated_at=ago(100 + i)
        )
    orders = [closed_order(world, 1100 + i, phone=f"1380013{i:04d}") for i in range(6)]
    with sqlite_on_file(tmp_path, busy_ms=20000):
        together(lambda i: actions.run(now=NOW, batch=4, me=f"w{i}"), range(2))
        notes = list(RetentionRun.objects.filter(kind="notifications").values_list("deleted", flat=True))
        anonymised = sum(
            RetentionRun.objects.filter(kind="closed_orders").values_list("anonymised", flat=True)
        )
        left = Notification.objects.count()
        done = WorkOrder.objects.filter(pk__in=[o.pk for o in orders], anonymised_at__isnull=False).count()
    assert sum(notes) == 30 and left == 0
    assert anonymised == 6 == done


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_job_run_it_once(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("parallel claiming is exercised on PostgreSQL (SQLite serialises writers)")
    runner.load_job_modules()
    for i in range(20):
        Notification.objects.create(
            recipient=world.agent, kind="assigned", created_at=ago(100), updated_at=ago(100 + i)
        )
    with_clock = freeze(monkeypatch, NOW)
    assert with_clock() == NOW
    ran = together(lambda i: runner.run_due_jobs(f"w{i}"), range(2))
    assert sum("retention.prune" in r for r in ran) == 1
    assert [r.deleted for r in RetentionRun.objects.filter(kind="notifications")] == [20]


# --- the admin page --------------------------------------------------------------------------------------------


def test_admin_page_lists_every_kind_and_edits_a_period_with_an_audit_record(world, now):
    client = Client()
    client.force_login(world.admin.user)
    page = client.get("/retention/")
    assert page.status_code == 200
    html = page.content.decode()
    for code in KINDS:
        assert f'id="retention-{code}"' in html
    assert 'id="nav-retention"' in html
    resp = client.post("/retention/", {"kind": "calls", "days": "200"})
    assert resp.status_code == 302
    assert actions.period("calls") == 200
    rec = AuditRecord.objects.get(action="retention.period_changed")
    assert rec.actor == world.admin.user
    assert (rec.before, rec.after) == ({"kind": "calls", "days": 180}, {"kind": "calls", "days": 200})
    resp = client.post("/retention/", {"kind": "calls", "days": "150"})
    assert resp.status_code == 302
    assert AuditRecord.objects.filter(action="retention.period_changed").latest("id").before == {
        "kind": "calls",
        "days": 200,
    }
    assert 'data-days="150"' in client.get("/retention/").content.decode()


def test_admin_page_refuses_bad_input_and_periods_below_the_legal_minimum(world, now):
    client = Client()
    client.force_login(world.admin.user)
    resp = client.post("/retention/", {"kind": "access_records", "days": "30"})
    assert resp.status_code == 400
    assert "180" in resp.content.decode() and 'data-testid="retention-error"' in resp.content.decode()
    assert client.post("/retention/", {"kind": "calls", "days": "-1"}).status_code == 400
    assert client.post("/retention/", {"kind": "calls", "days": "many"}).status_code == 400
    assert client.post("/retention/", {"kind": "tea", "days": "10"}).status_code == 400
    assert not RetentionPolicy.objects.exists()
    assert not AuditRecord.objects.filter(action="retention.period_changed").exists()


def test_only_administrators_see_the_page(world, now):
    client = Client()
    for staff in (world.supervisor, world.agent):
        client.force_login(staff.user)
        assert client.get("/retention/").status_code == 404
        assert client.post("/retention/", {"kind": "calls", "days": "1"}).status_code == 404
        assert 'id="nav-retention"' not in client.get("/").content.decode()
    assert not RetentionPolicy.objects.exists()


# --- kefu check ------------------------------------------------------------------------------------------------


def test_kefu_check_warns_on_for_ever_and_below_the_legal_minimum(world, now):
    assert check_retention() == []  # the defaults are fine
    RetentionPolicy.objects.create(kind="calls", days=0, updated_at=NOW)
    RetentionPolicy.objects.create(kind="access_records", days=30, updated_at=NOW)
    RetentionPolicy.objects.create(kind="payments", days=365, updated_at=NOW)
    RetentionPolicy.objects.create(kind="audit", days=0, updated_at=NOW)  # kept long on purpose: no warning
    problems = check_retention()
    assert problems == [
        (
            "warning",
            "retention: calls (Call records and recordings) is kept for ever (0 days); set it on the console "
            "page Administration → Data retention (/retention/)",
        ),
        (
            "warning",
            "retention: access_records (Access records (who looked at personal data)) is kept 30 days, less "
            "than the legal minimum of 180 days (PRC Cybersecurity Law art. 21(3)); set it on the console page "
            "Administration → Data retention (/retention/)",
        ),
        (
            "warning",
            "retention: payments (Payment records) is kept 365 days, less than the legal minimum of 3650 days "
            "(PRC Tax Collection Administration Law implementing rules art. 29; HU Act C of 2000 § 169); set it "
            "on the console page Administration → Data retention (/retention/)",
        ),
    ]
    assert all(p in run_checks() for p in problems)


def test_kefu_check_warns_when_the_mail_setting_keeps_raw_mail_for_ever(world, now, settings):
    settings.KEFU_MAIL_RAW_RETENTION_DAYS = 0
    assert [p for p in check_retention() if "raw_email" in p[1]] == [
        (
            "warning",
            "retention: raw_email (Raw inbound e-mail) is kept for ever (0 days); set it on the console page "
            "Administration → Data retention (/retention/)",
        )
    ]
