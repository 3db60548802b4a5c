"""Demo customers: ~500 customers of every relationship type with their archive (subscriptions, contracts,
purchases, payments, bad records, notes, contact people), written through the customer actions on the
simulated clock; the historical billing lines imported in bulk with one audit record each; portal logins;
the tiers computed from the archive and a few manual overrides with a reason."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from kefu.audit import log as audit
from kefu.audit.models import AuditRecord
from kefu.customers.actions import (
    CustomerInput,
    deferred_tier_recompute,
    do_add_note,
    do_add_record,
    do_create_customer,
    do_override_tier,
    recompute_tier,
    tier_rule,
)
from kefu.customers.models import Customer, CustomerKind, Payment, Relationship
from kefu.demo import data as D
from kefu.demo.loader import Cust, Loader
from kefu.demo.organization import DEMO_PASSWORD

PORTAL_LOGINS = [f"cust{i}" for i in range(1, 6)]


def _relationship(L: Loader, i: int) -> str:
    forced = {
        0: Relationship.BUSINESS,
        1: Relationship.PARTNER,
        2: Relationship.INTERNAL,
        3: Relationship.BUSINESS,
        4: Relationship.INDIVIDUAL,
        5: Relationship.INDIVIDUAL,
        6: Relationship.INDIVIDUAL,
    }
    if i in forced:
        return forced[i]
    roll = L.rng.random()
    if roll < 0.80:
        return Relationship.INDIVIDUAL
    if roll < 0.92:
        return Relationship.BUSINESS
    if roll < 0.97:
        return Relationship.PARTNER
    return Relationship.INTERNAL


def _profile(L: Loader, rel: str, i: int) -> str:
    """The kind of history generated; the tier itself is computed from it by recompute_tier."""
    if i == 0:
        return "diamond"
    if i in (4, 5, 6):
        return ("gold", "brass", "lead")[i - 4]
    weights = {
        Relationship.INDIVIDUAL: {"gold": 30, "brass": 45, "lead": 25},
        Relationship.BUSINESS: {"diamond": 30, "gold": 40, "brass": 20, "lead": 10},
        Relationship.PARTNER: {"diamond": 60, "gold": 40},
        Relationship.INTERNAL: {"gold": 50, "brass": 50},
    }[rel]  # type: ignore[index]
    return L.rng.choices(list(weights), list(weights.values()))[0]


def _org(L: Loader, rel: str, area: D.AreaDef, used: set[str]) -> tuple[str, str]:
    """Name and street address of an organisation customer, the name after its street."""
    if rel == Relationship.INTERNAL:
        branch = next(b for b in D.BRANCHES if b["code"] == area.branch)
        owners = ["本公司", branch["name"]] if area.branch == "north" else [branch["name"]]
        address = branch["address"]
    else:
        streets = [k for k in area.keywords if not k.endswith(("小区", "家园", "花园", "村"))]
        street = L.rng.choice(streets)
        address = f"{area.district}{street}{L.rng.randint(1, 400)}号"
    name = ""
    for _attempt in range(30):
        if rel == Relationship.BUSINESS:
            kind, _sector = L.rng.choice(D.BUSINESS_KINDS)
            name = f"{street}{L.rng.choice(D.BUSINESS_BRANDS)}{kind}"
        elif rel == Relationship.PARTNER:
            brand = L.rng.choice(D.BUSINESS_BRANDS)
            name = f"{street}{brand}{L.rng.choice(D.PARTNER_KINDS)}"
        else:
            name = f"{L.rng.choice(owners)}{L.rng.choice(D.INTERNAL_UNITS)}"
        if name not in used:
            break
    else:
        name = f"{name}（{len(used)}）"
    used.add(name)
    return name, address


def load(L: Loader, n: int) -> None:
    """``n`` customers with their archive, played on the simulated clock; the billing history in bulk;
    portal logins for five of them. The tier is computed once per customer after the archive is complete
    (:func:`recompute`): the recomputation inside ``do_add_record`` would only produce intermediate values."""
    with deferred_tier_recompute():
        _create(L, n)


def _create(L: Loader, n: int) -> None:
    used_names: set[str] = set()
    t_start = time.monotonic()
    for i in range(n):
        rel = _relationship(L, i)
        profile = _profile(L, rel, i)
        branch_code = "north" if (i % 2 == 0 if i < 8 else L.rng.random() < 0.55) else "south"
        areas = L.areas[branch_code]
        area_weights = [3 if a.kind == "urban" else 1 for _, a in areas]
        if i < 8:
            _area, adef = areas[i // 2 % len(areas)]
        else:
            _area, adef = L.rng.choices(areas, area_weights)[0]
        if rel == Relationship.INDIVIDUAL:
            name, kind, address = L.person_name(), CustomerKind.PERSON, L.address(adef)
        else:
            (name, address), kind = _org(L, rel, adef, used_names), CustomerKind.ORGANISATION
        since = _since(L, profile, rel)
        created = max(L.go_live, L.local(since, 9, L.rng.randint(0, 59)))
        created += dt.timedelta(minutes=L.rng.randint(0, 480))
        actor = L.rng.choice(
            ["agent1", "agent2", "agent3"] if branch_code == "north" else ["agent4", "agent5"]
        )
        L.at(created)
        email = L.email() if (kind == CustomerKind.ORGANISATION or L.rng.random() < 0.3) else ""
        c = do_create_customer(
            L.user(actor),
            CustomerInput(
                name=name,
                phone=L.mobile(),
                email=email,
                address=address,
                kind=kind,
                relationship=rel,
                branch_id=L.branches[branch_code].pk,
                customer_since=since,
            ),
        )
        # urban/rural as the archive has it: the area matched from the address (which may be another
        # area's street than the one the address was made up for)
        kind_now = c.area.kind if c.area is not None else adef.kind
        cust = Cust(c.pk, branch_code, kind_now, rel, c.address, created)
        L.custs.append(cust)
        _archive(L, cust, actor, profile, since, rel, kind)
        if (i + 1) % 100 == 0:
            L.say(f"customers: {i + 1}/{n} ({time.monotonic() - t_start:.1f} s)")
    _flush_payments(L)
    _portal_logins(L)
    L.say(f"customers: {n} with {Payment.objects.count()} payments ({time.monotonic() - t_start:.1f} s)")


def _since(L: Loader, profile: str, rel: str) -> dt.date:
    years = {
        "diamond": (6, 20),
        "gold": (6, 25) if rel == Relationship.INDIVIDUAL else (3, 15),
        "brass": (1, 3),
        "lead": (1, 2) if rel != Relationship.INDIVIDUAL else (0, 1),
    }[profile]
    days = L.rng.randint(years[0] * 365 + 20, years[1] * 365 + 300)
    if profile == "lead" and rel == Relationship.INDIVIDUAL:
        days = L.rng.randint(240, 500)
    if profile == "brass" and rel == Relationship.INDIVIDUAL and L.rng.random() < 0.1:
        days = L.rng.randint(30, 200)  # a new customer, part of the recent growth
    return L.today - dt.timedelta(days=days)


def _archive(L: Loader, cust: Cust, actor: str, profile: str, since: dt.date, rel: str, kind: str) -> None:
    """Subscriptions, contracts, purchases, payments, bad records, people and notes of a customer."""
    rng = L.rng
    user = L.user(actor)
    records: list[tuple[dt.date, str, dict[str, Any]]] = []
    product = {
        Relationship.INDIVIDUAL: ("管道天然气（居民）", Decimal("0")),
        Relationship.BUSINESS: ("管道天然气（商业）", Decimal("0")),
        Relationship.PARTNER: ("燃气具代销服务包", Decimal("200.00")),
        Relationship.INTERNAL: ("内部供气", Decimal("0")),
    }[rel]  # type: ignore[index]
    records.append(
        (since, "subscription", {"product": product[0], "start_date": since, "monthly_fee": product[1]})
    )
    if rel == Relationship.INDIVIDUAL and rng.random() < 0.25:
        start = max(since, L.today - dt.timedelta(days=rng.randint(30, 700)))
        records.append(
            (
                start,
                "subscription",
                {
                    "product": rng.choice(["宽带 300M（两年期）", "宽带 100M（一年期）"]),
                    "start_date": start,
                    "expiry_date": start + dt.timedelta(days=rng.choice([365, 730])),
                    "monthly_fee": Decimal(rng.choice(["59.00", "99.00"])),
                },
            )
        )
    insurance = rng.random() < 0.45
    if insurance:
        # yearly gas insurance: active, expiring soon, lapsed, or renewed
        case = rng.choice(["active", "expiring", "lapsed", "renewed", "renewed"])
        if case == "active":
            start = L.today - dt.timedelta(days=rng.randint(10, 280))
        elif case == "expiring":
            start = L.today - dt.timedelta(days=rng.randint(310, 360))
        else:
            start = L.today - dt.timedelta(days=rng.randint(400, 540))
        start = max(start, since)
        records.append(
            (
                start,
                "insurance" if case != "renewed" else "insurance_renewed",
                {
                    "product": "燃气综合保险（年度）",
                    "start_date": start,
                    "expiry_date": start + dt.timedelta(days=364),
                    "monthly_fee": Decimal("8.00"),
                },
            )
        )
    if kind == CustomerKind.ORGANISATION:
        signed = max(since, L.today - dt.timedelta(days=rng.randint(60, 1400)))
        years = rng.choice([1, 2, 3])
        amount = Decimal(rng.randint(20, 400) * 500)
        title = {
            Relationship.BUSINESS: "供用气合同",
            Relationship.PARTNER: "燃气具代销及代收费协议",
            Relationship.INTERNAL: "内部服务协议",
        }[rel]  # type: ignore[index]
        records.append(
            (
                signed,
                "contract",
                {
                    "number": f"HT-{signed.year}-{cust.pk:05d}",
                    "title": title,
                    "signed_on": signed,
                    "start_date": signed,
                    "end_date": signed + dt.timedelta(days=365 * years - 1),
                    "amount": amount,
                },
            )
        )
        for j in range(rng.choice([1, 1, 2])):
            records.append(
                (
                    since,
                    "person",
                    {
                        "name": L.person_name(),
                        "title": rng.choice(D.CONTACT_TITLES),
                        "phone": L.mobile(),
                        "email": L.email() if rng.random() < 0.5 else "",
                        "is_primary": j == 0,
                    },
                )
            )
    # purchases in the last year (small ones only for brass/lead, so the rule's thresholds hold)
    if rel != Relationship.INTERNAL and rng.random() < (0.5 if profile in ("diamond", "gold") else 0.25):
        day = max(since, L.today - dt.timedelta(days=rng.randint(5, 330)))
        if rel == Relationship.INDIVIDUAL and profile == "gold":
            item = rng.choice([("燃气报警器", 268), ("嵌入式燃气灶", 1299), ("燃气壁挂炉", 6800)])
        elif rel == Relationship.INDIVIDUAL:
            item = rng.choice([("燃气报警器", 268), ("燃气安全自闭阀", 180)])
        elif profile in ("diamond", "gold"):
            item = rng.choice([("商用燃气灶具", 4800), ("燃气报警器（商用）", 980), ("流量计校验", 1500)])
        else:
            item = ("燃气报警器（商用）", 980)
        qty = rng.randint(1, 3) if profile == "diamond" else 1
        records.append(
            (
                day,
                "purchase",
                {
                    "product": item[0],
                    "quantity": qty,
                    "unit_price": Decimal(item[1]),
                    "purchased_on": day,
                },
            )
        )
    if profile == "lead" and (rel != Relationship.INDIVIDUAL or rng.random() < 0.4):
        kind_text = rng.choice(D.BAD_RECORDS)
        day = max(since, L.today - dt.timedelta(days=rng.randint(20, 600)))
        records.append(
            (day, "bad_record", {"recorded_on": day, "kind": kind_text[0], "description": kind_text[1]})
        )
    records.sort(key=lambda r: r[0])
    for day, rkind, values in records:
        L.at(max(cust.created_at, L.local(day, 10, rng.randint(0, 59))))
        if rkind in ("insurance", "insurance_renewed"):
            first = do_add_record(user, cust.pk, "subscription", values)
            if rkind == "insurance_renewed":
                start = values["expiry_date"] + dt.timedelta(days=1)
                L.at(max(cust.created_at, L.local(start, 10, 5)))
                do_add_record(
                    user,
                    cust.pk,
                    "subscription",
                    {
                        **values,
                        "start_date": start,
                        "expiry_date": start + dt.timedelta(days=364),
                        "renewed_from": first,
                    },
                )
        else:
            do_add_record(user, cust.pk, rkind, values)
    _payments(L, cust, profile, since, rel)
    if rng.random() < 0.15:
        L.at(cust.created_at + dt.timedelta(minutes=rng.randint(5, 600)))
        do_add_note(user, cust.pk, rng.choice(D.NOTES))


def _payments(L: Loader, cust: Cust, profile: str, since: dt.date, rel: str) -> None:
    rng = L.rng
    low, high = {
        (Relationship.INDIVIDUAL, "gold"): (80, 400),
        (Relationship.INDIVIDUAL, "brass"): (60, 250),
        (Relationship.INDIVIDUAL, "lead"): (60, 200),
        (Relationship.BUSINESS, "diamond"): (6000, 15000),
        (Relationship.BUSINESS, "gold"): (2000, 4000),
        (Relationship.BUSINESS, "brass"): (600, 1200),
        (Relationship.BUSINESS, "lead"): (500, 1000),
        (Relationship.PARTNER, "diamond"): (8000, 20000),
        (Relationship.PARTNER, "gold"): (2000, 4000),
        (Relationship.INTERNAL, "gold"): (2000, 4000),
        (Relationship.INTERNAL, "brass"): (300, 600),
    }[(rel, profile)]  # type: ignore[index]
    first_due = L.today - dt.timedelta(days=rng.randint(5, 55))
    dues = [d for d in (first_due - dt.timedelta(days=61 * k) for k in range(6)) if d > since]
    dues.sort()
    late = unpaid = 0
    if profile == "lead":
        late, unpaid = (1, 1) if len(dues) <= 4 else (2, 1)
    elif profile == "brass" and dues and (rel == Relationship.BUSINESS or rng.random() < 0.3):
        late = 1
    late_idx = set(rng.sample(range(len(dues)), min(late + unpaid, len(dues))))
    unpaid_idx = set(sorted(late_idx)[-unpaid:]) if unpaid else set()
    label = "燃气费" if rel != Relationship.PARTNER else "代销结算款"
    for k, due in enumerate(dues):
        amount = Decimal(rng.randint(low, high)).quantize(Decimal("1.00"))
        if k in unpaid_idx:
            paid_on = None
        elif k in late_idx:
            paid_on = min(L.today, due + dt.timedelta(days=rng.randint(5, 40)))
        else:
            paid_on = due - dt.timedelta(days=rng.randint(0, 20))
        when = L.local(paid_on or due, 15, rng.randint(0, 59))
        L.payment_rows.append(
            (
                Payment(
                    customer_id=cust.pk,
                    description=f"{due:%Y年%m月}{label}",
                    amount=amount,
                    due_date=due,
                    paid_on=paid_on,
                ),
                max(when, cust.created_at),
            )
        )
    upcoming = L.today + dt.timedelta(days=rng.randint(6, 50))
    L.payment_rows.append(
        (
            Payment(
                customer_id=cust.pk,
                description=f"{upcoming:%Y年%m月}{label}",
                amount=Decimal(rng.randint(low, high)).quantize(Decimal("1.00")),
                due_date=upcoming,
                paid_on=None,
            ),
            min(L.now - dt.timedelta(minutes=5), L.local(L.today, 1)),
        )
    )


def _flush_payments(L: Loader) -> None:
    """Billing history in bulk, with the audit record do_add_record would have written for each."""
    payments = Payment.objects.bulk_create([p for p, _ in L.payment_rows], batch_size=500)
    AuditRecord.objects.bulk_create(
        [
            AuditRecord(
                at=min(when, L.now),
                actor=None,
                actor_label="system",
                action="customer.add_payment",
                object_type="customers.payment",
                object_id=str(p.pk),
                customer_id=p.customer_id,
                after=audit._jsonable(audit.snapshot(p)),
                summary="billing import",
            )
            for p, (_, when) in zip(payments, L.payment_rows, strict=True)
        ],
        batch_size=500,
    )
    L.payment_rows.clear()


def _portal_logins(L: Loader) -> None:
    """cust1..cust5: individual customers with a portal login."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    individuals = [c for c in L.custs if c.relationship == Relationship.INDIVIDUAL]
    chosen = individuals[: len(PORTAL_LOGINS)]
    for username, cust in zip(PORTAL_LOGINS, chosen, strict=False):
        L.at(cust.created_at + dt.timedelta(days=1))
        user = User.objects.create(username=username, password=password)
        c = Customer.objects.get(pk=cust.pk)
        c.user = user
        c.save(update_fields=["user"])
        audit.record(
            None,
            "customer.portal_login",
            c,
            after={"user": username},
            customer_id=c.pk,
            summary=f"portal login {username}",
        )
        user.customer = c
        cust.portal_user = user


def recompute(L: Loader, label: str) -> None:
    """Tier and churn risk of every customer, with the real date."""
    t_start = time.monotonic()
    rule = tier_rule()
    all_customers = list(Customer.objects.all())
    for c in all_customers:
        recompute_tier(c, rule, L.today)
    tiers = Counter(c.tier_computed for c in all_customers)
    L.say(
        f"tiers ({label}): "
        + ", ".join(f"{t}={n}" for t, n in sorted(tiers.items()))
        + f" ({time.monotonic() - t_start:.1f} s)"
    )


def overrides(L: Loader) -> None:
    """A few manual tiers with a reason (and any tier the rule did not produce at this size)."""
    all_customers = list(Customer.objects.order_by("id"))
    present = {c.tier_computed for c in all_customers}
    admin = L.user("demo_admin")
    gm = L.user("gm")
    overrides: list[tuple[Customer, str, str]] = []
    golds = [
        c for c in all_customers if c.tier_computed == "gold" and c.relationship == Relationship.INDIVIDUAL
    ]
    if golds:
        overrides.append((golds[0], "diamond", "人大代表、重点保障用户，按公司规定享受钻石级服务。"))
    leads = [
        c for c in all_customers if c.tier_computed == "lead" and c.relationship == Relationship.BUSINESS
    ]
    if leads:
        overrides.append((leads[0], "brass", "已签订分期还款协议并按期履行，暂不降为重铅。"))
    for tier, reason in (
        ("diamond", "年用气量大的重点商业客户，经分公司经理批准按钻石级服务。"),
        ("gold", "长期合作客户，经批准按黄金级服务。"),
        ("brass", "经批准按黄铜级服务。"),
        ("lead", "多次恶意拖欠，经批准降为重铅。"),
    ):
        if tier not in present and all_customers:
            target = next(
                (c for c in all_customers if c.relationship != Relationship.INDIVIDUAL), all_customers[0]
            )
            overrides.append((target, tier, reason))
    for c, tier, reason in overrides:
        do_override_tier(admin if tier != "diamond" else gm, c.pk, tier, reason)
    L.say(f"tier overrides: {len(overrides)}")
