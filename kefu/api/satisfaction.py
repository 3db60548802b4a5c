"""/api/v1/satisfaction: the counter evaluation keypad of an outlet — the customer's 1–5 press
after being served becomes a satisfaction record of the source "counter evaluation" (docs/quality.md)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema
from ninja.responses import Status

from kefu.api.common import WRITE_ERRORS, ApiRequest, BodyId, json_int
from kefu.surveys.actions import do_record_counter_evaluation

router = Router(tags=["satisfaction"])


class CounterEvaluationIn(Schema):
    outlet_id: BodyId
    csat: json_int(1, 5) = Field(  # type: ignore[valid-type]
        description="The customer's evaluation, 1 (very dissatisfied) to 5 (very satisfied)."
    )
    order_number: str = Field("", max_length=30, description="The order served at the counter, if any.")


class SatisfactionOut(Schema):
    id: int
    source: str
    recorded_at: dt.datetime
    outlet_id: int | None
    branch_id: int | None
    staff_id: int | None
    csat: int | None
    sat4: str
    low: bool = Field(description="A low answer: a recovery task was opened for the owner's leader.")


@router.post(
    "/satisfaction/counter-evaluations",
    response={201: SatisfactionOut, **WRITE_ERRORS},
    summary="Record a counter evaluation",
)
def counter_evaluation(request: ApiRequest, payload: CounterEvaluationIn) -> Status:
    """The staff member at the counter (the token's user) served the customer; a low answer (≤
    ``KEFU_SATISFACTION_LOW_AT`` of 5) opens a recovery task."""
    rec = do_record_counter_evaluation(
        request.auth, outlet_id=payload.outlet_id, csat=payload.csat, order_number=payload.order_number
    )
    return Status(201, rec)
