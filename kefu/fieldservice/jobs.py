"""Periodic jobs of field service (registered with kefu.jobs; each is idempotent)."""

from __future__ import annotations

from kefu.fieldservice import jobs_campaigns  # noqa: F401  (registers the campaign jobs)
