"""The R-26 complaint causes as shipped: seeded by migration 0002, editable in the admin afterwards."""

from __future__ import annotations

from typing import Any

from kefu.complaints.models import ComplaintCause

CAUSES: list[tuple[str, str, str, str]] = [
    # code, category, Chinese name, English name
    ("price", "product", "价格", "price"),
    ("quality", "product", "质量", "quality"),
    ("defect", "product", "产品缺陷", "defect"),
    ("expired", "product", "过期", "expired"),
    ("labelling", "product", "标识不清", "unclear labelling"),
    ("out-of-stock", "product", "缺货", "out of stock"),
    ("attitude", "service", "服务态度", "staff attitude"),
    ("billing-error", "service", "收费差错", "billing or cashier error"),
    ("too-few-services", "service", "服务项目少", "too few services"),
    ("improper-service", "service", "服务不当", "improper service"),
    ("service-withdrawn", "service", "服务取消", "a service withdrawn"),
    ("accident", "safety", "意外事故", "accident"),
    ("environment", "safety", "环境", "environment"),
]


def seed_causes(model: Any) -> None:
    """Create the shipped causes that are missing (``model``: the real or the historical model)."""
    for position, (code, category, name, name_en) in enumerate(CAUSES, start=1):
        model.objects.get_or_create(
            code=code, defaults={"category": category, "name": name, "name_en": name_en, "position": position}
        )


def ensure_causes() -> None:
    """Seed the causes again where a test flushed the table (transactional tests, like the clocks' defaults)."""

    seed_causes(ComplaintCause)
