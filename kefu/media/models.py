"""One image, file or voice message a channel announced, to be fetched from its gateway (docs/media.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FetchState(models.TextChoices):
    PENDING = "pending", _("waiting to be fetched")
    DONE = "done", _("fetched")
    REFUSED = "refused", _("refused (size or type)")
    FAILED = "failed", _("could not be fetched")


class MediaFetch(models.Model):
    """The customer's message is on the order already (its text, or "(Image)"); this row fetches the
    media into an attachment of that message. A failed download is retried by the job ``media.fetch``
    with a growing pause, at most ``KEFU_MEDIA_FETCH_ATTEMPTS`` times."""

    workorder = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        related_name="media_fetches",
        verbose_name=_("work order"),
    )
    entry = models.ForeignKey(
        "workorders.TimelineEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("message"),
    )
    channel = models.CharField(_("channel"), max_length=20)
    # the channel's message id and the position of the media in it: a redelivered message adds nothing
    message_id = models.CharField(_("message id"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(_("source"), max_length=20, help_text=_("The fetcher: wecom, sms, …"))
    media_ref = models.CharField(_("media reference"), max_length=500)
    kind = models.CharField(
        _("kind"), max_length=20, help_text=_("What the channel called it: image, file, voice…")
    )
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=FetchState.choices, default=FetchState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    attachment = models.ForeignKey(
        "workorders.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("media fetch")
        verbose_name_plural = _("media fetches")
        constraints = [
            models.UniqueConstraint(fields=["channel", "message_id", "position"], name="media_fetch_once")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="media_fetch_due")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.message_id}#{self.position}"
