"""Small, explicit builders for test data. Each returns saved rows."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from kefu.commitments.clocks import AROUND_THE_CLOCK_CALENDAR, OFFICE_CALENDAR, ensure_defaults
from kefu.commitments.models import BusinessCalendar, Service, TimeLimit
from kefu.customers.actions import CustomerInput, do_create_customer
from kefu.customers.models import Customer
from kefu.organization.models import Branch, Company, Department, ServiceArea, Staff
from kefu.workorders.actions import OrderInput, do_create_order
from kefu.workorders.models import WorkOrder

_seq = itertools.count(1)
PASSWORD = "kefu-test-pass-42"  # noqa: S105


def make_user(username: str, **extra: Any) -> Any:
    User = get_user_model()
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    return user


def make_staff(
    username: str,
    role: str,
    branch: Branch | None,
    *,
    grade: int = 1,
    hired_on: dt.date = dt.date(2020, 1, 1),
    leader: Staff | None = None,
    department: Department | None = None,
    name: str | None = None,
) -> Staff:
    user = make_user(username, is_staff=role == "admin", is_superuser=role == "admin")
    return Staff.objects.create(
        user=user,
        name=name or username,
        badge_no=f"B{next(_seq):05d}",
        role=role,
        branch=branch,
        grade=grade,
        hired_on=hired_on,
        leader=leader,
        department=department,
    )


@dataclass
class World:
    company: Company
    north: Branch
    south: Branch
    area_n1: ServiceArea
    area_n2: ServiceArea
    area_s1: ServiceArea
    repair_north: Department
    repair_south: Department
    admin: Staff
    president: Staff
    supervisor: Staff
    agent: Staff
    agent_senior: Staff
    technician: Staff
    followup: Staff
    inspector: Staff
    agent_south: Staff
    supervisor_south: Staff
    service_fault: Service

    def customer(
        self,
        name: str = "张三",
        phone: str = "13800138000",
        branch: Branch | None = None,
        actor: Staff | None = None,
        **kw: Any,
    ) -> Customer:
        actor = actor or (self.agent if (branch or self.north) == self.north else self.agent_south)
        return do_create_customer(
            actor.user,
            CustomerInput(name=name, phone=phone, branch_id=(branch or self.north).pk, **kw),
            allow_duplicate=True,
        )

    def order(self, customer: Customer, actor: Staff | None = None, **kw: Any) -> WorkOrder:
        actor = actor or (self.agent if customer.branch_id == self.north.pk else self.agent_south)
        data: dict[str, Any] = {
            "order_type": "fault_general",
            "title": "宽带无法上网",
            "description": "客户来电：宽带故障，灯不亮",
            "channel": "phone",
        }
        data.update(kw)
        return do_create_order(actor.user, customer.pk, OrderInput(**data))


@transaction.atomic
def build_world() -> World:

    # the default calendars and R-13 limits come from a data migration; a transactional test that ran
    # earlier in the same process flushed them, and without them orders would carry no clocks
    defaults = BusinessCalendar.objects.filter(name__in=[OFFICE_CALENDAR, AROUND_THE_CLOCK_CALENDAR])
    if defaults.count() < 2 or not TimeLimit.objects.filter(order_type="").exists():
        ensure_defaults()
    company = Company.objects.create(name="示例燃气有限公司", hotline="96777", email="service@example.com")
    north = Branch.objects.create(code="north", name="城北分公司", time_zone="Asia/Shanghai")
    south = Branch.objects.create(code="south", name="城南分公司", time_zone="Asia/Shanghai")
    area_n1 = ServiceArea.objects.create(
        branch=north, code="n1", name="和平里片区", households=4200, address_keywords="和平里\n安定路"
    )
    area_n2 = ServiceArea.objects.create(
        branch=north, code="n2", name="北苑片区", households=3900, address_keywords="北苑"
    )
    area_s1 = ServiceArea.objects.create(
        branch=south, code="s1", name="南湖乡片区", kind="rural", households=1800, address_keywords="南湖乡"
    )
    repair_north = Department.objects.create(branch=north, name="维修班")
    repair_south = Department.objects.create(branch=south, name="维修班")
    admin = make_staff("admin", "admin", None, grade=9)
    president = make_staff("president", "supervisor", None, grade=10, name="总经理")
    supervisor = make_staff("sup", "supervisor", north, grade=5, leader=president, name="王经理")
    agent = make_staff(
        "agent", "agent", north, grade=2, hired_on=dt.date(2021, 3, 1), leader=supervisor, name="李客服"
    )
    agent_senior = make_staff(
        "agent2", "agent", north, grade=3, hired_on=dt.date(2019, 5, 1), leader=supervisor, name="赵客服"
    )
    technician = make_staff(
        "tech", "technician", north, grade=2, leader=supervisor, department=repair_north, name="孙师傅"
    )
    followup = make_staff("followup", "followup", north, leader=supervisor, name="周回访")
    inspector = make_staff("inspector", "inspector", None, grade=4, name="吴督查")
    supervisor_south = make_staff("sup_s", "supervisor", south, grade=5, leader=president, name="郑经理")
    agent_south = make_staff("agent_s", "agent", south, grade=2, leader=supervisor_south, name="钱客服")
    repair_north.leader = supervisor
    repair_north.save()
    service_fault = Service.objects.create(
        code="broadband-fault",
        name="宽带故障报修",
        name_en="Broadband fault repair",
        order_type="fault_general",
    )
    return World(
        company,
        north,
        south,
        area_n1,
        area_n2,
        area_s1,
        repair_north,
        repair_south,
        admin,
        president,
        supervisor,
        agent,
        agent_senior,
        technician,
        followup,
        inspector,
        agent_south,
        supervisor_south,
        service_fault,
    )


def make_portal_customer(world: World, customer: Customer, username: str = "cust") -> Any:
    user = make_user(username)
    customer.user = user
    customer.save(update_fields=["user"])
    return user
