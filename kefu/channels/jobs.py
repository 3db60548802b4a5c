"""Periodic jobs of the channels: the outbox sender, the IMAP poller (raw e-mail retention is a kind of the
retention job: kefu.channels.retention)."""

from __future__ import annotations

import datetime as dt

from kefu.channels import outbox
from kefu.channels.mail import imap
from kefu.jobs.registry import periodic


@periodic("channels.outbox", every=dt.timedelta(seconds=10), lease=dt.timedelta(minutes=15))
def send_outbox() -> int:
    """Send every due outbox message (each row is claimed atomically, so workers never share one)."""
    return outbox.send_due()


@periodic("channels.imap", every=dt.timedelta(minutes=1), lease=dt.timedelta(minutes=30))
def poll_imap() -> int:
    """Fetch the unseen mail of every active mailbox (exactly once per message, see channels.mail.imap)."""

    return imap.poll_all()
