"""Greeting rules per language (docs/adr/0008-content-translations.md): a reply to a customer is checked
against the greetings of the customer's language, the default rules ship in four languages, the console editor
saves every language with the audit record, and the order page's phrase menu offers the customer's language
first."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.lib.errors import PermissionDenied, ValidationFailed
from kefu.standards import greeting_edit, services
from kefu.standards.defaults import (
    GREETING_TRANSLATIONS,
    GREETING_WORDS,
    OLD_GREETING_WORDS,
    translate_greetings,
)
from kefu.standards.models import GreetingRule, StandardPhrase
from kefu.workorders import actions

pytestmark = pytest.mark.django_db


def client_for(staff, lang: str = "en") -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    c.force_login(staff.user)
    return c


@pytest.fixture
def hu_order(world, standards):  # type: ignore[no-untyped-def]
    c = world.customer(name="Kovács Anna", phone="13700137001", language="hu")
    return world.order(c, title="Gázmérő hiba", channel="email")


@pytest.fixture
def zh_order(world, standards):  # type: ignore[no-untyped-def]
    c = world.customer(name="王五", phone="13700137000")
    return world.order(c, title="燃气表不走字", channel="email")


def test_default_rules_have_a_list_per_language(standards) -> None:  # type: ignore[no-untyped-def]
    rules = list(GreetingRule.objects.all())
    assert len(rules) == 2
    for rule in rules:
        assert rule.phrase_list() == GREETING_WORDS.splitlines()
        assert "Jó napot" in rule.phrase_list("hu")
        assert "Good morning" in rule.phrase_list("en")
        assert "早安" in rule.phrase_list("zh-hant")
        assert rule.missing_translations() == {}


def test_the_old_mixed_default_is_split_and_an_edited_rule_left_alone(db) -> None:  # type: ignore[no-untyped-def]
    GreetingRule.objects.all().delete()
    old = GreetingRule.objects.create(when="first", where="start", phrases=OLD_GREETING_WORDS)
    edited = GreetingRule.objects.create(when="every", where="end", phrases="再见\nBye")
    translate_greetings(GreetingRule)
    old.refresh_from_db()
    edited.refresh_from_db()
    assert old.phrases == GREETING_WORDS and old.translations == GREETING_TRANSLATIONS
    assert edited.phrases == "再见\nBye" and edited.translations == {}
    # a language without its own list falls back to the Simplified Chinese one
    assert edited.phrase_list("hu") == ["再见", "Bye"]


def test_a_hungarian_customer_is_greeted_in_hungarian(world, hu_order) -> None:  # type: ignore[no-untyped-def]
    warnings = services.greeting_warnings("A szerelő holnap érkezik.", "email", True, "hu")
    assert len(warnings) == 1
    # the examples are the customer's language's greetings
    assert "Jó napot, Jó reggelt, Jó estét" in warnings[0]
    assert (
        services.greeting_warnings("Jó napot kívánok! A szerelő holnap érkezik.", "email", True, "hu") == []
    )
    # the Chinese list is always accepted (a reply written in Chinese), Hungarian is not for a Chinese customer
    assert services.greeting_warnings("您好，师傅明天到。", "email", True, "hu") == []
    assert services.greeting_warnings("Jó napot! A szerelő holnap érkezik.", "email", True, "zh-hans") != []
    # through the reply itself: no warning for the Hungarian greeting
    entry = actions.do_reply(
        world.agent.user, hu_order.pk, "Jó napot kívánok! Holnap érkezünk.", channel="sms"
    )
    assert "warnings" not in entry.check_data


def test_a_reply_in_english_to_a_chinese_customer_may_greet_in_english(world, zh_order) -> None:  # type: ignore[no-untyped-def]
    assert services.greeting_warnings("Hello, we will come tomorrow.", "email", True, "zh-hans") == []
    entry = actions.do_reply(world.agent.user, zh_order.pk, "师傅明天上午上门。", channel="sms")
    assert entry.check_data["warnings"] and "您好、你好、早上好" in entry.check_data["warnings"][0]


def test_live_check_uses_the_customers_language(world, hu_order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    body = c.post(f"/standards/check/{hu_order.number}/", {"body": "Holnap érkezünk."}).content.decode()
    assert "Start the reply with a greeting" in body and "Jó napot" in body
    quiet = c.post(f"/standards/check/{hu_order.number}/", {"body": "Jó reggelt! Holnap érkezünk."})
    assert quiet.content.decode().strip() == ""


def test_editor_saves_every_language_with_the_audit_record(world, standards) -> None:  # type: ignore[no-untyped-def]
    rule = greeting_edit.do_save_greeting(
        world.admin.user,
        None,
        {
            "channel": "chat",
            "when": "every",
            "where": "end",
            "phrases": "再见\n 再见 \n\n祝您生活愉快",
            "phrases__en": "Goodbye\nHave a nice day",
            "phrases__hu": "Viszontlátásra",
            "phrases__zh-hant": "",
            "active": "1",
        },
    )
    assert rule.phrases == "再见\n祝您生活愉快"  # blank lines and repeats dropped
    assert rule.phrase_list("hu") == ["Viszontlátásra"]
    assert rule.phrase_list("zh-hant") == ["再见", "祝您生活愉快"]  # falls back
    assert rule.missing_translations() == {"zh-hant": ["phrases"]}
    record = AuditRecord.objects.filter(action="greeting_rule.created").latest("id")
    assert record.after is not None and record.after["translations"]["hu"] == {"phrases": "Viszontlátásra"}
    # the check sees the new rule at once
    assert services.greeting_warnings("Jó napot! Holnap jövünk.", "chat", False, "hu") != []
    assert services.greeting_warnings("Jó napot! Viszontlátásra", "chat", False, "hu") == []
    greeting_edit.do_save_greeting(
        world.admin.user, rule.pk, {"channel": "chat", "when": "every", "where": "end", "phrases": "再见"}
    )
    rule.refresh_from_db()
    assert rule.active is False and rule.phrase_list("hu") == ["Viszontlátásra"]  # rows not sent: unchanged
    assert AuditRecord.objects.filter(action="greeting_rule.changed", object_id=str(rule.pk)).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"phrases": ""}, "phrases"),
        ({"phrases": "您好", "phrases__hu": "!!!"}, "phrases__hu"),
        ({"phrases": "您好", "phrases__en": "x" * 101}, "phrases__en"),
        ({"phrases": "您好", "channel": "pigeon"}, "channel"),
        ({"phrases": "您好", "where": "middle"}, "where"),
    ],
)
def test_editor_refuses_bad_input_naming_the_field(world, standards, data, field) -> None:  # type: ignore[no-untyped-def]
    form = {"channel": "", "when": "first", "where": "start", **data}
    with pytest.raises(ValidationFailed) as exc:
        greeting_edit.do_save_greeting(world.admin.user, None, form)
    assert exc.value.field == field
    assert GreetingRule.objects.count() == 2


def test_only_administrators_edit_greetings(world, standards) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        greeting_edit.do_save_greeting(world.supervisor.user, None, {"phrases": "您好"})
    assert client_for(world.supervisor).get("/config/greetings/").status_code == 404


def test_greeting_pages(world, standards) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.admin)
    listing = c.get("/config/greetings/").content.decode()
    rule = GreetingRule.objects.order_by("id").first()
    assert rule is not None and f'id="greeting-{rule.pk}"' in listing
    page = c.get(f"/config/greetings/{rule.pk}/").content.decode()
    assert 'name="phrases__hu"' in page and "Jó napot" in page
    r = c.post(
        f"/config/greetings/{rule.pk}/",
        {
            "channel": "",
            "when": "first",
            "where": "start",
            "phrases": "您好",
            "phrases__hu": "",
            "active": "1",
        },
    )
    assert r.status_code == 302
    rule.refresh_from_db()
    assert rule.phrase_list("hu") == ["您好"]
    page = c.get(f"/config/greetings/{rule.pk}/").content.decode()
    assert re.search(r'data-testid="fallback-phrases__hu">[^<]*<span lang="zh-Hans">您好</span>', page)
    r = c.post("/config/greetings/new/", {"channel": "", "when": "first", "where": "start", "phrases": "…"})
    assert r.status_code == 400 and 'data-testid="error-phrases"' in r.content.decode()


# --- the phrase menu on the order page ----------------------------------------------------------------------


def test_phrase_menu_offers_the_hungarian_customer_hungarian_first(world, hu_order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent, "zh-hans")
    options = c.get(f"/standards/phrases/{hu_order.number}/").content.decode()
    hello = StandardPhrase.objects.get(text_zh="您好！")
    values = re.findall(r'<option value="(\d+-[\w-]+)"', options)
    mine = [v for v in values if v.startswith(f"{hello.pk}-")]
    # every enabled language, the customer's (Hungarian) first, then the user's (Chinese), then the others
    assert mine == [f"{hello.pk}-hu", f"{hello.pk}-zh", f"{hello.pk}-en", f"{hello.pk}-zh-hant"]
    assert (
        f'value="{hello.pk}-hu" data-text="{hello.tr("text", "hu")}" lang="hu" data-customer-language'
        in options
    )
    assert "[English]" in options and "[Magyar]" not in options  # only the other languages are marked
    # filled from the order in Hungarian too
    named = StandardPhrase.objects.get(text_zh="您好，{customer_name}，很高兴为您服务。")
    assert f'data-text="{named.tr("text", "hu").replace("{customer_name}", "Kovács Anna")}"' in options


def test_phrase_menu_of_a_chinese_customer_starts_with_chinese(world, zh_order) -> None:  # type: ignore[no-untyped-def]
    options = client_for(world.agent, "en").get(f"/standards/phrases/{zh_order.number}/").content.decode()
    hello = StandardPhrase.objects.get(text_zh="您好！")
    values = [v for v in re.findall(r'<option value="(\d+-[\w-]+)"', options) if v.startswith(f"{hello.pk}-")]
    assert values == [f"{hello.pk}-zh", f"{hello.pk}-en", f"{hello.pk}-zh-hant", f"{hello.pk}-hu"]
