"""Benchmark of inbound e-mail (R-6; quality bar: 10,000 inbound e-mails with 1 % malformed).

Usage (its own database, dropped and re-created on every run; the name must contain "bench"):

    DATABASE_URL=postgres://kefu@127.0.0.1:54329/kefu_bench .venv/bin/python bench/mail_inbound.py
    DATABASE_URL=... .venv/bin/python bench/mail_inbound.py --n 2000

Steps: create the database, migrate, build the test world (two branches with staff), one mailbox; generate
N messages from N/5 senders (mixed encodings: UTF-8, GB2312 subject, Big5 body, HTML-only), 1 % malformed,
and deliver every message once plus 2 % of them a second time (as after a crash before marking seen), in
a shuffled order, through ``email_in.ingest`` (what the IMAP poller and the MTA endpoint call). Then the
outbox is sent with the file transport. Prints messages/second, the per-message ingest time (the
acknowledgement is queued in the same transaction, so this is the time until it is queued), the time from
queueing to sending, and checks: every valid message taken in exactly once, every malformed one a dead
letter, one acknowledgement per sender (all within the window), nothing lost or duplicated.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import recreate_database, setup_path

setup_path()
os.environ.setdefault("KEFU_FAST_PASSWORD_HASHER", "true")


def message(i: int, sender: int) -> bytes:
    kind = i % 4
    if kind == 1:  # GB2312 subject, UTF-8 body
        subject = "=?gb2312?B?" + base64.b64encode(f"停水投诉{i}".encode("gb2312")).decode() + "?="
        head = f"From: sender{sender}@example.cn\r\nSubject: {subject}\r\nMessage-ID: <b{i}@example.cn>\r\n"
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n").encode() + f"第{i}封".encode()
    if kind == 2:  # Big5 body
        head = f"From: sender{sender}@example.cn\r\nSubject: big5 {i}\r\nMessage-ID: <b{i}@example.cn>\r\n"
        return (head + "Content-Type: text/plain; charset=big5\r\n\r\n").encode() + "臺北市停水".encode(
            "big5"
        )
    m = EmailMessage()
    m["From"] = f"客户{sender} <sender{sender}@example.cn>"
    m["Subject"] = f"报修 {i}"
    m["Message-ID"] = f"<b{i}@example.cn>"
    if kind == 3:  # HTML only
        m.set_content(f"<p>水表坏了 <b>{i}</b></p><script>x()</script>", subtype="html")
    else:
        m.set_content(f"您好，第 {i} 封邮件。")
    return m.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=10_000, help="number of distinct messages")
    args = parser.parse_args()
    n = args.n
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "set DATABASE_URL to a PostgreSQL database of its own, e.g. postgres://kefu@127.0.0.1:54329/kefu_bench"
        )
    recreate_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from kefu.channels import outbox
    from kefu.channels.mail import inbound as email_in
    from kefu.channels.models import OutboxMessage, OutboxStatus
    from kefu.channels.models.mail import DeadLetter, InboundMessage, Mailbox
    from kefu.testing.factories import build_world
    from kefu.workorders.models import WorkOrder

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        world = build_world()
    box = Mailbox.objects.create(branch=world.north, address="kefu@north.example.cn")
    settings.KEFU_OUTBOX_DIR = tempfile.mkdtemp(prefix="kefu-bench-outbox-")

    rng = random.Random(4)
    senders = max(1, n // 5)
    malformed = set(rng.sample(range(n), n // 100))
    raws: list[tuple[int, bytes]] = []
    for i in range(n):
        raw = f"\r\n\r\nbroken message {i}".encode() if i in malformed else message(i, i % senders)
        raws.append((i, raw))
    redeliver = rng.sample(raws, n // 50)
    deliveries = raws + redeliver
    rng.shuffle(deliveries)

    times: list[float] = []
    statuses: dict[str, int] = {}
    started = time.perf_counter()
    for _i, raw in deliveries:
        t = time.perf_counter()
        r = email_in.ingest(box, raw)
        times.append(time.perf_counter() - t)
        statuses[r.status] = statuses.get(r.status, 0) + 1
    elapsed = time.perf_counter() - started
    print(f"delivered {len(deliveries)} ({n} distinct, {len(malformed)} malformed, {len(redeliver)} again)")
    print(f"ingest: {elapsed:.1f} s, {len(deliveries) / elapsed:.0f} messages/s; statuses {statuses}")
    q = statistics.quantiles(times, n=100)
    print(f"per message (until the acknowledgement is queued): p50 {q[49] * 1000:.1f} ms, "
          f"p95 {q[94] * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")  # fmt: skip

    t = time.perf_counter()
    sent = 0
    while True:
        batch = outbox.send_due(limit=500)
        if not batch:
            break
        sent += batch
    print(f"outbox: {sent} sent in {time.perf_counter() - t:.1f} s")
    lat = [
        (m.sent_at - m.created_at).total_seconds()
        for m in OutboxMessage.objects.filter(status=OutboxStatus.SENT).only("sent_at", "created_at")
    ]
    if lat:
        print(f"acknowledgement queued → sent: median {statistics.median(lat):.1f} s, max {max(lat):.1f} s "
              "(sequential: ingest first, then the outbox)")  # fmt: skip

    valid = n - len(malformed)
    checks = {
        "every valid message taken in once": InboundMessage.objects.count() == valid,
        "one order per valid message": WorkOrder.objects.count() == valid,
        "every malformed message a dead letter": DeadLetter.objects.count() == len(malformed),
        "duplicates recognised": statuses.get("duplicate", 0)
        + statuses.get("dead_letter", 0)
        - len(malformed)
        == len(redeliver),
        "one acknowledgement per sender": OutboxMessage.objects.count() == senders,
        "all acknowledgements sent": OutboxMessage.objects.exclude(status=OutboxStatus.SENT).count() == 0,
    }
    for name, ok in checks.items():
        print(f"{'ok ' if ok else 'FAIL'} {name}")
    if not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
