"""Routing of inbound gateway messages to a branch through its ``ChannelEndpoint`` and the endpoints' health.

Each channel looks its endpoint up by the identifier the gateway reports (SMS: the receiving number,
chat: ``open_kfid``, phone: the called line, social: the account). An active endpoint decides the branch
and its own thread/reply windows; without one (or with an inactive one) the channel's default branch
setting (``KEFU_SMS_BRANCH``, ``KEFU_CHAT_BRANCH``; first branch otherwise) receives the message.

Health is written with single UPDATE statements, never by saving a loaded row, so two workers noting
messages at once do not overwrite an admin's change of the endpoint.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from kefu.channels.models.endpoints import ChannelEndpoint, identifier_key
from kefu.lib import clock
from kefu.organization.models import Branch

__all__ = ["endpoint_for", "identifier_key", "note_error", "note_inbound", "note_outbound", "option", "route"]


def endpoint_for(kind: str, identifier: str) -> ChannelEndpoint | None:
    """The active endpoint of ``kind`` with this identifier (with its branch), or None."""
    key = identifier_key(kind, identifier)
    if not key:
        return None
    return (
        ChannelEndpoint.objects.select_related("branch")
        .filter(kind=kind, identifier=key, active=True)
        .first()
    )


def default_branch(setting_name: str) -> Branch | None:
    code = getattr(settings, setting_name, "")
    return (Branch.objects.filter(code=code).first() if code else None) or Branch.objects.order_by(
        "pk"
    ).first()


def route(kind: str, identifier: str, setting_name: str) -> tuple[Branch | None, ChannelEndpoint | None]:
    """(branch, endpoint) receiving a message that came in on ``identifier``."""
    endpoint = endpoint_for(kind, identifier)
    if endpoint is not None:
        return endpoint.branch, endpoint
    return default_branch(setting_name), None


def option(endpoint: ChannelEndpoint | None, name: str, setting_name: str, default: int) -> int:
    """An endpoint's own window (``thread_days``, ``reply_window_hours``, ``max_replies``), else the setting."""
    value = getattr(endpoint, name, None) if endpoint is not None else None
    if value is not None:
        return int(value)
    return int(getattr(settings, setting_name, default))


def note_inbound(endpoint: ChannelEndpoint | None, at: Any = None) -> None:
    if endpoint is not None:
        ChannelEndpoint.objects.filter(pk=endpoint.pk).update(last_inbound_at=at or clock.now())


def note_outbound(endpoint: ChannelEndpoint | None, at: Any = None) -> None:
    if endpoint is not None:
        ChannelEndpoint.objects.filter(pk=endpoint.pk).update(last_outbound_at=at or clock.now())


def note_error(endpoint: ChannelEndpoint | None, message: str, at: Any = None) -> None:
    if endpoint is not None:
        ChannelEndpoint.objects.filter(pk=endpoint.pk).update(
            last_error=message[:2000], last_error_at=at or clock.now()
        )
