"""Social media mentions (R-5: public complaints spread fast): each post becomes an URGENT complaint order.

The customer is the one whose ``ContactPoint`` (kind ``wechat`` for WeChat, else ``other``) holds the
handle, normalised as ``<platform>:<handle without @, lower case>`` (WeChat: the id itself); an unknown
handle gets a placeholder customer of the integration's branch, carrying that contact point so the next
post of the same author lands on the same customer. The post's URL is stored once (``GatewayMessage``):
a repeated import returns the first order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.channels import endpoints
from kefu.channels.actions import create_channel_customer
from kefu.channels.models.endpoints import EndpointKind
from kefu.channels.models.gateways import GatewayKind, GatewayMessage
from kefu.customers import lookup
from kefu.customers.models import Channel, ContactPoint, Customer
from kefu.lib import clock
from kefu.lib.errors import KefuError, ValidationFailed, raise_if
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch
from kefu.workorders import actions as wo_actions
from kefu.workorders.models import WorkOrder
from kefu.workorders.receivers import receive_request


@dataclass
class Mention:
    platform: str
    author: str
    url: str
    text: str
    posted_at: dt.datetime | None = None
    branch_id: int | None = None
    account: str = ""  # our account the post mentions (routes through its endpoint)


def handle_key(platform: str, author: str) -> tuple[str, str]:
    """(contact point kind, normalised value) of an author handle."""
    p = platform.strip().lower()
    a = author.strip().lstrip("@").strip()
    if p in ("wechat", "weixin"):
        return ContactPoint.Kind.WECHAT, a
    return ContactPoint.Kind.OTHER, f"{p}:{a.lower()}"


def _customer(m: Mention, branch: Branch) -> Customer:
    kind, value = handle_key(m.platform, m.author)
    found = lookup.customer_for_identity(kind, value)
    if found is not None:  # the survivor, when the placeholder was merged into the real record
        return Customer.objects.select_for_update().get(pk=found.pk)
    c = create_channel_customer(
        name=f"@{m.author.strip().lstrip('@')} ({m.platform.strip()})"[:200],
        branch=branch,
        summary=_("Placeholder customer for the social media handle %(handle)s") % {"handle": m.author},
    )
    ContactPoint.objects.create(
        customer=c, kind=kind, value=m.author.strip(), normalized=value, label=m.platform
    )
    return c


def do_social_mention(user: Actor, m: Mention) -> tuple[WorkOrder, bool]:
    """Create the urgent complaint order of a post; (order, created). The same URL again → (first order, False)."""
    staff = require_staff(user, "customer.edit")
    errors: list[KefuError] = []
    url = m.url.strip()
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        errors.append(ValidationFailed("invalid_url", _("Give the post's http(s) address."), "url"))
    if not m.author.strip().lstrip("@"):
        errors.append(ValidationFailed("required", _("The author's handle is missing."), "author"))
    if not m.platform.strip():
        errors.append(ValidationFailed("required", _("The platform is missing."), "platform"))
    if not m.text.strip():
        errors.append(ValidationFailed("required", _("The post has no text."), "text"))
    endpoint = endpoints.endpoint_for(EndpointKind.SOCIAL, m.account) if m.account.strip() else None
    endpoint = endpoint or endpoints.endpoint_for(EndpointKind.SOCIAL, m.platform)
    branch_id = m.branch_id or (endpoint.branch_id if endpoint else None) or staff.branch_id
    branch = Branch.objects.filter(pk=branch_id).first() if branch_id else None
    if branch is None:
        errors.append(ValidationFailed("required", _("Say which branch handles the mention."), "branch"))
    raise_if(errors)
    assert branch is not None
    existing = GatewayMessage.objects.filter(kind=GatewayKind.SOCIAL, external_id=url).first()
    if existing is not None and existing.workorder is not None:
        return existing.workorder, False
    try:
        with transaction.atomic():
            created = _create(user, m, url, branch)
            endpoints.note_inbound(endpoint)
            return created, True
    except IntegrityError:
        first = GatewayMessage.objects.select_related("workorder").get(
            kind=GatewayKind.SOCIAL, external_id=url
        )
        assert first.workorder is not None
        return first.workorder, False


def _create(user: Actor, m: Mention, url: str, branch: Branch) -> WorkOrder:
    now = clock.now()
    gm = GatewayMessage.objects.create(
        kind=GatewayKind.SOCIAL,
        external_id=url,
        received_at=now,
        payload={
            "platform": m.platform,
            "author": m.author,
            "text": m.text[:5000],
            "posted_at": m.posted_at.isoformat() if m.posted_at else None,
        },
    )
    customer = _customer(m, branch)
    title = _("Public post by %(author)s on %(platform)s") % {
        "author": m.author.strip(),
        "platform": m.platform.strip(),
    }
    posted = m.posted_at.isoformat() if m.posted_at else "—"
    description = f"{m.text.strip()[:8000]}\n\n{url}\n{_('Posted at')}: {posted}"
    o = receive_request(
        customer,
        wo_actions.OrderInput(
            order_type="complaint",
            title=title[:200],
            description=description,
            channel=Channel.SOCIAL,
            priority="urgent",
            received_at=m.posted_at if m.posted_at and m.posted_at <= now else None,
        ),
        refusal=ValidationFailed(
            "no_receiver", _("Nobody in the branch can receive the mention (no agent or supervisor).")
        ),
        actor_user=user,
        customer_entry=False,  # the post is the description; no message of the customer's own
    ).order
    gm.customer = customer
    gm.workorder = o
    gm.save(update_fields=["customer", "workorder"])
    return o
