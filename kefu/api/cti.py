"""/api/v1/cti/calls: call events from the telephony (CTI) system. Idempotent per (call id, event)."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from kefu.api.common import WRITE_ERRORS, ApiRequest
from kefu.channels.cti import calls as cti
from kefu.organization.access import require_staff

router = Router(tags=["phone"])


class CallEventIn(Schema):
    call_id: str = Field(max_length=100, json_schema_extra={"pattern": r"\S"})
    caller: str = Field(
        max_length=60,
        description="The caller's number as the CTI reports it.",
        json_schema_extra={"pattern": r"\S"},
    )
    line: str = Field(
        "",
        max_length=60,
        description="The dialled number (called line, DNIS): the hotline or an outlet's line. It decides the "
        "call's branch (a phone endpoint) and, when it is an outlet's phone (normalised), the outlet a phone "
        "order taken from the call is recorded for.",
    )
    event: Literal["ringing", "answered", "ended", "missed"]
    agent: str = Field("", max_length=150, description="Badge number (工号) or username of the agent.")


class CallOut(Schema):
    id: int
    call_id: str
    state: str
    caller: str
    caller_normalized: str
    customer_id: int | None
    staff_id: int | None
    applied: bool


@router.post(
    "/cti/calls",
    response={200: CallOut, 201: CallOut, **WRITE_ERRORS},
    summary="Report a call event (ringing, answered, ended, missed)",
)
def call_event(request: ApiRequest, payload: CallEventIn) -> Status:
    """201 when the event was applied, 200 when this (call id, event) was already received (no change).
    A ringing/answered call routed to an agent pops up in that agent's console; a missed call becomes a
    call-back task."""
    require_staff(request.auth, "customer.edit")
    call, applied = cti.do_call_event(
        request.auth,
        cti.CallEventInput(
            call_id=payload.call_id,
            caller=payload.caller,
            line=payload.line,
            event=payload.event,
            agent=payload.agent,
        ),
    )
    out: dict[str, Any] = {
        "id": call.pk,
        "call_id": call.call_id,
        "state": call.state,
        "caller": call.caller,
        "caller_normalized": call.caller_normalized,
        "customer_id": call.customer_id,
        "staff_id": call.staff_id,
        "applied": applied,
    }
    return Status(201 if applied else 200, out)
