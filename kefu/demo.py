"""The demo data set (``kefu demo``): a Chinese gas / water / broadband utility with two branches.

:func:`load_demo` builds the organisation (company, branches, outlets, departments, service areas,
staff with logins), the service catalog, ~500 customers of every relationship type with their
archive (subscriptions, contracts, purchases, payments, bad records, notes, contact people) and
~2,000 work orders of every type in every status with replies, notes, transfers, escalations,
links and merges, spread over the last six months.

How it stays honest and consistent:

* Customers and orders are written through the project's actions (``do_create_customer``,
  ``do_add_record``, ``do_create_order``, ``do_transition``, ``do_reply``, ...), so the audit log,
  timelines, contact history and search index are the real thing. Only configuration rows
  (company, branches, areas, staff, services — what an administrator enters in the admin) and the
  historical billing lines (payments, imported in bulk with one audit record each) are inserted
  directly.
* History is *played*, not rewritten: while the loader runs, ``django.utils.timezone.now`` is
  replaced by a simulated clock that is set to the moment of each step. Every timestamp written by
  the actions (received/created/updated/first response/resolved/closed, timeline, audit, contact
  history, transfers, escalations) and every order number (``GD-YYYYMMDD-NNNNNN`` with the local
  date of reception, counted per day in the ``NumberSequence`` rows) is therefore consistent by
  construction; orders are played in order of reception, so numbers of a day are chronological.
  Steps of one order never go past the real present.
* Tiers are recomputed once at the end with the real date (``recompute_tier``); a few customers get
  a manual override with a reason (``do_override_tier``).
* Deterministic (``random.Random(seed)``) and idempotent: if a company row exists nothing is done.
* Everything runs in one transaction: a failure leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from unittest import mock

import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone as django_timezone

from kefu import demo_data as D
from kefu.audit import log as audit
from kefu.audit.models import AuditRecord
from kefu.commitments.models import Service
from kefu.customers.actions import (
    CustomerInput,
    do_add_note,
    do_add_record,
    do_create_customer,
    do_override_tier,
    recompute_tier,
    record_contact,
    tier_rule,
)
from kefu.customers.models import Channel, Contact, Customer, CustomerKind, Payment, Relationship
from kefu.lib import clock as lib_clock
from kefu.organization.models import Branch, Company, Department, Outlet, ServiceArea, Staff
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
)
from kefu.workorders.models import WorkOrder
from kefu.workorders.rules import Status

DEMO_COMPLAINT_CAUSES = (
    ["attitude"] * 4 + ["billing-error"] * 3 + ["quality"] * 2 + ["improper-service", "price"]
)
DEMO_PASSWORD = "kefu-demo-2026"  # noqa: S105 - published demo password, documented in the README
PORTAL_LOGINS = [f"cust{i}" for i in range(1, 6)]

_real_now = django_timezone.now


def demo_logins() -> list[str]:
    """Every login the demo data creates (all with :data:`DEMO_PASSWORD`)."""
    return [s.username for s in D.STAFF] + PORTAL_LOGINS


class _Clock:
    """The simulated present while history is played (None = the real present)."""

    def __init__(self) -> None:
        self.at: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.at if self.at is not None else _real_now()

    @contextmanager
    def active(self) -> Iterator[None]:
        with mock.patch.object(django_timezone, "now", self.now):
            try:
                yield
            finally:
                self.at = None


@dataclass
class _Cust:
    pk: int
    branch: str
    area_kind: str
    relationship: str
    address: str
    created_at: dt.datetime
    portal_user: Any = None


@dataclass
class _Plan:
    t0: dt.datetime
    order_type: str
    service: str
    channel: str
    customer: _Cust
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


def load_demo(
    *, seed: int = 2026, orders: int = 2000, customers: int = 500, stdout: IO[str] | None = None
) -> dict[str, Any]:
    """Load the demo data set; return what was created (``{"skipped": True, ...}`` if present)."""
    started = time.monotonic()
    if Company.objects.exists():
        return {
            "skipped": True,
            "customers": Customer.objects.count(),
            "orders": WorkOrder.objects.count(),
        }
    loader = _Loader(random.Random(seed), stdout)
    connection = transaction.get_connection()
    # One transaction for the whole load (all or nothing). Inside it every action's own atomic block
    # would add a SAVEPOINT and a RELEASE round trip (a quarter of all statements); as nothing here
    # catches an error to carry on, they are switched off for the load: any error still rolls
    # everything back.
    with transaction.atomic(), mock.patch.object(connection.features, "uses_savepoints", False):
        if Company.objects.select_for_update().exists():  # a concurrent run got there first
            return {
                "skipped": True,
                "customers": Customer.objects.count(),
                "orders": WorkOrder.objects.count(),
            }
        from kefu.commitments.clocks import ensure_defaults

        ensure_defaults()  # the office/24x7 calendars and R-13 time limits, should they have been deleted
        from kefu.followup.actions import ensure_satisfaction_levels

        ensure_satisfaction_levels()  # the follow-up answers (migration data), should they have been deleted
        with loader.clock.active():
            loader.organisation()
            # the tier is computed once per customer after the archive is complete (the per-record
            # recomputation inside do_add_record would only produce intermediate values)
            with mock.patch("kefu.customers.actions.recompute_tier", _defer_recompute):
                loader.customers(max(customers, 8))
        loader.recompute("archive")  # orders of VIP customers get their priority from it
        with loader.clock.active():
            loader.orders(max(orders, 20) - 4)  # + 4 installations received at the end (clock_events)
        loader.recompute("final")  # churn risk counts complaints and open orders
        loader.overrides()
        loader.proactive()
        loader.clock_events()
        from kefu.inspections.demo import load as load_inspections

        load_inspections()  # inspections, corrective actions, plans, a required course and its exam
        from kefu.knowledge.demo import load as load_knowledge

        load_knowledge()  # FAQ categories and articles, two weeks of agents' shifts
        audit.record(
            None,
            "demo.load",
            object_type="demo",
            object_id=seed,
            after={"customers": customers, "orders": orders, "seed": seed},
            summary="demo data loaded",
        )
    result: dict[str, Any] = {
        "skipped": False,
        "staff": Staff.objects.count(),
        "customers": Customer.objects.count(),
        "orders": WorkOrder.objects.count(),
        "timeline": loader.count("timeline"),
        "audit": AuditRecord.objects.count(),
        "contacts": Contact.objects.count(),
        "portal_logins": len(PORTAL_LOGINS),
        "seconds": round(time.monotonic() - started, 1),
    }
    loader.say(f"done in {result['seconds']} s")
    return result


def _fits(order_type: str, status: Status) -> bool:
    """Praise and suggestions never wait for materials or for the customer."""
    return order_type not in ("praise", "suggestion") or status not in (
        Status.AWAITING_MATERIALS,
        Status.PENDING_CUSTOMER,
    )


def _defer_recompute(c: Customer, *args: Any, **kwargs: Any) -> Customer:
    return c


class _Loader:
    def __init__(self, rng: random.Random, stdout: IO[str] | None) -> None:
        self.rng = rng
        self.out = stdout
        self.clock = _Clock()
        self.now = _real_now()
        self.tz = django_timezone.get_default_timezone()
        self.today = django_timezone.localtime(self.now, self.tz).date()
        self.go_live = self.local(self.today - dt.timedelta(days=200), 9, 0)
        self.staff: dict[str, Staff] = {}
        self.branches: dict[str, Branch] = {}
        self.areas: dict[str, list[tuple[ServiceArea, D.AreaDef]]] = {}
        self.departments: dict[tuple[str, str], Department] = {}
        self.services: dict[str, Service] = {}
        self.custs: list[_Cust] = []
        self.phones: set[str] = set()
        self.emails: set[str] = set()
        self.payment_rows: list[tuple[Payment, dt.datetime]] = []
        self.stats: Counter[str] = Counter()

    # -- helpers -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(f"[demo] {text}\n")
            self.out.flush()

    def count(self, name: str) -> int:
        from kefu.workorders.models import TimelineEntry

        return TimelineEntry.objects.count() if name == "timeline" else self.stats[name]

    def local(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz).astimezone(dt.UTC)

    def at(self, when: dt.datetime) -> None:
        """Set the simulated clock (never past the real present)."""
        self.clock.at = min(when, self.now - dt.timedelta(seconds=30))

    def user(self, username: str) -> Any:
        return self.staff[username].user

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(D.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number in self.phones:
                continue
            parsed = phonenumbers.parse(number, "CN")
            if phonenumbers.is_valid_number(parsed):
                self.phones.add(number)
                return number

    def person_name(self) -> str:
        return self.rng.choice(D.SURNAMES) + self.rng.choice(D.GIVEN_NAMES)

    def email(self) -> str:
        """A unique address on reserved example domains (the demo never mails a real person)."""
        while True:
            address = f"kh{self.rng.randrange(10000, 99999)}@{self.rng.choice(D.EMAIL_DOMAINS)}"
            if address not in self.emails:
                self.emails.add(address)
                return address

    def address(self, area: D.AreaDef) -> str:
        kw = self.rng.choice(area.keywords)
        if area.kind == "rural":
            if kw.endswith("村"):
                town = "柳林镇" if area.branch == "north" else "石桥乡"
                return f"{area.district}{town}{kw}{self.rng.randint(1, 9)}组{self.rng.randint(1, 60)}号"
            return f"{area.district}{kw}{self.rng.randint(1, 40)}号"
        if kw.endswith(("小区", "家园", "花园")):
            return (
                f"{area.district}{kw}{self.rng.randint(1, 18)}栋{self.rng.randint(1, 4)}单元"
                f"{self.rng.randint(1, 28)}0{self.rng.randint(1, 4)}室"
            )
        building = self.rng.choice(D.BUILDINGS)
        return f"{area.district}{kw}{self.rng.randint(1, 300)}号{building}{self.rng.randint(1, 20)}0{self.rng.randint(1, 6)}室"

    # -- organisation --------------------------------------------------------------------------
    def organisation(self) -> None:
        Company.objects.create(**D.COMPANY)
        for b in D.BRANCHES:
            branch = Branch.objects.create(time_zone="Asia/Shanghai", **b)
            self.branches[branch.code] = branch
            for name, address, phone in D.OUTLETS[branch.code]:
                Outlet.objects.create(
                    branch=branch, name=name, address=address, phone=phone, opening_hours=D.OPENING_HOURS
                )
            for dname in D.DEPARTMENTS:
                self.departments[(branch.code, dname)] = Department.objects.create(branch=branch, name=dname)
        User = get_user_model()
        password = make_password(DEMO_PASSWORD)
        for i, s in enumerate(D.STAFF):
            user = User.objects.create(
                username=s.username,
                password=password,
                first_name=s.name,
                is_staff=s.role == "admin",
                is_superuser=s.role == "admin",
            )
            staff = Staff.objects.create(
                user=user,
                name=s.name,
                badge_no=f"BJ{1001 + i}",
                role=s.role,
                branch=self.branches[s.branch] if s.branch else None,
                department=self.departments[(s.branch, s.department)] if s.branch and s.department else None,
                grade=s.grade,
                hired_on=s.hired_on,
                phone=self.mobile(),
            )
            staff.user = user
            self.staff[s.username] = staff
        for s in D.STAFF:
            if s.leader:
                self.staff[s.username].leader = self.staff[s.leader]
                self.staff[s.username].save(update_fields=["leader"])
        for branch_code, leaders in D.DEPARTMENT_LEADERS.items():
            for dname, username in leaders.items():
                dept = self.departments[(branch_code, dname)]
                dept.leader = self.staff[username]
                dept.save(update_fields=["leader"])
        for a in D.AREAS:
            area = ServiceArea.objects.create(
                branch=self.branches[a.branch],
                code=a.code,
                name=a.name,
                kind=a.kind,
                households=a.households,
                address_keywords="\n".join(a.keywords),
            )
            area.responsible.set([self.staff[u] for u in a.responsible])
            self.areas.setdefault(a.branch, []).append((area, a))
        for sd in D.SERVICES:
            self.services[sd.code] = Service.objects.create(
                code=sd.code,
                name=sd.name,
                name_en=sd.name_en,
                order_type=sd.order_type,
                sale_phase=sd.sale_phase,
                technical=sd.technical,
                place=sd.place,
                paid=sd.fee > 0,
                fee=sd.fee,
                recurring=sd.recurring,
                description=sd.description,
            )
        self.catalog_details()
        # the users are re-read with their staff profile attached (one query per action less)
        for user in User.objects.filter(username__in=self.staff).select_related("staff"):
            self.staff[user.username] = user.staff
        self.say(
            f"organisation: {len(self.branches)} branches, {Outlet.objects.count()} outlets, "
            f"{len(D.AREAS)} areas, {len(self.staff)} staff, {len(self.services)} services"
        )

    # -- customers -----------------------------------------------------------------------------
    def _relationship(self, i: int) -> str:
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
        roll = self.rng.random()
        if roll < 0.80:
            return Relationship.INDIVIDUAL
        if roll < 0.92:
            return Relationship.BUSINESS
        if roll < 0.97:
            return Relationship.PARTNER
        return Relationship.INTERNAL

    def _profile(self, rel: str, i: int) -> str:
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
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _org(self, rel: str, area: D.AreaDef, used: set[str]) -> tuple[str, str]:
        """Name and street address of an organisation customer, the name after its street."""
        if rel == Relationship.INTERNAL:
            branch = next(b for b in D.BRANCHES if b["code"] == area.branch)
            owners = ["本公司", branch["name"]] if area.branch == "north" else [branch["name"]]
            address = branch["address"]
        else:
            streets = [k for k in area.keywords if not k.endswith(("小区", "家园", "花园", "村"))]
            street = self.rng.choice(streets)
            address = f"{area.district}{street}{self.rng.randint(1, 400)}号"
        name = ""
        for _attempt in range(30):
            if rel == Relationship.BUSINESS:
                kind, _sector = self.rng.choice(D.BUSINESS_KINDS)
                name = f"{street}{self.rng.choice(D.BUSINESS_BRANDS)}{kind}"
            elif rel == Relationship.PARTNER:
                brand = self.rng.choice(D.BUSINESS_BRANDS)
                name = f"{street}{brand}{self.rng.choice(D.PARTNER_KINDS)}"
            else:
                name = f"{self.rng.choice(owners)}{self.rng.choice(D.INTERNAL_UNITS)}"
            if name not in used:
                break
        else:
            name = f"{name}（{len(used)}）"
        used.add(name)
        return name, address

    def customers(self, n: int) -> None:
        used_names: set[str] = set()
        t_start = time.monotonic()
        for i in range(n):
            rel = self._relationship(i)
            profile = self._profile(rel, i)
            branch_code = "north" if (i % 2 == 0 if i < 8 else self.rng.random() < 0.55) else "south"
            areas = self.areas[branch_code]
            area_weights = [3 if a.kind == "urban" else 1 for _, a in areas]
            if i < 8:
                _area, adef = areas[i // 2 % len(areas)]
            else:
                _area, adef = self.rng.choices(areas, area_weights)[0]
            if rel == Relationship.INDIVIDUAL:
                name, kind, address = self.person_name(), CustomerKind.PERSON, self.address(adef)
            else:
                (name, address), kind = self._org(rel, adef, used_names), CustomerKind.ORGANISATION
            since = self._since(profile, rel)
            created = max(self.go_live, self.local(since, 9, self.rng.randint(0, 59)))
            created += dt.timedelta(minutes=self.rng.randint(0, 480))
            actor = self.rng.choice(
                ["agent1", "agent2", "agent3"] if branch_code == "north" else ["agent4", "agent5"]
            )
            self.at(created)
            email = self.email() if (kind == CustomerKind.ORGANISATION or self.rng.random() < 0.3) else ""
            c = do_create_customer(
                self.user(actor),
                CustomerInput(
                    name=name,
                    phone=self.mobile(),
                    email=email,
                    address=address,
                    kind=kind,
                    relationship=rel,
                    branch_id=self.branches[branch_code].pk,
                    customer_since=since,
                ),
            )
            cust = _Cust(c.pk, branch_code, adef.kind, rel, c.address, created)
            self.custs.append(cust)
            self._archive(cust, actor, profile, since, rel, kind)
            if (i + 1) % 100 == 0:
                self.say(f"customers: {i + 1}/{n} ({time.monotonic() - t_start:.1f} s)")
        self._flush_payments()
        self._portal_logins()
        self.say(
            f"customers: {n} with {Payment.objects.count()} payments ({time.monotonic() - t_start:.1f} s)"
        )

    def _since(self, profile: str, rel: str) -> dt.date:
        years = {
            "diamond": (6, 20),
            "gold": (6, 25) if rel == Relationship.INDIVIDUAL else (3, 15),
            "brass": (1, 3),
            "lead": (1, 2) if rel != Relationship.INDIVIDUAL else (0, 1),
        }[profile]
        days = self.rng.randint(years[0] * 365 + 20, years[1] * 365 + 300)
        if profile == "lead" and rel == Relationship.INDIVIDUAL:
            days = self.rng.randint(240, 500)
        if profile == "brass" and rel == Relationship.INDIVIDUAL and self.rng.random() < 0.1:
            days = self.rng.randint(30, 200)  # a new customer, part of the recent growth
        return self.today - dt.timedelta(days=days)

    def _archive(self, cust: _Cust, actor: str, profile: str, since: dt.date, rel: str, kind: str) -> None:
        """Subscriptions, contracts, purchases, payments, bad records, people and notes of a customer."""
        rng = self.rng
        user = self.user(actor)
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
            start = max(since, self.today - dt.timedelta(days=rng.randint(30, 700)))
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
                start = self.today - dt.timedelta(days=rng.randint(10, 280))
            elif case == "expiring":
                start = self.today - dt.timedelta(days=rng.randint(310, 360))
            else:
                start = self.today - dt.timedelta(days=rng.randint(400, 540))
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
            signed = max(since, self.today - dt.timedelta(days=rng.randint(60, 1400)))
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
                            "name": self.person_name(),
                            "title": rng.choice(D.CONTACT_TITLES),
                            "phone": self.mobile(),
                            "email": self.email() if rng.random() < 0.5 else "",
                            "is_primary": j == 0,
                        },
                    )
                )
        # purchases in the last year (small ones only for brass/lead, so the rule's thresholds hold)
        if rel != Relationship.INTERNAL and rng.random() < (0.5 if profile in ("diamond", "gold") else 0.25):
            day = max(since, self.today - dt.timedelta(days=rng.randint(5, 330)))
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
            day = max(since, self.today - dt.timedelta(days=rng.randint(20, 600)))
            records.append(
                (day, "bad_record", {"recorded_on": day, "kind": kind_text[0], "description": kind_text[1]})
            )
        records.sort(key=lambda r: r[0])
        for day, rkind, values in records:
            self.at(max(cust.created_at, self.local(day, 10, rng.randint(0, 59))))
            if rkind in ("insurance", "insurance_renewed"):
                first = do_add_record(user, cust.pk, "subscription", values)
                if rkind == "insurance_renewed":
                    start = values["expiry_date"] + dt.timedelta(days=1)
                    self.at(max(cust.created_at, self.local(start, 10, 5)))
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
        self._payments(cust, profile, since, rel)
        if rng.random() < 0.15:
            self.at(cust.created_at + dt.timedelta(minutes=rng.randint(5, 600)))
            do_add_note(user, cust.pk, rng.choice(D.NOTES))

    def _payments(self, cust: _Cust, profile: str, since: dt.date, rel: str) -> None:
        rng = self.rng
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
        first_due = self.today - dt.timedelta(days=rng.randint(5, 55))
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
                paid_on = min(self.today, due + dt.timedelta(days=rng.randint(5, 40)))
            else:
                paid_on = due - dt.timedelta(days=rng.randint(0, 20))
            when = self.local(paid_on or due, 15, rng.randint(0, 59))
            self.payment_rows.append(
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
        upcoming = self.today + dt.timedelta(days=rng.randint(6, 50))
        self.payment_rows.append(
            (
                Payment(
                    customer_id=cust.pk,
                    description=f"{upcoming:%Y年%m月}{label}",
                    amount=Decimal(rng.randint(low, high)).quantize(Decimal("1.00")),
                    due_date=upcoming,
                    paid_on=None,
                ),
                min(self.now - dt.timedelta(minutes=5), self.local(self.today, 1)),
            )
        )

    def _flush_payments(self) -> None:
        """Billing history in bulk, with the audit record do_add_record would have written for each."""
        payments = Payment.objects.bulk_create([p for p, _ in self.payment_rows], batch_size=500)
        AuditRecord.objects.bulk_create(
            [
                AuditRecord(
                    at=min(when, self.now),
                    actor=None,
                    actor_label="system",
                    action="customer.add_payment",
                    object_type="customers.payment",
                    object_id=str(p.pk),
                    customer_id=p.customer_id,
                    after=audit._jsonable(audit.snapshot(p)),
                    summary="billing import",
                )
                for p, (_, when) in zip(payments, self.payment_rows, strict=True)
            ],
            batch_size=500,
        )
        self.payment_rows.clear()

    def _portal_logins(self) -> None:
        """cust1..cust5: individual customers with a portal login."""
        User = get_user_model()
        password = make_password(DEMO_PASSWORD)
        individuals = [c for c in self.custs if c.relationship == Relationship.INDIVIDUAL]
        chosen = individuals[: len(PORTAL_LOGINS)]
        for username, cust in zip(PORTAL_LOGINS, chosen, strict=False):
            self.at(cust.created_at + dt.timedelta(days=1))
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

    # -- work orders ---------------------------------------------------------------------------
    def _pick_type(self, i: int) -> str:
        types = list(D.TYPE_WEIGHTS)
        if i < len(types):
            return types[i]
        return self.rng.choices(types, list(D.TYPE_WEIGHTS.values()))[0]

    def _pick_customer(self, i: int, order_type: str) -> _Cust:
        portal = [c for c in self.custs if c.portal_user is not None]
        if portal and (i % 60 == 7 or 10 <= i < 10 + len(portal)):
            return portal[(i // 60 + i) % len(portal)]
        if order_type == "install_rural":
            pool = [c for c in self.custs if c.area_kind == "rural"]
        elif order_type == "install_urban":
            pool = [c for c in self.custs if c.area_kind == "urban"]
        else:
            pool = self.custs
        # some customers call often: a skewed choice
        idx = min(int(self.rng.paretovariate(1.2)) - 1, len(pool) - 1) if self.rng.random() < 0.3 else None
        return pool[idx] if idx is not None else self.rng.choice(pool)

    def _final_status(self, age_days: float) -> Status:
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
        return Status(self.rng.choices(list(w), list(w.values()))[0])

    def _received(self, channel: str) -> dt.datetime:
        days = self.rng.random() ** 0.9 * 180
        day = self.today - dt.timedelta(days=int(days))
        if channel == "counter":
            minute = self.rng.randint(8 * 60 + 30, 17 * 60 + 20)
        elif channel in ("email", "portal"):
            minute = self.rng.randint(0, 24 * 60 - 1)
        else:
            minute = int(self.rng.triangular(7 * 60, 22 * 60, 10 * 60))
        t0 = self.local(day, minute // 60, minute % 60)
        if t0 > self.now - dt.timedelta(minutes=40):
            t0 = self.now - dt.timedelta(minutes=self.rng.randint(40, 300))
        return t0

    def _owner(self, branch: str, channel: str) -> str:
        if channel == "counter":
            return "agent3" if branch == "north" else "agent5"
        roll = self.rng.random()
        if roll < 0.04:
            return "sup_north" if branch == "north" else "sup_south"
        if roll < 0.07:
            return self.rng.choice(["tech1", "tech2"] if branch == "north" else ["tech3", "tech4"])
        return self.rng.choice(
            ["agent1", "agent1", "agent2", "agent3"] if branch == "north" else ["agent4", "agent4", "agent5"]
        )

    def plans(self, n: int) -> list[_Plan]:
        plans: list[_Plan] = []
        budget = n
        i = 0
        while budget > 0:
            otype = self._pick_type(i)
            services = D.TYPE_SERVICES[otype]
            service = self.rng.choices([s for s, _ in services], [w for _, w in services])[0]
            channel = self.rng.choices(list(D.CHANNEL_WEIGHTS), list(D.CHANNEL_WEIGHTS.values()))[0]
            cust = self._pick_customer(i, otype)
            if cust.portal_user is not None and self.rng.random() < 0.6:
                channel = "portal"
            t0 = max(self._received(channel), cust.created_at + dt.timedelta(hours=1))
            title, desc = self.rng.choice(D.ORDER_TEXTS[service])
            plan = _Plan(
                t0=t0,
                order_type=otype,
                service=service,
                channel=channel,
                customer=cust,
                final=self._final_status((self.now - t0).total_seconds() / 86400),
                title=title,
                description=desc.format(addr=cust.address),
                owner=self._owner(cust.branch, channel),
            )
            if not _fits(plan.order_type, plan.final):
                plan.final = Status.IN_PROGRESS
            if otype in ("fault_major", "complaint") and self.rng.random() < 0.2:
                plan.escalate = True
                plan.escalation_handled = self.rng.random() < 0.8
            elif self.rng.random() < 0.01:
                plan.escalate = True
            if plan.owner.startswith("agent") and self.rng.random() < 0.04:
                plan.co_receiver = "agent2" if cust.branch == "north" and plan.owner != "agent2" else None
            if budget >= 2 and plan.final != Status.NEW and self.rng.random() < 0.015:
                plan.duplicate = True
                budget -= 1
            plans.append(plan)
            budget -= 1
            i += 1
        self._ensure_coverage(plans)
        plans.sort(key=lambda p: p.t0)
        return plans

    def _ensure_coverage(self, plans: list[_Plan]) -> None:
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

    def orders(self, n: int) -> None:
        t_start = time.monotonic()
        plans = self.plans(n)
        self.say(f"orders: {len(plans)} planned")
        for k, plan in enumerate(plans, 1):
            _Play(self, plan).run()
            if k % 250 == 0:
                self.say(f"orders: {k}/{len(plans)} ({time.monotonic() - t_start:.1f} s)")
        self._links(plans)
        self.say(f"orders: {WorkOrder.objects.count()} ({time.monotonic() - t_start:.1f} s)")

    def _links(self, plans: list[_Plan]) -> None:
        """Related orders: major faults of the same branch reported close together."""
        majors = [p for p in plans if p.order_type == "fault_major" and p.pk]
        made = 0
        for a, b in itertools.pairwise(majors):
            if a.customer.branch != b.customer.branch or made >= max(2, len(plans) // 100):
                continue
            self.at(max(a.t0, b.t0) + dt.timedelta(minutes=20))
            sup = "sup_north" if a.customer.branch == "north" else "sup_south"
            do_link(self.user(sup), a.pk, b.pk)  # type: ignore[arg-type]
            made += 1

    # -- tiers ---------------------------------------------------------------------------------
    def recompute(self, label: str) -> None:
        t_start = time.monotonic()
        rule = tier_rule()
        all_customers = list(Customer.objects.all())
        for c in all_customers:
            recompute_tier(c, rule, self.today)
        tiers = Counter(c.tier_computed for c in all_customers)
        self.say(
            f"tiers ({label}): "
            + ", ".join(f"{t}={n}" for t, n in sorted(tiers.items()))
            + f" ({time.monotonic() - t_start:.1f} s)"
        )

    def catalog_details(self) -> None:
        """Required materials, process steps and fee items of the services (R-11, R-17)."""
        from kefu.commitments.models.materials import ServiceFee, ServiceMaterial, ServiceStep

        materials, steps, fees = [], [], []
        for code, service in self.services.items():
            for i, (name, required) in enumerate(D.MATERIALS.get(code, [])):
                materials.append(ServiceMaterial(service=service, name=name, required=required, order=i))
            if service.order_type not in ("suggestion", "praise", "inquiry"):
                for i, (title, text) in enumerate(D.STANDARD_STEPS):
                    steps.append(ServiceStep(service=service, order=i, title=title, description=text))
            for i, (name, amount, unit) in enumerate(D.FEES.get(code, [])):
                fees.append(
                    ServiceFee(service=service, name=name, amount=Decimal(amount), unit=unit, order=i)
                )
        ServiceMaterial.objects.bulk_create(materials)
        ServiceStep.objects.bulk_create(steps)
        ServiceFee.objects.bulk_create(fees)

    def proactive(self) -> None:
        """Care plans for business customers (yearly safety checks) and one announced maintenance (R-17, R-18)."""
        from kefu.commitments.models.proactive import CarePlan
        from kefu.commitments.proactive import do_announce_maintenance

        today = lib_clock.localdate()
        care = self.services.get("boiler-care") or next(iter(self.services.values()))
        plans = []
        for i, c in enumerate(
            Customer.objects.filter(relationship=Relationship.BUSINESS).order_by("id")[:12]
        ):
            plans.append(
                CarePlan(
                    customer=c,
                    service=care,
                    title="年度燃气安全检查",
                    every_months=12,
                    next_due=today + dt.timedelta(days=7 + 9 * i),
                )
            )
        CarePlan.objects.bulk_create(plans)
        sup = self.user("sup_north")
        for area_code, title, text, days, hours in D.MAINTENANCE:
            area = ServiceArea.objects.get(code=area_code)
            start = (lib_clock.now() + dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
            do_announce_maintenance(
                sup,
                branch_id=area.branch_id,
                area_ids=[area.pk],
                title=title,
                description=text,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=hours),
            )
        self.say(f"proactive: {len(plans)} care plans, {len(D.MAINTENANCE)} planned maintenance")
        self.followup_plans(today)

    def followup_plans(self, today: dt.date) -> None:
        """R-20: quarterly follow-up visits to six business customers; two are due, so visits are created."""
        from kefu.followup.actions import run_plans
        from kefu.followup.models import FollowupPlan

        business = Customer.objects.filter(relationship=Relationship.BUSINESS).order_by("-id")[:6]
        FollowupPlan.objects.bulk_create(
            FollowupPlan(
                customer=c,
                period=FollowupPlan.Period.QUARTERLY,
                next_visit=today + dt.timedelta(days=-2 if i < 2 else 10 * i),
                assignee=self.staff["followup1" if c.branch.code == "north" else "followup2"],
                note="大客户季度走访：用气安全、账单与服务意见",
            )
            for i, c in enumerate(business.select_related("branch"))
        )
        self.say(f"follow-up plans: {FollowupPlan.objects.count()}, visits created: {run_plans(today)}")

    def clock_events(self) -> None:
        """Extension requests (one approved, two waiting for the supervisor) and an unreachable report (R-14, R-15)."""
        from kefu.commitments.clocks import do_decide_extension, do_report_unreachable, do_request_extension
        from kefu.commitments.models import OrderClock

        # four installations received just now (5 working days each), so their deadlines lie ahead
        agent = self.user("agent1")
        area_ids = [a.pk for a, _d in self.areas.get("north", [])]
        customers = list(
            Customer.objects.filter(area_id__in=area_ids, merged_into__isnull=True).order_by("-id")[:4]
        )
        install = self.services.get("install-urban")
        fresh = [
            do_create_order(
                agent,
                c.pk,
                OrderInput(
                    order_type="install_urban",
                    title="新装燃气开户",
                    description="客户新购住房，申请开户通气，材料已在营业厅核对齐全。",
                    channel="counter",
                    service_id=install.pk if install else None,
                ),
            ).pk
            for c in customers
        ]
        running = list(
            OrderClock.objects.filter(kind="resolution", status="running", workorder_id__in=fresh)
            .select_related("workorder__owner__user", "workorder__assignee__user")
            .order_by("id")
        )
        reasons = [
            "客户要求改约到下周上门，需延长办理时限。",
            "所需燃气表型号缺货，厂家预计三个工作日内到货。",
            "涉及邻户管道改线，需物业协调施工时间。",
        ]
        requests = []
        for clock, reason in zip(running[:3], reasons, strict=False):
            staff = clock.workorder.assignee or clock.workorder.owner
            if staff is None:
                continue
            amount = 2 if clock.unit == "working_days" else 24
            requests.append(do_request_extension(staff.user, clock.pk, amount, reason))
        if requests:
            leader = requests[0].requested_by.leader
            if leader is not None:
                do_decide_extension(leader.user, requests[0].pk, True, "同意，请提前告知客户新的完成时间。")
        if len(running) > 3:
            clock = running[3]
            staff = clock.workorder.assignee or clock.workorder.owner
            if staff is not None:
                do_report_unreachable(
                    staff.user,
                    clock.pk,
                    "按约定14:00上门，敲门无人应答；14:05、14:20两次拨打客户电话未接通，已在门上张贴联系卡。",
                )
        self.say(
            f"clocks: {len(requests)} extension requests, {1 if len(running) > 3 else 0} unreachable report"
        )

    def overrides(self) -> None:
        """A few manual tiers with a reason (and any tier the rule did not produce at this size)."""
        all_customers = list(Customer.objects.order_by("id"))
        present = {c.tier_computed for c in all_customers}
        admin = self.user("demo_admin")
        gm = self.user("gm")
        overrides: list[tuple[Customer, str, str]] = []
        golds = [
            c
            for c in all_customers
            if c.tier_computed == "gold" and c.relationship == Relationship.INDIVIDUAL
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
        self.say(f"tier overrides: {len(overrides)}")


class _Play:
    """Plays the history of one order step by step on the simulated clock."""

    def __init__(self, loader: _Loader, plan: _Plan) -> None:
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
            ),
        )
        p.pk, p.number = o.pk, o.number
        owner = next(u for u, s in self.L.staff.items() if s.pk == o.owner_id)
        self.owner = owner
        if self.handler == p.owner:
            self.handler = owner

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
        do_reply(self.u(who), self.p.pk, text.format(number=self.p.number))  # type: ignore[arg-type]

    def note(self, who: str, text: str) -> None:
        do_note(self.u(who), self.p.pk, text)  # type: ignore[arg-type]

    def go(self, who: str, target: Status, **kw: str) -> None:
        if target == Status.CLOSED and self.p.order_type == "complaint" and not kw:
            self.classify_complaint(who)  # a complaint is closed only with its cause
        do_transition(self.u(who), self.p.pk, target.value, **kw)  # type: ignore[arg-type]

    def classify_complaint(self, who: str) -> None:
        from kefu.complaints.actions import do_classify_complaint
        from kefu.complaints.models import ComplaintCause

        # a fixed, Pareto-like spread by order id: no draw from rng, so the rest of the script stays the same
        code = DEMO_COMPLAINT_CAUSES[(self.p.pk or 0) % len(DEMO_COMPLAINT_CAUSES)]
        cause = ComplaintCause.objects.filter(code=code).first() or ComplaintCause.objects.first()
        if cause is not None:
            do_classify_complaint(self.u(who), self.p.pk, cause.pk)  # type: ignore[arg-type]

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

    def followup_call(self) -> None:
        text = self.rng.choice(D.FOLLOWUP_NOTES)
        if not self.record_followup(text):
            self.note(self.followup, text)
        record_contact(
            Customer(pk=self.p.customer.pk),  # only the keys are needed: no extra queries
            Channel.PHONE,
            staff=self.L.staff[self.followup],
            workorder=WorkOrder(pk=self.p.pk),
            direction=Contact.Direction.OUTBOUND,
            summary=text,
        )

    def record_followup(self, text: str) -> bool:
        """The follow-up task of the resolution (R-19): the customer reached and satisfied; an order that
        will be reopened gets one unanswered call (its task is cancelled by the reopening)."""
        from kefu.followup.actions import do_record_followup
        from kefu.followup.models import FollowupTask

        if self.p.pk is None:
            return False
        task = FollowupTask.objects.filter(workorder_id=self.p.pk, status="open").only("id").first()
        if task is None:
            return False
        if self.p.final == Status.REOPENED:
            do_record_followup(self.u(self.followup), task.pk, outcome="no_answer", note="无人接听，稍后再拨")
            return False
        level = self.rng.choice(["very_satisfied", "satisfied", "satisfied", "basically_satisfied"])
        do_record_followup(
            self.u(self.followup), task.pk, outcome="reached", solved=True, satisfaction=level, comments=text
        )
        return True

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
            self.step((60 * 20, 60 * 72), lambda: self.go(self.owner, Status.IN_PROGRESS))
        if technical or (p.order_type == "complaint" and rng.random() < 0.4):
            if not technical:
                self.tech, self.dept = self.sup, "客服中心"
            self.step((5, 60), self.transfer)
            self.handler = self.tech
        if not needs_materials:
            self.step((10, 180), lambda: self.go(self.handler, Status.IN_PROGRESS))
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
            self.step(followup_after, self.followup_call)
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


__all__ = ["DEMO_PASSWORD", "PORTAL_LOGINS", "demo_logins", "load_demo"]
