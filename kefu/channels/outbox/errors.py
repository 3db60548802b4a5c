"""Errors a transport raises to tell the outbox what to do with the message."""

from __future__ import annotations


class PermanentFailure(RuntimeError):
    """The provider refused the message for a reason a retry cannot change (an unknown recipient, a
    refused sender): the outbox gives it up at once (``dead``) with this reason instead of retrying.
    Any other exception of a transport is temporary: the row is retried with back-off."""
