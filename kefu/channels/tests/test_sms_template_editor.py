"""The SMS template editor's use cases (``channels.outbox.sms_template_edit``) and the segment count
(``sms_length``): placeholders refused by name with nothing saved, the fallback to Simplified Chinese, the
preview with the sample customer in a chosen language, the own row of a language, the audit record, and who
may change what."""

from __future__ import annotations

import pytest

from kefu.audit.models import AuditRecord
from kefu.channels.models import SmsTemplate
from kefu.channels.outbox import consent
from kefu.channels.outbox import sms_template_edit as edit
from kefu.channels.outbox.sms_length import sms_length
from kefu.lib.errors import Errors, PermissionDenied, ValidationFailed
from kefu.testing.factories import World

ZH = "尊敬的{customer_name}，您的{product}将于{due}到期，请及时续费。咨询：{hotline}"
HU = "Kedves {customer_name}! {product} előfizetése {due} napon lejár, kérjük, újítsa meg időben. Kérdés: {hotline}"


def form(**extra: str) -> dict[str, str]:
    return {"text": ZH, "signature": "【城市燃气】", "provider_template_id": "", "active": "1", **extra}


# --- segments (pure) ------------------------------------------------------------------------------------------


def test_chinese_text_costs_one_sms_per_70_characters_and_67_per_part_of_a_longer_one() -> None:
    assert sms_length("您好" * 35) == sms_length("好" * 70)
    one = sms_length("好" * 70)
    assert (one.characters, one.segments, one.unicode) == (70, 1, True)
    assert sms_length("好" * 71).segments == 2
    assert sms_length("好" * 134).segments == 2
    assert sms_length("好" * 135).segments == 3
    assert sms_length("").segments == 0


def test_latin_text_in_the_gsm_alphabet_costs_160_and_a_hungarian_o_with_double_acute_70() -> None:
    assert sms_length("a" * 160).segments == 1 and not sms_length("a" * 160).unicode
    assert sms_length("a" * 161).segments == 2
    assert sms_length("a" * 306).segments == 2 and sms_length("a" * 307).segments == 3
    assert sms_length("€").characters == 2  # the extension table counts twice
    assert sms_length("Kedves Béla").unicode is False  # é is in the GSM alphabet
    assert sms_length("előfizetése").unicode is True  # ő is not: the whole text goes as UCS-2
    assert sms_length("a" * 71 + "ő").segments == 2


# --- validation -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_placeholder_in_hungarian_is_refused_by_name_and_nothing_is_saved(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        edit.do_save_template(world.admin.user, "fee_reminder", form(text__hu=HU.replace("{due}", "{date}")))
    assert refused.value.field == "text__hu"
    assert "{date}" in str(refused.value.message) and "{due}" in str(refused.value.message)
    assert not SmsTemplate.objects.exists()
    assert not AuditRecord.objects.filter(action="sms_template.save").exists()


@pytest.mark.django_db
def test_a_missing_required_placeholder_is_named_for_each_language(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        edit.do_save_template(
            world.admin.user,
            "portal_link",
            {"text": "请点击链接登录，{minutes}分钟内有效。", "text__en": "Sign in: {url}", "active": "1"},
        )
    assert (refused.value.field, refused.value.code) == ("text", "missing_placeholder")
    assert "{url}" in str(refused.value.message)
    with pytest.raises(Errors) as both:
        edit.do_save_template(
            world.admin.user,
            "portal_link",
            {"text": "登录：{url}", "text__en": "Sign in within {minutes} min", "text__hu": "{link}"},
        )
    assert [(e.field, e.code) for e in both.value.errors] == [
        ("text__en", "missing_placeholder"),
        ("text__hu", "unknown_placeholder"),
        ("text__hu", "missing_placeholder"),
    ]
    with pytest.raises(ValidationFailed) as empty:
        edit.do_save_template(world.admin.user, "portal_link", {"text": "  ", "active": "1"})
    assert empty.value.field == "text" and empty.value.code == "required"
    with pytest.raises(ValidationFailed) as long:
        edit.do_save_template(world.admin.user, "reply", {"text": "{text}" + "好" * 495, "active": "1"})
    assert long.value.code == "too_long" and "501" in str(long.value.message)


# --- saving, audit, fallback ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_writes_the_texts_and_an_audit_record_and_empty_languages_fall_back(world: World) -> None:
    saved = edit.do_save_template(world.admin.user, "fee_reminder", form(text__hu=HU, text__en=""))
    saved.refresh_from_db()
    assert (saved.code, saved.language, saved.text, saved.signature) == (
        "fee_reminder",
        "zh-hans",
        ZH,
        "【城市燃气】",
    )
    assert saved.translations == {"hu": {"text": HU}}
    record = AuditRecord.objects.get(action="sms_template.save")
    assert record.after is not None and record.after["text"] == ZH and record.before is None
    row = next(r for r in edit.overview(world.supervisor.user) if r.code == "fee_reminder")
    assert {s.language: s.state for s in row.languages} == {
        "zh-hans": "own",
        "en": "fallback",
        "zh-hant": "fallback",
        "hu": "own",
    }
    assert row.filled == 2
    other = next(r for r in edit.overview(world.supervisor.user) if r.code == "survey")
    assert other.template is None and {s.state for s in other.languages} == {"builtin"}
    # a second save records only what changed
    edit.do_save_template(world.admin.user, "fee_reminder", form(text__hu=HU, signature="【城北燃气】"))
    last = AuditRecord.objects.filter(action="sms_template.save").latest("id")
    assert last.before == {"signature": "【城市燃气】"} and last.after == {"signature": "【城北燃气】"}


@pytest.mark.django_db
def test_the_preview_fills_the_sample_customer_in_the_chosen_language_with_the_opt_out_text(
    world: World,
) -> None:
    SmsTemplate.objects.create(code="opt_out", language="zh-hans", text="拒收请回复R")
    SmsTemplate.objects.create(code="opt_out", language="hu", text="Leiratkozás: válasz R")
    data = form(text__hu=HU)
    zh = edit.preview(world.admin.user, "fee_reminder", data, "zh-hans")
    assert (
        zh.body
        == "【城市燃气】尊敬的张伟，您的有线电视将于2026-12-31到期，请及时续费。咨询：96777 拒收请回复R"
    )
    assert (zh.length.characters, zh.length.segments) == (54, 1)
    hu = edit.preview(world.admin.user, "fee_reminder", data, "hu")
    assert hu.body.startswith("【城市燃气】Kedves Kovács Anna! kábeltévé előfizetése 2026-12-31 napon lejár")
    assert hu.body.endswith("Kérdés: 96777 Leiratkozás: válasz R")
    assert (hu.length.characters, hu.length.segments, hu.length.unicode) == (134, 2, True)
    # English has no text of its own: the Simplified Chinese text with the English sample customer
    en = edit.preview(world.admin.user, "fee_reminder", data, "en")
    assert en.body.startswith("【城市燃气】尊敬的Zhang Wei，您的cable TV将于2026-12-31到期")
    assert not SmsTemplate.objects.filter(code="fee_reminder").exists()  # a preview saves nothing


@pytest.mark.django_db
def test_a_language_with_a_registered_row_of_its_own_is_edited_in_that_row(world: World) -> None:
    own = SmsTemplate.objects.create(
        code="fee_reminder", language="en", text="Renew {product} by {due}.", provider_template_id="EN_1"
    )
    edit.do_save_template(world.admin.user, "fee_reminder", form(text__en="Please renew {product} by {due}."))
    own.refresh_from_db()
    assert own.text == "Please renew {product} by {due}."
    zh = SmsTemplate.objects.get(code="fee_reminder", language="zh-hans")
    assert "en" not in (zh.translations or {})
    assert AuditRecord.objects.filter(action="sms_template.save", object_id=str(own.pk)).exists()
    with pytest.raises(ValidationFailed) as empty:
        edit.do_save_template(world.admin.user, "fee_reminder", form(text__en=""))
    assert empty.value.field == "text__en"


@pytest.mark.django_db
def test_branch_managers_read_and_only_administrators_save(world: World) -> None:
    assert len(edit.overview(world.supervisor.user)) == 9
    with pytest.raises(PermissionDenied):
        edit.do_save_template(world.supervisor.user, "fee_reminder", form())
    with pytest.raises(PermissionDenied):
        edit.overview(world.agent.user)
    assert not SmsTemplate.objects.exists()


@pytest.mark.django_db
def test_the_opt_out_text_of_a_language_can_be_a_translation_of_the_chinese_template(world: World) -> None:
    edit.do_save_template(
        world.admin.user,
        "opt_out",
        {"text": "拒收请回复R", "text__hu": "Leiratkozás: válasz R", "active": "1"},
    )
    assert consent.opt_out_text("hu") == "Leiratkozás: válasz R"
    assert consent.opt_out_text("zh-hans") == "拒收请回复R"
    hu = edit.preview(
        world.admin.user, "survey", {"text": "请评价：{url}", "text__hu": "Értékeljen: {url}"}, "hu"
    )
    assert hu.body == "Értékeljen: https://kefu.example.com/p/Ab3xY9 Leiratkozás: válasz R"
