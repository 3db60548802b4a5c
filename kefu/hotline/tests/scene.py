"""The hotline scene: a hotline agent of the company's call centre (no branch), customers in both
branches, an order of each."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client

from kefu.api.tests.conftest import Api, api_for
from kefu.customers.models import Customer
from kefu.organization.models import Staff
from kefu.testing.factories import World, make_staff
from kefu.workorders.models import WorkOrder


@dataclass
class Scene:
    hotline: Staff
    north_c: Customer
    south_c: Customer
    neighbour: Customer  # another customer of the south branch: never on this agent's line
    north_o: WorkOrder
    south_o: WorkOrder
    neighbour_o: WorkOrder

    def api(self) -> Api:
        return api_for(self.hotline.user)

    def console(self) -> Client:
        c = Client()
        c.force_login(self.hotline.user)
        return c


def make_scene(world: World) -> Scene:
    hotline = make_staff("hotline", "hotline", None, grade=2, name="陈热线")
    north_c = world.customer(name="北客户", phone="13800138001")
    south_c = world.customer(
        name="南客户",
        phone="13800138002",
        branch=world.south,
        address="南湖乡幸福村8号",
        area_id=world.area_s1.pk,
    )
    neighbour = world.customer(name="南邻居", phone="13800138003", branch=world.south)
    return Scene(
        hotline,
        north_c,
        south_c,
        neighbour,
        world.order(north_c, title="北工单"),
        world.order(south_c, title="南工单"),
        world.order(neighbour, title="南邻居工单"),
    )
