"""Social media mentions (R-5) → urgent complaint orders, once per post URL."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.api.tests.conftest import api_for
from kefu.channels.models import GatewayMessage
from kefu.customers.models import ContactPoint, Customer
from kefu.testing.factories import World
from kefu.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def post(
    url: str = "https://weibo.com/1234567/Nabc", author: str = "@小王爱吐槽", **kw: Any
) -> dict[str, Any]:
    body = {
        "platform": "weibo",
        "author": author,
        "url": url,
        "text": "某某公司宽带三天修不好，客服电话打不通！",
        "posted_at": "2026-11-23T08:30:00+08:00",
    }
    body.update(kw)
    return body


def test_mention_becomes_urgent_complaint_for_a_placeholder_customer_once(world: World) -> None:
    api = api_for(world.agent.user)
    r = api.post("/social/mentions", post())
    assert r.status_code == 201, r.body
    o = WorkOrder.objects.get(pk=r.body["order_id"])
    assert o.priority == "urgent" and r.body["priority"] == "urgent"
    assert o.order_type == "complaint"
    assert o.channel == "social"
    assert o.branch == world.north
    assert "宽带三天修不好" in o.description and "https://weibo.com/1234567/Nabc" in o.description
    customer = Customer.objects.get(pk=r.body["customer_id"])
    assert ContactPoint.objects.filter(
        customer=customer, kind="other", normalized="weibo:小王爱吐槽"
    ).exists()
    again = api.post("/social/mentions", post(text="再发一次"))
    assert again.status_code == 200 and again.body["order_id"] == o.pk and again.body["created"] is False
    assert WorkOrder.objects.filter(channel="social").count() == 1
    assert GatewayMessage.objects.filter(kind="social").count() == 1
    # the same author's next post lands on the same customer, as a new order
    nxt = api.post("/social/mentions", post(url="https://weibo.com/1234567/Nxyz", author="小王爱吐槽"))
    assert nxt.status_code == 201 and nxt.body["customer_id"] == customer.pk and nxt.body["order_id"] != o.pk


def test_mention_matches_a_known_customer_by_handle(world: World) -> None:
    known = world.customer(name="陈先生", phone="13800138000")
    ContactPoint.objects.create(customer=known, kind="wechat", value="chen_wx", normalized="chen_wx")
    r = api_for(world.agent.user).post(
        "/social/mentions", post(platform="wechat", author="chen_wx", url="https://mp.weixin.qq.com/s/abc")
    )
    assert r.status_code == 201 and r.body["customer_id"] == known.pk


def test_mention_needs_token_and_valid_fields(world: World) -> None:
    from django.test import Client

    from kefu.api.tests.conftest import Api

    assert Api(Client()).post("/social/mentions", post()).status_code == 401
    bad = api_for(world.agent.user).post("/social/mentions", post(url="ftp://x", text=" "))
    assert bad.status_code == 400
    assert not WorkOrder.objects.filter(channel="social").exists()


def test_mention_of_a_branch_account_goes_to_that_branch(world: World) -> None:
    from kefu.channels.models import ChannelEndpoint, EndpointKind

    ep = ChannelEndpoint.objects.create(
        branch=world.south, kind=EndpointKind.SOCIAL, identifier="@城南燃气服务"
    )
    api = api_for(world.supervisor.user)
    r = api.post("/social/mentions", post(url="https://weibo.com/1/south", account="@城南燃气服务"))
    assert r.status_code == 201, r.body
    assert WorkOrder.objects.get(pk=r.body["order_id"]).branch == world.south
    ep.refresh_from_db()
    assert ep.last_inbound_at is not None
    # a platform-wide endpoint catches mentions of no configured account
    ChannelEndpoint.objects.create(branch=world.south, kind=EndpointKind.SOCIAL, identifier="Douyin")
    r2 = api.post("/social/mentions", post(url="https://douyin.com/v/1", platform="douyin"))
    assert WorkOrder.objects.get(pk=r2.body["order_id"]).branch == world.south
    # no endpoint: the token user's branch, as before
    r3 = api.post("/social/mentions", post(url="https://weibo.com/1/north", author="@北城居民"))
    assert WorkOrder.objects.get(pk=r3.body["order_id"]).branch == world.north
