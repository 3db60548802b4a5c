"""A time limit must fit its service: the type, the complaint-answer and arrival clocks (the catalogue's
combinations an administrator can get wrong), and the labels say what the columns are."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kefu.commitments.models import Service, ServiceMaterial, TimeLimit

pytestmark = pytest.mark.django_db


def _service(order_type: str, *, emergency: bool = False) -> Service:
    return Service.objects.create(
        code=f"svc-{order_type}-{emergency}", name="燃气咨询", order_type=order_type, is_emergency=emergency
    )


def _errors(limit: TimeLimit) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        limit.full_clean()
    return exc.value.message_dict


def test_a_complaint_limit_on_an_inquiry_service_is_refused() -> None:
    inquiry = _service("inquiry")
    limit = TimeLimit(kind="complaint_answer", service=inquiry, unit="working_days", amount=Decimal(5))
    with translation.override("en"):
        assert _errors(limit) == {
            "kind": ["A complaint-answer limit applies only to complaints; this one is for inquiry orders."]
        }
    limit.order_type = "complaint"  # and the type cannot contradict the service
    with translation.override("en"):
        assert "order_type" in _errors(limit)
    TimeLimit(kind="resolution", service=inquiry, unit="working_days", amount=Decimal(3)).full_clean()
    TimeLimit(
        kind="complaint_answer", order_type="complaint", unit="working_days", amount=Decimal(5)
    ).full_clean()


def test_an_arrival_limit_needs_an_emergency() -> None:
    limit = TimeLimit(kind="arrival", unit="calendar_minutes", amount=Decimal(30))
    with translation.override("zh-hans"):
        assert _errors(limit)["kind"] == [
            "到场时限只适用于紧急情况：请勾选“仅限紧急情况”或选择紧急服务项目。"
        ]
    limit.emergency = True
    limit.full_clean()
    TimeLimit(
        kind="arrival",
        service=_service("fault_major", emergency=True),
        unit="calendar_minutes",
        amount=Decimal(30),
    ).full_clean()


def test_labels_of_position_and_duration_columns() -> None:
    with translation.override("zh-hans"):
        assert str(ServiceMaterial._meta.get_field("order").verbose_name) == "顺序"  # not 工单
        assert str(TimeLimit._meta.get_field("amount").verbose_name) == "时长"  # not 金额
    with translation.override("hu"):
        assert str(TimeLimit._meta.get_field("amount").verbose_name) == "időtartam"


def test_kefu_check_reports_a_fee_the_items_contradict() -> None:
    from kefu.commitments.catalogue_checks import check_catalogue
    from kefu.commitments.models import ServiceFee

    install = Service.objects.create(
        code="install-x", name="新装开通", order_type="install_urban", paid=True, fee=Decimal("2800.00")
    )
    ServiceFee.objects.create(service=install, name="开户安装费", amount=Decimal("300.00"), order=0)
    ServiceFee.objects.create(service=install, name="超出3米的管道", amount=Decimal("45.00"), order=1)
    inquiry = _service("inquiry")
    bad = TimeLimit.objects.create(kind="complaint_answer", service=inquiry, unit="working_days", amount=5)
    messages = [m for level, m in check_catalogue() if level == "warning"]
    assert any("install-x" in m and "2800.00" in m and "300.00" in m for m in messages), messages
    assert any(f"time limit #{bad.pk}" in m and "complaints" in m for m in messages), messages
    ServiceFee.objects.filter(service=install, order=0).update(amount=Decimal("2800.00"))
    bad.delete()
    assert not [m for _, m in check_catalogue() if "install-x" in m or "time limit" in m]
