"""The live-event table: the source of truth of server push (docs/adr/0006-live-updates.md).

A row is written inside the transaction of the change it announces, so a rolled-back change announces
nothing; a reconnecting browser replays the rows after its ``Last-Event-ID``. Rows are pruned after
``KEFU_LIVE_KEEP_SECONDS`` by the ``live.prune`` job."""

from __future__ import annotations

from django.db import models


class LiveEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    topic = models.CharField(max_length=64)
    event = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "live event"

    def __str__(self) -> str:
        return f"{self.pk} {self.topic} {self.event}"
