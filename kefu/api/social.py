"""/api/v1/social/mentions: posts about the company on social media → urgent complaint orders (R-5)."""

from __future__ import annotations

from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from kefu.api.common import WRITE_ERRORS, ApiRequest, BodyId, DateTime, NonBlank
from kefu.channels.social import mentions as social

router = Router(tags=["social media"])
NONBLANK = NonBlank.json_schema_extra


class MentionIn(Schema):
    platform: str = Field(max_length=40, description="weibo, douyin, wechat, …", json_schema_extra=NONBLANK)
    author: str = Field(
        max_length=150, description="The author's handle on the platform.", json_schema_extra=NONBLANK
    )
    url: str = Field(
        max_length=500,
        description="The post's http(s) address; a post is imported once per URL.",
        json_schema_extra={"pattern": r"^\s*https?://"},
    )
    text: str = Field(max_length=10000, json_schema_extra=NONBLANK)
    posted_at: DateTime | None = None
    branch: BodyId | None = Field(
        None,
        description="Branch handling the mention (default: the branch of the social-media endpoint of "
        "`account`, else of the platform, else the token user's).",
    )
    account: str = Field(
        "", max_length=200, description="Our account the post mentions (a social-media channel endpoint)."
    )


class MentionOut(Schema):
    order: str
    order_id: int
    customer_id: int
    priority: str
    created: bool


@router.post(
    "/social/mentions",
    response={200: MentionOut, 201: MentionOut, **WRITE_ERRORS},
    summary="Import a social media mention as an urgent complaint",
)
def mention(request: ApiRequest, payload: MentionIn) -> Status:
    """201 with the new urgent complaint order; 200 with the first order when the URL was imported before."""
    o, created = social.do_social_mention(
        request.auth,
        social.Mention(
            platform=payload.platform,
            author=payload.author,
            url=payload.url,
            text=payload.text,
            posted_at=payload.posted_at,
            branch_id=payload.branch,
            account=payload.account,
        ),
    )
    out = {
        "order": o.number,
        "order_id": o.pk,
        "customer_id": o.customer_id,
        "priority": o.priority,
        "created": created,
    }
    return Status(201 if created else 200, out)
