"""Demo: one customer merge and one duplicate candidate (R-5, kefu.customers.merge).

- A WeChat contact became a placeholder ("WeChat user …") with a chat (the demo's order count stays as asked); the branch manager merged
  it into the customer's archive record (the merge can still be undone for the configured window).
- A second WeChat placeholder holds the phone number the customer gave in the chat: it shares the phone
  with a real record and is listed as a possible duplicate on that record's page and in the merge queue.
"""

from __future__ import annotations

from kefu.channels.actions import create_channel_customer
from kefu.customers import actions as cust_actions
from kefu.customers import merge
from kefu.customers.models import ContactPoint, Customer
from kefu.demo.loader import Loader


def _placeholder(L: Loader, real: Customer, userid: str) -> Customer:
    name = f"WeChat user {userid[-8:]}"
    ph = create_channel_customer(name=name, branch=real.branch, summary=name)
    ContactPoint.objects.create(customer=ph, kind=ContactPoint.Kind.WECHAT, value=userid, normalized=userid)
    return ph


def load(L: Loader) -> None:
    north = [c.pk for c in L.custs if c.branch == "north"]
    agent, sup = L.staff["agent1"].user, L.staff["sup_north"].user
    real = Customer.objects.get(pk=north[1])
    ph = _placeholder(L, real, "wmDemoMerged0001")
    cust_actions.do_log_contact(agent, ph.pk, "chat", "微信咨询：燃气表读数不对，要求上门核对")
    merge.do_merge(sup, real.pk, [ph.pk], reason="微信客户来电确认了姓名和地址，是同一客户")
    other = Customer.objects.get(pk=north[2])
    cand = _placeholder(L, other, "wmDemoDuplicate02")
    if other.phone_e164:  # the phone the customer gave in the chat, noted by the agent
        cust_actions.add_contact_point(cand, ContactPoint.Kind.PHONE, other.phone, label="chat")
    cust_actions.do_log_contact(agent, cand.pk, "chat", "微信咨询：报装进度")
    L.say(f"merged {ph.number} into {real.number}; duplicate candidate {cand.number} of {other.number}")
