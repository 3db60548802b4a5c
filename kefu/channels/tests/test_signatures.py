"""E-mail signatures: per staff member and per branch, with variables, sanitised HTML and a plain-text
part, appended to e-mail replies (multipart/alternative) and received by a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest

from kefu.audit.models import AuditRecord
from kefu.channels import outbox
from kefu.channels.models import OutboxMessage
from kefu.channels.models.signatures import EmailSignature
from kefu.channels.outbox import signatures
from kefu.console.tests.test_orders_detail import client_for
from kefu.lib.errors import Errors, PermissionDenied
from kefu.testing.shell import free_port
from kefu.workorders import actions as wo_actions

pytestmark = pytest.mark.django_db


def _send_over_smtp(settings: Any) -> list[Any]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Keep(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    port = free_port()
    controller = Controller(Keep(message_class=email.message.EmailMessage), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "smtp"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.DEFAULT_FROM_EMAIL = "客服中心 <kefu@north.example.cn>"
        assert outbox.send_due() == 1
    finally:
        controller.stop()
    return [email.message_from_bytes(m.as_bytes(), policy=email.policy.default) for m in received]


def test_staff_signature_with_badge_and_order_number_over_smtp(world: Any, settings: Any) -> None:
    signatures.do_save_signature(
        world.agent.user,
        staff_id=world.agent.pk,
        text="{name}（工号 {badge_no}）\n{branch} · 工单 {order_number}",
        html='<p><b>{name}</b> 工号 {badge_no}<script>alert(1)</script> <a href="javascript:x()">x</a></p>'
        "<p>{branch} · 工单 {order_number}</p>",
    )
    o = world.order(world.customer(email="wang@example.com"), channel="email")
    OutboxMessage.objects.all().delete()
    wo_actions.do_reply(world.agent.user, o.pk, "王先生您好，\n\n师傅明天上午上门。", channel="email")
    (sent,) = _send_over_smtp(settings)
    assert sent.get_content_type() == "multipart/alternative"
    plain = sent.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = sent.get_body(preferencelist=("html",)).get_content()
    badge = world.agent.badge_no
    assert plain.startswith("王先生您好，\n\n师傅明天上午上门。\n\n-- \n")
    assert f"李客服（工号 {badge}）\n城北分公司 · 工单 {o.number}" in plain
    assert f"<b>李客服</b> 工号 {badge}" in html and o.number in html
    assert "<script" not in html and "javascript:" not in html
    assert "<p>王先生您好，</p>" in html
    # the timeline keeps the reply as written (the signature belongs to the e-mail)
    assert o.timeline.filter(kind="reply").latest("id").body == "王先生您好，\n\n师傅明天上午上门。"


def test_branch_signature_then_built_in_default(world: Any) -> None:
    o = world.order(world.customer(email="wang@example.com"), channel="email")
    # no signature anywhere: the built-in one still names the agent, the badge number and the order
    wo_actions.do_reply(world.agent.user, o.pk, "您好。", channel="email")
    row = OutboxMessage.objects.filter(idempotency_key__startswith="reply:").latest("id")
    assert world.agent.badge_no in row.body and o.number in row.body and "李客服" in row.body
    assert row.html_body and world.agent.badge_no in row.html_body
    # the branch's signature, set by its supervisor, is used by everyone of the branch without their own
    signatures.do_save_signature(
        world.supervisor.user,
        branch_id=world.north.pk,
        html="<p>{branch} 客服中心 — {name} ({badge_no})</p>",
        text="",
    )
    wo_actions.do_reply(world.agent_senior.user, o.pk, "再次您好。", channel="email")
    row = OutboxMessage.objects.filter(idempotency_key__startswith="reply:").latest("id")
    assert f"城北分公司 客服中心 — 赵客服 ({world.agent_senior.badge_no})" in row.body  # text from the HTML
    assert AuditRecord.objects.filter(action="signature.changed").count() == 1


def test_who_may_change_which_signature(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        signatures.do_save_signature(world.agent.user, branch_id=world.north.pk, html="", text="x")
    with pytest.raises(PermissionDenied):
        signatures.do_save_signature(world.supervisor_south.user, branch_id=world.north.pk, html="", text="x")
    with pytest.raises(PermissionDenied):
        signatures.do_save_signature(world.agent.user, staff_id=world.agent_senior.pk, html="", text="x")
    with pytest.raises(Errors) as exc:
        signatures.do_save_signature(
            world.agent.user, staff_id=world.agent.pk, html="", text="{name} {phone}"
        )
    assert exc.value.errors[0].field == "text" and "{phone}" in str(exc.value.errors[0].message)
    signatures.do_save_signature(world.agent.user, staff_id=world.agent.pk, html="", text="{name}")
    signatures.do_save_signature(world.agent.user, staff_id=world.agent.pk, html="", text="")  # removes it
    assert not EmailSignature.objects.exists()


def test_signature_page(world: Any) -> None:
    c = client_for(world.agent)
    resp = c.post("/signatures/", {"owner": "me", "text": "{name} 工号 {badge_no}", "html": ""})
    assert resp.status_code == 302
    page = c.get("/signatures/").content.decode()
    assert f"李客服 工号 {world.agent.badge_no}" in page  # the preview
    assert 'id="signature-branch-' not in page  # an agent edits only their own
    resp = c.post("/signatures/", {"owner": "me", "text": "{oops}", "html": ""})
    assert resp.status_code == 400 and 'data-testid="signature-error-text"' in resp.content.decode()
    page = client_for(world.supervisor).get("/signatures/").content.decode()
    assert (
        f'id="signature-branch-{world.north.pk}"' in page
        and f'id="signature-branch-{world.south.pk}"' not in page
    )
