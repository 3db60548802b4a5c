"""Forbidden phrases per language (R-24): a reply is checked against the customer's language, and against the
Chinese list whenever it is written in Chinese."""

from __future__ import annotations

import pytest

from kefu.lib.errors import ValidationFailed
from kefu.standards import services
from kefu.standards.models import ForbiddenPhrase
from kefu.workorders import actions

pytestmark = pytest.mark.django_db


def _order(world, language: str):  # type: ignore[no-untyped-def]
    customer = world.customer(name="Kovács Anna", phone="13700137001")
    customer.language = language
    customer.save(update_fields=["language"])
    return world.order(customer, title="gas meter", channel="sms")


def test_default_lists_carry_their_language(standards) -> None:  # type: ignore[no-untyped-def]
    by_text = dict(ForbiddenPhrase.objects.values_list("text", "language"))
    assert by_text["你去投诉好了"] == "zh-hans"
    assert by_text["go and complain"] == "en"
    assert by_text["menjen és panaszkodjon"] == "hu"
    assert ForbiddenPhrase.objects.filter(language="hu").count() >= 10


@pytest.mark.parametrize(
    ("language", "text", "phrase"),
    [
        ("en", "Sorry, you can go and complain if you like.", "go and complain"),
        ("en", "That is not my problem.", "not my problem"),
        ("hu", "Kérem, menjen és panaszkodjon máshol!", "menjen és panaszkodjon"),
        ("hu", "Ez nem az én dolgom.", "nem az én dolgom"),
        ("hu", "Sajnos ezt nem tudom.", "nem tudom"),
        ("zh-hans", "这个我不管，问别人去吧。", "我不管，问别人去"),
        ("hu", "你去投訴好了", "你去投诉好了"),  # Chinese text is checked for every customer
    ],
)
def test_a_reply_in_the_customers_language_is_stopped(  # type: ignore[no-untyped-def]
    world, standards, language: str, text: str, phrase: str
) -> None:
    order = _order(world, language)
    with pytest.raises(ValidationFailed) as exc:
        actions.do_reply(world.agent.user, order.pk, text)
    assert exc.value.field == "body"
    assert phrase in [m["phrase"] for m in exc.value.extra["matches"]]


def test_a_phrase_of_another_language_does_not_stop_the_reply(world, standards) -> None:  # type: ignore[no-untyped-def]
    # a word forbidden in one language's list is harmless in a reply to a customer of another
    ForbiddenPhrase.objects.create(text="told", language="hu")
    order = _order(world, "en")
    entry = actions.do_reply(world.agent.user, order.pk, "Hello, we told the technician; he comes at 10.")
    assert entry.pk is not None
    hu_order = _order(world, "hu")
    with pytest.raises(ValidationFailed):
        actions.do_reply(world.agent.user, hu_order.pk, "Hello, we told the technician.")


def test_reply_languages() -> None:
    assert services.reply_languages("Hello", "en") == {"en"}
    assert services.reply_languages("您好", "zh-hant") == {"zh-hans"}
    assert services.reply_languages("Hello", "zh-hant") == {"zh-hans", "en"}
    assert services.reply_languages("您好，稍等", "hu") == {"hu", "zh-hans"}
    assert services.reply_languages("Jó napot", "") == {"zh-hans", "en"}  # no language: the first language
