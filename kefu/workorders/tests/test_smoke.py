import pytest

from kefu.workorders.actions import do_transition
from kefu.workorders.models import WorkOrder


@pytest.mark.django_db
def test_create_and_resolve(world):
    c = world.customer()
    o = world.order(c)
    assert o.number.startswith("GD-")
    assert o.owner == world.agent
    o = do_transition(world.agent.user, o.pk, "in_progress")
    o = do_transition(world.agent.user, o.pk, "resolved", resolution="重启光猫后恢复")
    assert WorkOrder.objects.get(pk=o.pk).status == "resolved"
