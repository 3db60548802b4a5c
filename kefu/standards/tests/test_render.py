"""Phrase variables: the pure render, the values of an order (deadline in the user's time zone), model
validation in the admin."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kefu.commitments.models.materials import OrderMaterial
from kefu.standards import rules, services
from kefu.standards.models import StandardPhrase
from kefu.standards.rules import Problem, render
from kefu.workorders.models import WorkOrder


def test_render_fills_known_variables() -> None:
    r = render(
        "您好，{customer_name}，工单{order_number}将在{deadline}前办结。",
        {"customer_name": "张三", "order_number": "GD-20261123-000001", "deadline": "2026-11-24 17:00"},
    )
    assert r.ok and r.text == "您好，张三，工单GD-20261123-000001将在2026-11-24 17:00前办结。"


def test_render_reports_unknown_and_missing_each_once_and_leaves_them_in_place() -> None:
    r = render("{custmer_name}您好，缺少{missing_materials}；{custmer_name}", {"missing_materials": None})
    assert r.text == "{custmer_name}您好，缺少{missing_materials}；{custmer_name}"
    assert r.problems == (
        Problem("unknown_variable", "custmer_name"),
        Problem("missing_value", "missing_materials"),
    )
    assert not r.ok


def test_render_leaves_other_braces_alone() -> None:
    assert render("价格 {100} 元 {}", {}).text == "价格 {100} 元 {}"


def test_leftover_variables_only_names_library_variables() -> None:
    assert rules.leftover_variables("请于{deadline}前带{missing_materials}来，{x}") == [
        "deadline",
        "missing_materials",
    ]
    assert rules.unknown_variables("{x}{deadline}{x}") == ["x"]


def test_greeting_rules() -> None:
    first = rules.GreetingSpec(1, "", "first", "start", ("您好", "Hello"))
    phone = rules.GreetingSpec(2, "phone", "every", "start", ("您好",))
    bye = rules.GreetingSpec(3, "chat", "every", "end", ("再见",))
    specs = [first, phone, bye]
    assert rules.missing_greetings(specs, "您好，师傅明天到", "email", True) == []
    assert rules.missing_greetings(specs, "  hello, we will come", "email", True) == []  # case, spaces
    assert rules.missing_greetings(specs, "師傅明天到", "email", True) == [first]
    assert rules.missing_greetings(specs, "師傅明天到", "email", False) == []
    assert rules.missing_greetings(specs, "師傅明天到", "phone", False) == [phone]
    assert rules.missing_greetings(specs, "您好，谢谢，再 见！", "chat", False) == []
    assert rules.missing_greetings(specs, "您好，谢谢", "chat", False) == [bye]


@pytest.mark.django_db
def test_order_values_deadline_in_the_users_time_zone(world) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer("王五", "13700137000"))
    due = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
    WorkOrder.objects.filter(pk=o.pk).update(due_at=due)
    o.refresh_from_db()
    OrderMaterial.objects.create(workorder=o, name="身份证复印件", order=1)
    OrderMaterial.objects.create(workorder=o, name="房产证", order=2)
    OrderMaterial.objects.create(workorder=o, name="申请表", order=3, supplied=True)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")), translation.override("zh-hans"):
        v = services.order_values(o)
    assert v == {
        "customer_name": "王五",
        "order_number": o.number,
        "missing_materials": "身份证复印件、房产证",
        "deadline": "2026-11-24 17:30",
    }
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")), translation.override("en"):
        v = services.order_values(o)
    assert v["deadline"] == "2026-11-24 09:30" and v["missing_materials"] == "身份证复印件, 房产证"
    # a material translated into the phrase's language is named in it (ADR 0008), the others fall back
    OrderMaterial.objects.filter(workorder=o, name="身份证复印件").update(
        translations={"hu": {"name": "személyi igazolvány másolata"}, "en": {"name": "copy of ID card"}}
    )
    assert services.order_values(o, "hu")["missing_materials"] == "személyi igazolvány másolata, 房产证"
    assert services.order_values(o, "en")["missing_materials"] == "copy of ID card, 房产证"
    assert services.order_values(o, "zh-hans")["missing_materials"] == "身份证复印件、房产证"


@pytest.mark.django_db
def test_render_for_order_reports_missing_values_as_field_errors(world, standards) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer("王五", "13700137000"))
    WorkOrder.objects.filter(pk=o.pk).update(due_at=None)
    o.refresh_from_db()
    p = StandardPhrase.objects.get(text_zh="您的工单{order_number}将在{deadline}前办结，请放心。")
    with translation.override("en"):
        r = services.render_for_order(p, o, "zh")
        assert r.text == f"您的工单{o.number}将在{{deadline}}前办结，请放心。"
        (err,) = r.errors
        assert (err.code, err.field, err.extra["variable"]) == ("missing_value", "body", "deadline")
        assert "{deadline}" in str(err.message)
        en = services.render_for_order(p, o, "en")
        assert en.text.startswith(f"Your order {o.number} will be completed by")


@pytest.mark.django_db
def test_admin_validation_names_the_field_with_the_unknown_variable() -> None:
    p = StandardPhrase(
        situation="greeting", text_zh="您好，{customer_name}", translations={"en": {"text": "Hello {name}"}}
    )
    with pytest.raises(ValidationError) as exc:
        p.full_clean()
    assert list(exc.value.message_dict) == ["text__en"]
    assert "{name}" in exc.value.message_dict["text__en"][0]


@pytest.mark.django_db
def test_seeded_library_has_the_spec_examples(standards) -> None:  # type: ignore[no-untyped-def]
    zh = set(StandardPhrase.objects.values_list("text_zh", flat=True))
    assert {"您好！", "请稍候，我马上给您办理。", "谢谢，再见！"} <= zh
    assert any(t.startswith("对不起，您还缺少{missing_materials}材料") for t in zh)
    # every default phrase in the four languages (docs/adr/0008-content-translations.md)
    for p in StandardPhrase.objects.all():
        assert p.missing_translations() == {}, p.text_zh
    sorry = StandardPhrase.objects.get(text_zh="对不起，给您带来不便了。")
    assert sorry.tr("text", "en") == "We are sorry for the inconvenience."
    assert sorry.tr("text", "hu") == "Elnézést kérünk a kellemetlenségért."
    assert sorry.tr("text", "zh-hant") == "對不起，給您帶來不便了。"
