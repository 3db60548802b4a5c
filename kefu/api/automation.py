"""/api/v1: triggers and webhooks (administrators), the webhook delivery log and replay (docs/webhooks.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from kefu.api.common import ERRORS, WRITE_ERRORS, ApiRequest, Id, Page, PageParams, paginate
from kefu.automation import actions
from kefu.automation.models import Delivery, Trigger, Webhook
from kefu.organization.access import require_staff

router = Router(tags=["automation"])

Event = Literal[
    "created", "updated", "status_changed", "clock_warned", "clock_breached", "satisfaction_received"
]
Operator = Literal["is", "is_not", "in", "not_in", "contains", "not_contains"]


class ConditionIn(Schema):
    field: str = Field(
        min_length=1,
        max_length=40,
        description="A condition kind: priority, status, order_type, channel, branch, department, assignee, "
        "escalated, changed, from_status, clock, satisfaction_low, csat, or one other apps registered "
        "(e.g. tag, custom_field).",
    )
    op: Operator
    value: str = Field("", max_length=500, description="A code or id; `in`/`not_in`: comma-separated.")


class ActionIn(Schema):
    kind: str = Field(
        min_length=1,
        max_length=40,
        description="notify, set_priority, set_status, assign, assign_department, call_webhook, or one other "
        "apps registered (e.g. add_tag, apply_macro).",
    )
    value: str = Field("", max_length=500)
    text: str = Field("", max_length=300)


class TriggerIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    event: Event
    match: Literal["all", "any"] = "all"
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=20)
    actions: list[ActionIn] = Field(min_length=1, max_length=10)
    active: bool = True
    position: int = Field(100, ge=0, le=100000)


class TriggerOut(Schema):
    id: int
    name: str
    event: Event
    match: Literal["all", "any"]
    conditions: list[ConditionIn]
    actions: list[ActionIn]
    active: bool
    position: int
    run_as_id: int = Field(description="The administrator the actions run as (who saved it last).")
    fired: int
    last_fired_at: dt.datetime | None
    last_error: str


class WebhookIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    url: str = Field(min_length=1, max_length=500, description="https://, to a public address.")
    events: list[Event] = Field(default_factory=list, max_length=6)
    branch_id: Id | None = None
    active: bool = True


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[Event]
    branch_id: int | None
    active: bool
    disabled_at: dt.datetime | None = Field(description="Set when repeated failures disabled it.")
    consecutive_failures: int
    secret: str = Field(description="The signing secret (header Kefu-Signature).")


class DeliveryAttemptOut(Schema):
    at: dt.datetime
    status_code: int | None
    duration_ms: int
    response_excerpt: str
    error: str


class DeliveryOut(Schema):
    id: int
    webhook_id: int
    event_id: str
    event_type: str
    status: Literal["pending", "sending", "delivered", "failed", "given_up"]
    attempts: int
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    last_status_code: int | None
    replay_of_id: int | None
    tries: list[DeliveryAttemptOut]


def _trigger_in(p: TriggerIn) -> actions.TriggerInput:
    return actions.TriggerInput(
        name=p.name,
        event=p.event,
        match=p.match,
        conditions=[c.dict() for c in p.conditions],
        actions=[a.dict() for a in p.actions],
        active=p.active,
        position=p.position,
    )


def _webhook_in(p: WebhookIn) -> actions.WebhookInput:
    return actions.WebhookInput(
        name=p.name, url=p.url, events=list(p.events), branch_id=p.branch_id, active=p.active
    )


def _delivery_out(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.pk,
        "webhook_id": d.webhook_id,
        "event_id": str(d.event_id),
        "event_type": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
        "last_status_code": d.last_status_code,
        "replay_of_id": d.replay_of_id,
        "tries": list(d.tries.all()),
    }


def _itself(row: Any) -> Any:
    return row


@router.get("/triggers", response={200: Page[TriggerOut], **ERRORS}, summary="Triggers")
def list_triggers(request: ApiRequest, page: Query[PageParams]) -> dict[str, Any]:
    require_staff(request.auth, "admin")
    return paginate(Trigger.objects.order_by("position", "id"), page, _itself)


@router.post("/triggers", response={201: TriggerOut, **WRITE_ERRORS}, summary="Create a trigger")
def create_trigger(request: ApiRequest, payload: TriggerIn) -> Status:
    return Status(201, actions.do_save_trigger(request.auth, _trigger_in(payload)))


@router.get("/triggers/{trigger_id}", response={200: TriggerOut, **ERRORS}, summary="A trigger")
def get_trigger(request: ApiRequest, trigger_id: Id) -> Trigger:
    return actions.get_trigger(request.auth, trigger_id)


@router.put("/triggers/{trigger_id}", response={200: TriggerOut, **WRITE_ERRORS}, summary="Change a trigger")
def put_trigger(request: ApiRequest, trigger_id: Id, payload: TriggerIn) -> Trigger:
    return actions.do_save_trigger(request.auth, _trigger_in(payload), trigger_id)


@router.delete("/triggers/{trigger_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a trigger")
def delete_trigger(request: ApiRequest, trigger_id: Id) -> HttpResponse:
    actions.do_delete_trigger(request.auth, trigger_id)
    return HttpResponse(status=204)


@router.get("/webhooks", response={200: Page[WebhookOut], **ERRORS}, summary="Webhooks")
def list_webhooks(request: ApiRequest, page: Query[PageParams]) -> dict[str, Any]:
    require_staff(request.auth, "admin")
    return paginate(Webhook.objects.order_by("name", "id"), page, _itself)


@router.post("/webhooks", response={201: WebhookOut, **WRITE_ERRORS}, summary="Create a webhook")
def create_webhook(request: ApiRequest, payload: WebhookIn) -> Status:
    return Status(201, actions.do_save_webhook(request.auth, _webhook_in(payload)))


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS}, summary="A webhook")
def get_webhook(request: ApiRequest, webhook_id: Id) -> Webhook:
    return actions.get_webhook(request.auth, webhook_id)


@router.put("/webhooks/{webhook_id}", response={200: WebhookOut, **WRITE_ERRORS}, summary="Change a webhook")
def put_webhook(request: ApiRequest, webhook_id: Id, payload: WebhookIn) -> Webhook:
    return actions.do_save_webhook(request.auth, _webhook_in(payload), webhook_id)


@router.delete("/webhooks/{webhook_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a webhook")
def delete_webhook(request: ApiRequest, webhook_id: Id) -> HttpResponse:
    actions.do_delete_webhook(request.auth, webhook_id)
    return HttpResponse(status=204)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: Page[DeliveryOut], **ERRORS},
    summary="The delivery log of a webhook",
)
def deliveries(request: ApiRequest, webhook_id: Id, page: Query[PageParams]) -> dict[str, Any]:
    w = actions.get_webhook(request.auth, webhook_id)
    qs = Delivery.objects.filter(webhook=w).prefetch_related("tries").order_by("-created_at", "-id")
    return paginate(qs, page, _delivery_out)


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    response={201: DeliveryOut, **WRITE_ERRORS},
    summary="Send a logged delivery again",
)
def replay(request: ApiRequest, delivery_id: Id) -> Status:
    return Status(201, _delivery_out(actions.do_replay(request.auth, delivery_id)))
