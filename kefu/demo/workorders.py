"""Demo work orders: ~2,000 orders of every type in every status, planned from the seed and then played
step by step on the simulated clock through the work-order actions (reception, replies, notes, transfers,
escalations, materials, pending, resolution, follow-up call, closing, reopening, merges, links), in order
of reception so the numbers of a day are chronological. Steps of one order never go past the present."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kefu.commitments.materials import do_check_materials
from kefu.commitments.models import ServiceMaterial
from kefu.demo import complaints, followup
from kefu.demo import data as D
from kefu.demo.loader import Cust, Loader
from kefu.workorders import rules as wo_rules
from kefu.workorders.actions import (
    OrderInput,
    do_create_order,
    do_customer_message,
    do_escalate,
    do_handle_escalation,
    do_link,
    do_merge,
    do_note,
    do_reply,
    do_transfer,
    do_transition,
    reply_channels,
)
from kefu.workorders.models import WorkOrder
from kefu.workorders.rules import Status


@dataclass
class Plan:
    t0: dt.datetime
    order_type: str
    service: str
    channel: str
    customer: Cust
    final: Status
    title: str
    description: str
    owner: str  # username of the receiving staff member
    co_receiver: str | None = None
    duplicate: bool = False
    escalate: bool = False
    to_president: bool = False
    escalation_handled: bool = True
    pk: int | None = None
    number: str = ""


ALL_STATUSES = list(Status)
OPEN_FINALS = [Status.NEW, Status.AWAITING_MATERIALS, Status.IN_PROGRESS, Status.PENDING_CUSTOMER]
TECHNICAL_TYPES = {"fault_general", "fault_major", "install_urban", "install_rural", "restoration"}


def _fits(order_type: str, status: Status) -> bool:
    """Praise and suggestions never wait for materials or for the customer."""
    return order_type not in ("praise", "suggestion") or status not in (
        Status.AWAITING_MATERIALS,
        Status.PENDING_CUSTOMER,
    )


def _pick_type(L: Loader, i: int) -> str:
    types = list(D.TYPE_WEIGHTS)
    if i < len(types):
        return types[i]
    return L.rng.choices(types, list(D.TYPE_WEIGHTS.values()))[0]


def _pick_customer(L: Loader, i: int, order_type: str) -> Cust:
    portal = [c for c in L.custs if c.portal_user is not None]
    if portal and (i % 60 == 7 or 10 <= i < 10 + len(portal)):
        c = portal[(i // 60 + i) % len(portal)]
        # an installation's urban/rural kind comes from the customer's area
        if not order_type.startswith("install_") or order_type == f"install_{c.area_kind}":
            return c
    if order_type == "install_rural":
        pool = [c for c in L.custs if c.area_kind == "rural"]
    elif order_type == "install_urban":
        pool = [c for c in L.custs if c.area_kind == "urban"]
    else:
        pool = L.custs
    # some customers call often: a skewed choice
    idx = min(int(L.rng.paretovariate(1.2)) - 1, len(pool) - 1) if L.rng.random() < 0.3 else None
    return pool[idx] if idx is not None else L.rng.choice(pool)


def _final_status(L: Loader, age_days: float) -> Status:
    if age_days < 2:
        w = {
            "new": 35,
            "in_progress": 25,
            "awaiting_materials": 10,
            "pending_customer": 10,
            "resolved": 15,
            "closed": 5,
        }
    elif age_days < 7:
        w = {
            "new": 4,
            "in_progress": 15,
            "awaiting_materials": 10,
            "pending_customer": 10,
            "resolved": 25,
            "closed": 30,
            "reopened": 6,
        }
    else:
        w = {
            "in_progress": 2,
            "awaiting_materials": 1,
            "pending_customer": 1,
            "resolved": 4,
            "closed": 89,
            "reopened": 3,
        }
    return Status(L.rng.choices(list(w), list(w.values()))[0])


def _received(L: Loader, channel: str) -> dt.datetime:
    days = L.rng.random() ** 0.9 * 180
    day = L.today - dt.timedelta(days=int(days))
    if channel == "counter":
        minute = L.rng.randint(8 * 60 + 30, 17 * 60 + 20)
    elif channel in ("email", "portal"):
        minute = L.rng.randint(0, 24 * 60 - 1)
    else:
        minute = int(L.rng.triangular(7 * 60, 22 * 60, 10 * 60))
    t0 = L.local(day, minute // 60, minute % 60)
    if t0 > L.now - dt.timedelta(minutes=40):
        t0 = L.now - dt.timedelta(minutes=L.rng.randint(40, 300))
    return t0


def _owner(L: Loader, branch: str, channel: str) -> str:
    if channel == "counter":
        return "agent3" if branch == "north" else "agent5"
    roll = L.rng.random()
    if roll < 0.04:
        return "sup_north" if branch == "north" else "sup_south"
    if roll < 0.07:
        return L.rng.choice(["tech1", "tech2"] if branch == "north" else ["tech3", "tech4"])
    return L.rng.choice(
        ["agent1", "agent1", "agent2", "agent3"] if branch == "north" else ["agent4", "agent4", "agent5"]
    )


def _plans(L: Loader, n: int) -> list[Plan]:
    plans: list[Plan] = []
    budget = n
    i = 0
    while budget > 0:
        otype = _pick_type(L, i)
        services = D.TYPE_SERVICES[otype]
        service = L.rng.choices([s for s, _ in services], [w for _, w in services])[0]
        channel = L.rng.choices(list(D.CHANNEL_WEIGHTS), list(D.CHANNEL_WEIGHTS.values()))[0]
        cust = _pick_customer(L, i, otype)
        if cust.portal_user is not None and L.rng.random() < 0.6:
            channel = "portal"
        t0 = max(_received(L, channel), cust.created_at + dt.timedelta(hours=1))
        title, desc = L.rng.choice(D.ORDER_TEXTS[service])
        plan = Plan(
            t0=t0,
            order_type=otype,
            service=service,
            channel=channel,
            customer=cust,
            final=_final_status(L, (L.now - t0).total_seconds() / 86400),
            title=title,
            description=desc.format(addr=cust.address),
            owner=_owner(L, cust.branch, channel),
        )
        if not _fits(plan.order_type, plan.final):
            plan.final = Status.IN_PROGRESS
        if otype in ("fault_major", "complaint") and L.rng.random() < 0.2:
            plan.escalate = True
            plan.escalation_handled = L.rng.random() < 0.8
        elif L.rng.random() < 0.01:
            plan.escalate = True
        if plan.owner.startswith("agent") and L.rng.random() < 0.04:
            plan.co_receiver = "agent2" if cust.branch == "north" and plan.owner != "agent2" else None
        if budget >= 2 and plan.final != Status.NEW and L.rng.random() < 0.015:
            plan.duplicate = True
            budget -= 1
        plans.append(plan)
        budget -= 1
        i += 1
    _ensure_coverage(L, plans)
    plans.sort(key=lambda p: p.t0)
    return plans


def _ensure_coverage(L: Loader, plans: list[Plan]) -> None:
    """Every status at least once (open ones on the most recent orders), one escalation to the
    president, one unhandled escalation and one merge."""
    by_recent = sorted(plans, key=lambda p: p.t0, reverse=True)
    taken: set[int] = set()
    for status in ALL_STATUSES:
        if any(p.final == status for p in plans):
            continue
        pool = by_recent if status in OPEN_FINALS else by_recent[len(by_recent) // 3 :]
        for p in pool:
            if id(p) not in taken and not p.duplicate and _fits(p.order_type, status):
                p.final = status
                taken.add(id(p))
                break
    if not any(p.to_president for p in plans):
        for p in by_recent[3:]:
            if p.order_type == "complaint" and p.final in (Status.CLOSED, Status.RESOLVED):
                p.escalate, p.to_president, p.escalation_handled = True, True, True
                break
        else:
            p = by_recent[len(by_recent) // 2]
            p.escalate, p.to_president, p.escalation_handled = True, True, True
    if not any(p.escalate and not p.escalation_handled for p in plans):
        for p in by_recent:
            if p.final in (Status.IN_PROGRESS, Status.PENDING_CUSTOMER) and not p.to_president:
                p.escalate, p.escalation_handled = True, False
                break
    # and one request for the president still waiting on the general manager's desk
    if not any(p.to_president and not p.escalation_handled for p in plans):
        waiting = [p for p in by_recent if p.final in (Status.IN_PROGRESS, Status.PENDING_CUSTOMER)]
        waiting.sort(key=lambda p: p.order_type != "complaint")
        if waiting:
            waiting[0].escalate, waiting[0].to_president, waiting[0].escalation_handled = (
                True,
                True,
                False,
            )
    if not any(p.duplicate for p in plans):
        for p in by_recent[5:]:
            if p.final == Status.CLOSED:
                p.duplicate = True
                break


def load(L: Loader, n: int) -> None:
    t_start = time.monotonic()
    plans = _plans(L, n)
    L.say(f"orders: {len(plans)} planned")
    for k, plan in enumerate(plans, 1):
        Play(L, plan).run()
        if k % 250 == 0:
            L.say(f"orders: {k}/{len(plans)} ({time.monotonic() - t_start:.1f} s)")
    _links(L, plans)
    L.say(f"orders: {WorkOrder.objects.count()} ({time.monotonic() - t_start:.1f} s)")


def _links(L: Loader, plans: list[Plan]) -> None:
    """Related orders: major faults of the same branch reported close together."""
    majors = [p for p in plans if p.order_type == "fault_major" and p.pk]
    made = 0
    for a, b in itertools.pairwise(majors):
        if a.customer.branch != b.customer.branch or made >= max(2, len(plans) // 100):
            continue
        L.at(max(a.t0, b.t0) + dt.timedelta(minutes=20))
        sup = "sup_north" if a.customer.branch == "north" else "sup_south"
        do_link(L.user(sup), a.pk, b.pk)  # type: ignore[arg-type]
        made += 1


class Play:
    """Plays the history of one order step by step on the simulated clock."""

    def __init__(self, loader: Loader, plan: Plan) -> None:
        self.L = loader
        self.p = plan
        self.rng = loader.rng
        self.steps: list[tuple[float, Callable[[], None]]] = []
        self.t = 0.0  # minutes after reception
        branch = plan.customer.branch
        self.sup = "sup_north" if branch == "north" else "sup_south"
        self.followup = "followup1" if branch == "north" else "followup2"
        self.owner = plan.owner
        if plan.order_type in ("install_urban", "install_rural"):
            self.tech = "tech2" if branch == "north" else "tech4"
            self.dept = "安装队"
        else:
            self.tech = self.rng.choice(["tech1", "tech2"] if branch == "north" else ["tech3", "tech4"])
            self.dept = "维修班"
        self.handler = self.owner
        self.escalation: tuple[int, int] = (0, 0)
        self.dup_pk = 0

    def step(self, after: tuple[float, float], fn: Callable[[], None]) -> None:
        self.t += self.rng.uniform(*after)
        self.steps.append((self.t, fn))

    # building blocks ------------------------------------------------------------------------
    def u(self, username: str) -> Any:
        return self.L.user(username)

    def create(self) -> None:
        p = self.p
        co = [self.L.staff[p.co_receiver].pk] if p.co_receiver and p.co_receiver != p.owner else []
        # what the receiver handles personally (not field work) lands in their own queue at once
        receiver = self.L.staff[p.owner]
        takes_it = p.order_type not in TECHNICAL_TYPES
        o = do_create_order(
            self.u(p.owner),
            p.customer.pk,
            OrderInput(
                order_type=p.order_type,
                title=p.title,
                description=p.description,
                channel=p.channel,
                service_id=self.L.services[p.service].pk,
                co_receiver_ids=co,
                assignee_id=receiver.pk if takes_it else None,
                department_id=receiver.department_id if takes_it else None,
                outlet_id=self._outlet(),
            ),
        )
        p.pk, p.number = o.pk, o.number
        owner = next(u for u, s in self.L.staff.items() if s.pk == o.owner_id)
        self.owner = owner
        if self.handler == p.owner:
            self.handler = owner

    def _outlet(self) -> int | None:
        """Counter orders are received at an outlet; phone orders on an outlet's line every other customer
        (the rest on the central hotline). Chosen by the customer's number, not the random generator, so
        the rest of the demo stays as it was."""
        p = self.p
        outlets = self.L.outlets.get(p.customer.branch) or []
        if (
            not outlets
            or p.channel not in ("counter", "phone")
            or (p.channel == "phone" and p.customer.pk % 2)
        ):
            return None
        return outlets[p.customer.pk % len(outlets)].pk

    def create_duplicate(self) -> None:
        p = self.p
        o = do_create_order(
            self.u(self.owner),
            p.customer.pk,
            OrderInput(
                order_type=p.order_type,
                title=p.title,
                description="客户再次来电催促：" + p.description,
                channel="phone" if p.channel != "phone" else "sms",
                service_id=self.L.services[p.service].pk,
            ),
        )
        self.dup_pk = o.pk

    def merge_duplicate(self) -> None:
        merger = self.owner if self.L.staff[self.owner].can("order.merge") else self.sup
        do_merge(self.u(merger), self.dup_pk, self.p.pk, "同一诉求重复来电，合并到原工单处理。")  # type: ignore[arg-type]

    def reply(self, who: str, text: str) -> None:
        # the order's own channel when it came in writing, else the first written one, else a call-back
        o = WorkOrder.objects.select_related("customer").get(pk=self.p.pk)  # type: ignore[misc]
        # (WeCom replies leave through the chat gateway, which the demo does not call)
        reachable = [c for c in reply_channels(o) if c is not wo_rules.ReplyChannel.WECOM]
        channel = wo_rules.default_reply_channel(o.channel, reachable) or next(
            iter(reachable), wo_rules.ReplyChannel.CALLBACK
        )
        do_reply(
            self.u(who),  # type: ignore[arg-type]
            self.p.pk,  # type: ignore[arg-type]
            text.format(number=self.p.number),
            channel=channel.value,
            callback_outcome="reached" if channel is wo_rules.ReplyChannel.CALLBACK else "",
        )

    def note(self, who: str, text: str) -> None:
        do_note(self.u(who), self.p.pk, text)  # type: ignore[arg-type]

    def materials_complete(self, who: str) -> bool:
        """Record the materials check with everything supplied (R-11: the clock of a service with required
        materials starts with it); False when the service lists no materials."""
        ids = list(
            ServiceMaterial.objects.filter(service=self.L.services[self.p.service]).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            return False
        do_check_materials(self.u(who), self.p.pk, ids)  # type: ignore[arg-type]
        return True

    def materials_then_work(self, who: str) -> None:
        """Materials complete: the check moves an order awaiting materials on to in progress itself."""
        if not self.materials_complete(who):
            self.go(who, Status.IN_PROGRESS)

    def go(self, who: str, target: Status, **kw: str) -> None:
        if target == Status.CLOSED and self.p.order_type == "complaint" and not kw:
            complaints.classify(self, who)  # a complaint is closed only with its cause
        do_transition(self.u(who), self.p.pk, target.value, **kw)  # type: ignore[arg-type]

    def transfer(self) -> None:
        dept = self.L.departments[(self.p.customer.branch, self.dept)]
        do_transfer(
            self.u(self.owner),
            self.p.pk,  # type: ignore[arg-type]
            to_staff_id=self.L.staff[self.tech].pk,
            to_department_id=dept.pk,
            reason=(
                f"投诉需分公司经理亲自处理，转{self.L.staff[self.tech].name}。"
                if self.dept == "客服中心"
                else f"需上门处理，转{self.dept}{self.L.staff[self.tech].name}师傅。"
            ),
        )

    def escalate(self) -> None:
        p = self.p
        who = self.owner if self.L.staff[self.owner].can("order.escalate") else self.sup
        reason = D.PRESIDENT_REASON if p.to_president else self.rng.choice(D.ESCALATION_REASONS)
        esc = do_escalate(self.u(who), p.pk, reason, to_president=p.to_president)  # type: ignore[arg-type]
        self.escalation = (esc.pk, esc.leader_id)

    def handle_escalation(self) -> None:
        esc_pk, leader_id = self.escalation
        leader = next(s for s in self.L.staff.values() if s.pk == leader_id)
        response = (
            "总经理已亲自约见客户，听取意见并责成分公司三日内整改到位。"
            if self.p.to_president
            else self.rng.choice(D.ESCALATION_RESPONSES)
        )
        do_handle_escalation(leader.user, esc_pk, response)

    def customer_message(self) -> None:
        user = self.p.customer.portal_user
        if user is not None:
            do_customer_message(user, self.p.pk, self.rng.choice(D.CUSTOMER_MESSAGES))  # type: ignore[arg-type]

    # the script ----------------------------------------------------------------------------
    def build(self) -> None:
        p, rng = self.p, self.rng
        technical = p.order_type in TECHNICAL_TYPES
        final = p.final
        self.step((0, 0), self.create)
        if p.duplicate:
            self.step((15, 60), self.create_duplicate)
            self.step((3, 15), self.merge_duplicate)
        if final == Status.NEW:
            if rng.random() < 0.5:
                self.step((2, 20), lambda: self.reply(self.owner, rng.choice(D.ACK_REPLIES)))
            return
        if final == Status.CLOSED and not p.escalate and rng.random() < 0.06:
            reason_code, reason = rng.choice(D.WITHDRAW_REASONS)
            self.step(
                (5, 600), lambda: self.go(self.owner, Status.CLOSED, reason=reason, close_reason=reason_code)
            )
            return
        on_the_spot = (
            not technical
            and not p.escalate
            and final in (Status.RESOLVED, Status.CLOSED)
            and rng.random() < 0.6
        )
        if on_the_spot:
            res = rng.choice(D.RESOLUTIONS[p.order_type])
            self.step((3, 25), lambda: self.go(self.owner, Status.RESOLVED, resolution=res))
            self._close_part(final, (60 * 24, 60 * 72))
            return
        self.step((2, 30), lambda: self.reply(self.owner, rng.choice(D.ACK_REPLIES)))
        if p.customer.portal_user is not None and p.channel == "portal":
            self.step((10, 120), self.customer_message)
        needs_materials = final == Status.AWAITING_MATERIALS or (
            p.service in ("install-urban", "install-rural", "restore", "ownership") and rng.random() < 0.35
        )
        if needs_materials:
            group = (
                "install"
                if p.order_type.startswith("install")
                else p.service
                if p.service in ("restore", "ownership")
                else "other"
            )
            self.step((5, 30), lambda: self.reply(self.owner, D.MATERIAL_REPLIES[group]))
            self.step((1, 5), lambda: self.go(self.owner, Status.AWAITING_MATERIALS))
            if final == Status.AWAITING_MATERIALS:
                return
            self.step((60 * 20, 60 * 72), lambda: self.materials_then_work(self.owner))
        if technical or (p.order_type == "complaint" and rng.random() < 0.4):
            if not technical:
                self.tech, self.dept = self.sup, "客服中心"
            self.step((5, 60), self.transfer)
            self.handler = self.tech
        if not needs_materials:

            def start_work() -> None:
                self.materials_complete(self.owner)  # the check first: the clock starts with it
                self.go(self.handler, Status.IN_PROGRESS)

            self.step((10, 180), start_work)
        if rng.random() < 0.6:
            self.step((20, 240), lambda: self.note(self.handler, rng.choice(D.WORK_NOTES)))
        if p.escalate:
            self.step((10, 120), self.escalate)
            if p.escalation_handled:
                self.step((30, 240), self.handle_escalation)
        if final == Status.IN_PROGRESS:
            return
        if final == Status.PENDING_CUSTOMER or rng.random() < 0.1:
            reason = rng.choice(D.PENDING_REASONS)
            self.step((30, 300), lambda: self.go(self.handler, Status.PENDING_CUSTOMER, reason=reason))
            if final == Status.PENDING_CUSTOMER:
                return
            self.step((60 * 4, 60 * 30), lambda: self.go(self.handler, Status.IN_PROGRESS))
        span = {
            "fault_general": (60, 60 * 20),
            "fault_major": (60 * 3, 60 * 40),
            "install_urban": (60 * 24 * 2, 60 * 24 * 7),
            "install_rural": (60 * 24 * 4, 60 * 24 * 12),
            "restoration": (60 * 24, 60 * 24 * 4),
            "complaint": (60 * 4, 60 * 24 * 3),
        }.get(p.order_type, (60, 60 * 24 * 2))
        self.step(
            span, lambda: self.reply(self.handler, "您好，您的问题已处理完毕，如仍有问题请随时拨打96777。")
        )
        res = rng.choice(D.RESOLUTIONS[p.order_type])
        self.step((1, 20), lambda: self.go(self.handler, Status.RESOLVED, resolution=res))
        self._close_part(final, (60 * 4, 60 * 60))

    def _close_part(self, final: Status, followup_after: tuple[float, float]) -> None:
        rng = self.rng
        if final == Status.RESOLVED:
            return
        needs_followup = self.p.order_type in TECHNICAL_TYPES or self.p.order_type == "complaint"
        if needs_followup:
            self.step(followup_after, lambda: followup.call(self))
        if final == Status.REOPENED and rng.random() < 0.5:
            reason = rng.choice(D.REOPEN_REASONS)
            self.step((5, 60), lambda: self.go(self.followup, Status.REOPENED, reason=reason))
            return
        self.step((10, 240), lambda: self.go(self.owner, Status.CLOSED))
        if final == Status.REOPENED:
            reason = rng.choice(D.REOPEN_REASONS)
            self.step((60 * 24, 60 * 24 * 5), lambda: self.go(self.followup, Status.REOPENED, reason=reason))
        elif final == Status.CLOSED and rng.random() < 0.04:
            reason = rng.choice(D.REOPEN_REASONS)
            self.step((60 * 24, 60 * 24 * 3), lambda: self.go(self.followup, Status.REOPENED, reason=reason))
            self.step((30, 240), lambda: self.go(self.handler, Status.IN_PROGRESS))
            res = "二次上门彻底排除故障，客户确认正常。"
            self.step((60, 60 * 24), lambda: self.go(self.handler, Status.RESOLVED, resolution=res))
            self.step((60, 60 * 24), lambda: self.go(self.owner, Status.CLOSED))

    def run(self) -> None:
        self.build()
        total = self.steps[-1][0] if self.steps else 0
        budget = (self.L.now - dt.timedelta(minutes=10) - self.p.t0).total_seconds() / 60
        # steps that would lie in the future are compressed into the time since reception
        scale = min(1.0, budget / total) if total > 0 and budget > 0 else (1.0 if total <= 0 else 0.0)
        for offset, fn in self.steps:
            self.L.at(self.p.t0 + dt.timedelta(minutes=offset * scale))
            fn()
