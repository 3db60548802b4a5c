"""SMS templates in the customer's language (docs/adr/0008-content-translations.md): the zh-hans template's
``translations`` give the English and Hungarian text; a language without one falls back to the Simplified
Chinese text; the provider's template id travels only with the text registered under it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kefu.channels.models import OutboxMessage, SmsTemplate
from kefu.channels.outbox import sms_template_edit, sms_templates
from kefu.commitments import proactive
from kefu.customers.actions import do_add_record
from kefu.customers.models import Customer
from kefu.lib.errors import ValidationFailed
from kefu.testing.factories import World

pytestmark = pytest.mark.django_db

ZH = "尊敬的{customer_name}，您的{product}将于{due}到期，请及时续费。咨询：{hotline}"
EN = "Dear {customer_name}, your {product} expires on {due}. Please renew in time. Questions: {hotline}"
HU = "Kedves {customer_name}! {product} előfizetése {due} napon lejár, kérjük, újítsa meg időben. Kérdés: {hotline}"


@pytest.fixture
def template() -> SmsTemplate:
    return SmsTemplate.objects.create(
        code="fee_reminder",
        language="zh-hans",
        text=ZH,
        signature="【城市燃气】",
        provider_template_id="SMS_1001",
        translations={"en": {"text": EN}, "hu": {"text": HU}},
    )


def reminder_for(world: World, name: str, phone: str, language: str) -> str:
    customer = world.customer(name=name, phone=phone)
    Customer.objects.filter(pk=customer.pk).update(language=language)
    do_add_record(
        world.agent.user,
        customer.pk,
        "subscription",
        {
            "product": "有线电视",
            "start_date": dt.date(2025, 1, 1),
            "expiry_date": dt.date(2026, 12, 1),
            "monthly_fee": Decimal("30"),
        },
    )
    assert proactive.send_fee_reminders(dt.date(2026, 11, 20), 15) == 1
    message = OutboxMessage.objects.get(customer_id=customer.pk)
    assert message.channel == "sms"
    return message.body


def test_fee_reminder_sms_in_english_and_hungarian(world: World, template: SmsTemplate) -> None:
    english = reminder_for(world, "Anna Smith", "13900139001", "en")
    assert english.startswith("【城市燃气】Dear Anna Smith, your 有线电视 expires on 2026-12-01.")
    hungarian = reminder_for(world, "Kovács Béla", "13900139002", "hu")
    assert hungarian.startswith("【城市燃气】Kedves Kovács Béla! 有线电视 előfizetése 2026-12-01 napon lejár")


def test_a_language_without_a_translation_falls_back_to_simplified_chinese(
    world: World, template: SmsTemplate
) -> None:
    body = reminder_for(world, "陳大文", "13900139003", "zh-hant")
    assert body.startswith("【城市燃气】尊敬的陳大文，您的有线电视将于2026-12-01到期，请及时续费。")


def test_the_provider_template_id_goes_only_with_its_own_text(template: SmsTemplate) -> None:
    values = {"customer_name": "Anna", "product": "TV", "due": "2026-12-01", "hotline": "96777"}
    zh = sms_templates.render("fee_reminder", "default", values, template, language="zh-hans")
    assert zh.template == {"id": "SMS_1001", "params": values}
    en = sms_templates.render("fee_reminder", "default", values, template, language="en-us")
    assert (
        en.body
        == "【城市燃气】Dear Anna, your TV expires on 2026-12-01. Please renew in time. Questions: 96777"
    )
    assert en.template == {}  # the registered template is the Chinese text; the English one goes as text
    # a row of its own for a language wins over the translation
    own = SmsTemplate.objects.create(code="fee_reminder", language="en", text="Renew {product} by {due}.")
    assert sms_templates.find("fee_reminder", "en") == own
    assert (
        sms_templates.render("fee_reminder", "d", values, own, language="en").body
        == "Renew TV by 2026-12-01."
    )
    assert sms_templates.find("fee_reminder", "hu") == template


def test_the_editor_keeps_a_text_per_language(world: World, template: SmsTemplate) -> None:
    data = {
        "text": ZH,
        "signature": "【城市燃气】",
        "provider_template_id": "",  # a registered reminder must carry the opt-out text (docs/privacy.md)
        "active": "1",
        "text__en": EN,
        "text__hu": "",
        "text__zh-hant": "尊敬的{customer_name}，您的{product}將於{due}到期。",
    }
    saved = sms_template_edit.do_save_template(world.admin.user, "fee_reminder", data)
    saved.refresh_from_db()
    assert saved.translations == {
        "en": {"text": EN},
        "zh-hant": {"text": "尊敬的{customer_name}，您的{product}將於{due}到期。"},
    }
    with pytest.raises(ValidationFailed) as bad:
        sms_template_edit.do_save_template(
            world.admin.user, "fee_reminder", {**data, "text__hu": "Kedves {name}! {product} {due}"}
        )
    assert bad.value.field == "text__hu" and "{name}" in str(bad.value.message)
