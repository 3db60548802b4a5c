"""The reply check in do_reply, the console reply form, the REST API and chat: a forbidden phrase stops the
reply; with a reason it goes out and the violation is recorded and audited in the same transaction."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from kefu.api.tests.conftest import api_for
from kefu.audit.labels import label
from kefu.audit.models import AuditRecord
from kefu.channels.chat import wecom as chat
from kefu.channels.models import GatewayMessage
from kefu.channels.tests.test_chat import FakeWeCom, msg, wecom  # noqa: F401  (fixture)
from kefu.lib.errors import ValidationFailed
from kefu.standards.models import ForbiddenPhrase, StandardsViolation
from kefu.workorders import actions
from kefu.workorders.models import TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

RUDE = "王先生，这事我不管，問別人去吧。"


@pytest.fixture
def order(world, standards):  # type: ignore[no-untyped-def]
    c = world.customer(name="王五", phone="13700137000")
    return world.order(c, title="燃气表不走字", channel="email")


def replies(o: WorkOrder) -> list[str]:
    return list(TimelineEntry.objects.filter(workorder=o, kind="reply").values_list("body", flat=True))


def test_forbidden_phrase_stops_the_reply(world, order) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        actions.do_reply(world.agent.user, order.pk, RUDE, channel="sms")
    e = exc.value
    assert (e.code, e.field) == ("forbidden_phrase", "body")
    (m,) = e.extra["matches"]
    assert m == {
        "phrase": "我不管，问别人去",
        "matched": "我不管，問別人去",
        "start": 6,
        "end": 14,
        "suggestion": "请稍候，我马上帮您联系负责的同事。",
    }
    assert "我不管，問別人去" in str(e.message) and "请稍候，我马上帮您联系负责的同事。" in str(e.message)
    assert replies(order) == [] and not StandardsViolation.objects.exists()
    order.refresh_from_db()
    assert order.first_response_at is None  # nothing happened


def test_override_reason_sends_and_records_the_violation(world, order) -> None:  # type: ignore[no-untyped-def]
    entry = actions.do_reply(
        world.agent.user,
        order.pk,
        RUDE,
        override_reason="  客户要求转述原话  ",
        source="console",
        channel="sms",
    )
    assert replies(order) == [RUDE]
    v = StandardsViolation.objects.get()
    assert (v.workorder_id, v.staff_id, v.branch_id, v.reason, v.source, v.channel) == (
        order.pk,
        world.agent.pk,
        world.north.pk,
        "客户要求转述原话",
        "console",
        "email",
    )
    assert v.at == entry.created_at
    assert [p["phrase"] for p in v.phrases] == ["我不管，问别人去"] and v.excerpt == RUDE
    rec = AuditRecord.objects.get(action="standards.violation")
    assert rec.after is not None
    assert rec.workorder_id == order.pk and rec.after["reason"] == "客户要求转述原话"
    assert label("standards.violation") != "standards.violation"


def test_violation_rolls_back_with_a_failed_reply(world, order) -> None:  # type: ignore[no-untyped-def]
    from kefu.lib.errors import Conflict

    with pytest.raises(Conflict):
        actions.do_reply(
            world.agent.user, order.pk, RUDE, override_reason="原话", expected_version=0, channel="sms"
        )
    assert not StandardsViolation.objects.exists() and replies(order) == []


def test_clean_reply_needs_no_reason_and_records_nothing(world, order) -> None:  # type: ignore[no-untyped-def]
    actions.do_reply(
        world.agent.user, order.pk, "您好，请稍候，我马上给您办理。", override_reason="无", channel="sms"
    )
    assert replies(order) == ["您好，请稍候，我马上给您办理。"]
    assert not StandardsViolation.objects.exists()


def test_unfilled_variable_stops_even_with_a_reason(world, order) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as exc:
        actions.do_reply(
            world.agent.user, order.pk, "您好，工单将在{deadline}前办结。", override_reason="x", channel="sms"
        )
    assert (exc.value.code, exc.value.field, exc.value.extra["variables"]) == (
        "unfilled_variable",
        "body",
        ["deadline"],
    )


def test_missing_greeting_is_a_warning_not_a_stop(world, order) -> None:  # type: ignore[no-untyped-def]
    entry = actions.do_reply(world.agent.user, order.pk, "师傅明天上午上门。", channel="sms")
    assert entry.check_data["warnings"] and "您好" in entry.check_data["warnings"][0]
    second = actions.do_reply(
        world.agent.user, order.pk, "师傅改到下午。", channel="sms"
    )  # not the first reply any more
    assert "warnings" not in second.check_data


def test_edited_list_is_used_at_once(world, order) -> None:  # type: ignore[no-untyped-def]
    actions.do_reply(world.agent.user, order.pk, "您好，这个没门儿。", channel="sms")
    ForbiddenPhrase.objects.create(text="没门儿")
    with pytest.raises(ValidationFailed):
        actions.do_reply(world.agent.user, order.pk, "您好，这个沒門兒。", channel="sms")
    ForbiddenPhrase.objects.filter(text="没门儿").update(active=False, updated_at=order.received_at)
    ForbiddenPhrase.objects.filter(text="没门儿").delete()
    actions.do_reply(world.agent.user, order.pk, "您好，这个没门儿。", channel="sms")
    assert len(replies(order)) == 2


# --- console ----------------------------------------------------------------------------------------


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(staff.user)
    return c


def test_console_form_stops_shows_match_and_asks_for_a_reason(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    page = c.get(f"/orders/{order.number}/").content.decode()
    assert 'id="standard-phrases"' in page and f"/standards/phrases/{order.number}/" in page
    options = c.get(f"/standards/phrases/{order.number}/").content.decode()
    assert 'data-text="请稍候，我马上给您办理。"' in options
    assert 'data-text="您好，王五，很高兴为您服务。"' in options  # filled from the order
    assert 'data-problems="missing_materials"' in options  # nothing missing recorded yet
    assert 'name="override_reason"' not in page  # only once the check stopped a reply
    r = c.post(f"/orders/{order.number}/reply/", {"channel": "sms", "body": RUDE, "version": order.version})
    assert r.status_code == 400
    body = r.content.decode()
    assert 'data-testid="standards-stop"' in body and "<mark>我不管，問別人去</mark>" in body
    assert "请稍候，我马上帮您联系负责的同事。" in body
    assert 'name="override_reason"' in body
    assert re.search(r'id="reply-body-error"[^>]*>[^<]*forbidden phrase', body)
    assert replies(order) == []
    r = c.post(
        f"/orders/{order.number}/reply/",
        {"channel": "sms", "body": RUDE, "version": order.version, "override_reason": "客户要求逐字转达"},
    )
    assert r.status_code == 302
    assert StandardsViolation.objects.get().reason == "客户要求逐字转达"


def test_console_warns_about_the_missing_greeting_after_sending(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    r = c.post(
        f"/orders/{order.number}/reply/",
        {"channel": "sms", "body": "师傅明天到。", "version": order.version},
        follow=True,
    )
    assert r.status_code == 200
    assert "Start the reply with a greeting" in r.content.decode()
    assert replies(order) == ["师傅明天到。"]


def test_live_check_fragment(world, order) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.agent)
    r = c.post(f"/standards/check/{order.number}/", {"body": "你 去，投 訴好了"})
    body = r.content.decode()
    assert r.status_code == 200 and "<mark>你 去，投 訴好了</mark>" in body
    assert "Start the reply with a greeting" in body
    assert (
        c.post(f"/standards/check/{order.number}/", {"body": "您好，马上办理。"}).content.decode().strip()
        == ""
    )
    other = world.order(world.customer("钱七", "13600136000", branch=world.south))
    assert c.post(f"/standards/check/{other.number}/", {"body": "x"}).status_code == 404


# --- API --------------------------------------------------------------------------------------------


def test_api_400_lists_matches_then_override_is_accepted(world, order) -> None:  # type: ignore[no-untyped-def]
    api = api_for(world.agent.user)
    r = api.post(f"/orders/{order.number}/replies", {"channel": "sms", "body": "I already told you. " + RUDE})
    assert r.status_code == 400
    err = r.body["error"]
    assert (err["code"], err["field"]) == ("forbidden_phrase", "body")
    assert [(m["phrase"], m["matched"], m["start"], m["end"]) for m in err["matches"]] == [
        ("I already told you", "I already told you", 0, 18),
        ("我不管，问别人去", "我不管，問別人去", 26, 34),
    ]
    assert err["matches"][0]["suggestion"] == "Sorry I was not clear; let me explain it again."
    r = api.post(
        f"/orders/{order.number}/replies", {"channel": "sms", "body": RUDE, "override_reason": "客户要求原话"}
    )
    assert r.status_code == 201, r.body
    v = StandardsViolation.objects.get()
    assert (v.source, v.reason) == ("api", "客户要求原话")


# --- chat -------------------------------------------------------------------------------------------


def test_chat_reply_is_checked_before_it_leaves(world, standards, wecom: FakeWeCom) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    api = api_for(world.agent.user)
    r = api.post("/chat/inbound", msg("s1"))
    number = r.body["results"][0]["order"]
    with pytest.raises(ValidationFailed) as exc:
        chat.send_reply(world.agent.user, number, "你去投诉好了")
    assert exc.value.code == "forbidden_phrase"
    assert wecom.sent == [] and not StandardsViolation.objects.exists()
    refused = api.post(f"/orders/{number}/chat-replies", {"body": "你去投诉好了"})
    assert refused.status_code == 400 and refused.body["error"]["matches"][0]["phrase"] == "你去投诉好了"
    assert wecom.sent == []
    ok = api.post(
        f"/orders/{number}/chat-replies", {"body": "你去投诉好了", "override_reason": "客户坚持要投诉渠道"}
    )
    assert ok.status_code == 201
    assert len(wecom.sent) == 1
    v = StandardsViolation.objects.get()  # recorded once (the dry run before sending records nothing)
    assert (v.source, v.channel) == ("chat", "chat")
    assert GatewayMessage.objects.filter(kind="chat", payload__direction="out").count() == 1


def test_reply_without_standards_data_is_unaffected(world) -> None:  # type: ignore[no-untyped-def]
    """With the lists emptied (admin), nothing is stopped."""
    ForbiddenPhrase.objects.all().delete()
    o = world.order(world.customer())
    actions.do_reply(world.agent.user, o.pk, "不知道", channel="sms")
    assert replies(o) == ["不知道"]
