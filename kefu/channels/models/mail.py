"""Inbound e-mail (R-5, R-6): the mailboxes polled per branch, every message taken in, and dead letters.

``InboundMessage`` is unique per (mailbox, Message-ID) — a message without a Message-ID is keyed by the
SHA-256 of its bytes — so the same message fetched twice, through two folders of the mailbox, or again
after a crash between the database commit and marking it seen, is taken in once.
"""

from __future__ import annotations

from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mailbox(models.Model):
    """An e-mail address of a branch, fetched over IMAP (or fed by an MTA through the API)."""

    branch = models.ForeignKey(
        "organization.Branch", on_delete=models.PROTECT, related_name="mailboxes", verbose_name=_("branch")
    )
    address = models.EmailField(_("address"), unique=True)
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = models.CharField(
        _("IMAP password"), max_length=200, blank=True, help_text=_("Leave empty to read it from a file.")
    )
    imap_password_file = models.CharField(
        _("IMAP password file"),
        max_length=300,
        blank=True,
        help_text=_("Path of a file holding the password."),
    )
    folders = models.CharField(
        _("folders"), max_length=300, default="INBOX", help_text=_("Comma-separated IMAP folders to fetch.")
    )
    active = models.BooleanField(_("active"), default=True)
    last_fetch_at = models.DateTimeField(_("last fetch"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def folder_list(self) -> list[str]:
        return [f.strip() for f in self.folders.split(",") if f.strip()] or ["INBOX"]

    def password(self) -> str:
        if self.imap_password:
            return self.imap_password
        if self.imap_password_file:
            return Path(self.imap_password_file).read_text(encoding="utf-8").strip()
        return ""


class MailboxFolder(models.Model):
    """How far the poller has taken in one IMAP folder of a mailbox: every message with a UID up to
    ``last_uid`` under ``uidvalidity`` is an inbound message or a dead letter, whatever its flags (mail
    already read in another program is taken in too). When the server's UIDVALIDITY changes the UIDs
    mean other messages: the folder is read again from the start, and the per-message dedup
    (Message-ID, else SHA-256) keeps it to one order per message."""

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.CASCADE, related_name="folder_states", verbose_name=_("mailbox")
    )
    name = models.CharField(_("folder"), max_length=300)
    uidvalidity = models.PositiveBigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.PositiveBigIntegerField(_("last UID taken in"), default=0)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox folder")
        verbose_name_plural = _("mailbox folders")
        ordering = ["mailbox", "name"]
        constraints = [models.UniqueConstraint(fields=["mailbox", "name"], name="mailbox_folder_once")]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.name}"


class InboundOutcome(models.TextChoices):
    NEW_ORDER = "new_order", _("new order")
    THREADED = "threaded", _("added to an order")
    AUTOMATIC = "automatic", _("automatic mail, no order")
    OWN = "own", _("from our own address, ignored")


class SenderVerification(models.TextChoices):
    """What the trusted receiving mail servers said about the sender (``mail.sender_check``)."""

    NOT_CHECKED = "", _("not checked")
    PASS = "pass", _("DMARC passed")
    NO_VERDICT = "none", _("no DMARC verdict")
    FAIL = "fail", _("unverified sender: DMARC failed")


class InboundMessage(models.Model):
    """One e-mail taken in, with what became of it."""

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="inbound", verbose_name=_("mailbox")
    )
    message_id = models.CharField(_("Message-ID"), max_length=255)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    raw = models.BinaryField(_("raw message"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=InboundOutcome.choices)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mail",
        verbose_name=_("work order"),
    )
    entry = models.ForeignKey(
        "workorders.TimelineEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledgement = models.ForeignKey(
        "channels.OutboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received"))
    # DMARC of the From domain per the trusted Authentication-Results (KEFU_MAIL_TRUSTED_AUTHSERV_IDS);
    # "fail": never threaded onto an existing order, acknowledged without anything of the sender's
    sender_check = models.CharField(
        _("sender check"), max_length=4, blank=True, default="", choices=SenderVerification.choices
    )
    sender_check_detail = models.CharField(_("sender check details"), max_length=300, blank=True, default="")
    # the raw bytes are dropped after KEFU_MAIL_RAW_RETENTION_DAYS (text and attachments live on the order)
    raw_purged = models.BooleanField(_("raw message removed"), default=False)

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mail")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="inbound_mail_once"),
        ]
        indexes = [models.Index(fields=["raw_purged", "received_at"], name="inbound_mail_retention")]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"


class DeadLetter(models.Model):
    """A message that could not be taken in (visible to admins with the reason); the rest flows."""

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="dead_letters", verbose_name=_("mailbox")
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    raw = models.BinaryField(_("raw message"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created"))
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["mailbox", "sha256"], name="dead_letter_once")]

    def __str__(self) -> str:
        return f"{self.mailbox}: {self.reason[:80]}"
