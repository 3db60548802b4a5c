"""The console pages of triggers and webhooks: administrators only, the builder form, the log and replay."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.automation import actions, delivery
from kefu.automation.models import Delivery, Trigger, Webhook
from kefu.automation.tests.receiver import receiver

pytestmark = pytest.mark.django_db


def client_for(staff) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(staff.user)
    return c


def test_admin_builds_a_trigger_with_the_form(world):  # type: ignore[no-untyped-def]
    c = client_for(world.admin)
    assert c.get("/automation/triggers/new/").status_code == 200
    resp = c.post(
        "/automation/triggers/new/",
        {
            "name": "紧急单派维修",
            "event": "created",
            "match": "all",
            "c-0-field": "priority",
            "c-0-op": "is",
            "c-0-value": "urgent",
            "a-0-kind": "assign",
            "a-0-value": str(world.technician.pk),
            "a-0-text": "自动派单",
            "position": "10",
            "active": "on",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    t = Trigger.objects.get()
    assert t.conditions == [{"field": "priority", "op": "is", "value": "urgent"}]
    assert t.actions == [{"kind": "assign", "value": str(world.technician.pk), "text": "自动派单"}]
    assert t.run_as == world.admin and t.position == 10
    page = c.get("/automation/triggers/").content.decode()
    assert "紧急单派维修" in page
    bad = c.post(
        f"/automation/triggers/{t.pk}/",
        {"name": "x", "event": "created", "a-0-kind": "set_priority", "a-0-value": "mega"},
    )
    assert bad.status_code == 400 and 'data-field="actions.0.value"' in bad.content.decode()


def test_only_admins_see_the_pages(world):  # type: ignore[no-untyped-def]
    for path in ("/automation/triggers/", "/automation/webhooks/"):
        assert client_for(world.supervisor).get(path).status_code == 404
        assert client_for(world.admin).get(path).status_code == 200


def test_webhook_page_log_and_replay(world, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    c = client_for(world.admin)
    refused = c.post(
        "/automation/webhooks/",
        {"name": "内网", "url": "https://10.0.0.5/x", "events": ["created"], "active": "on"},
    )
    assert refused.status_code == 400 and 'id="w-url-error"' in refused.content.decode()
    assert not Webhook.objects.exists()
    with receiver(statuses=[500]) as rx:
        resp = c.post(
            "/automation/webhooks/", {"name": "ERP", "url": rx.url, "events": ["created"], "active": "on"}
        )
        assert resp.status_code == 302
        w = Webhook.objects.get()
        world.order(world.customer())
        delivery.send_due()
        page = c.get(f"/automation/webhooks/{w.pk}/").content.decode()
        assert w.secret in page and "500" in page and "internal error: try again later" in page
        d = Delivery.objects.get()
        assert c.post(f"/automation/deliveries/{d.pk}/replay/").status_code == 302
        assert delivery.send_due() == 1
        assert len(rx.requests) == 2
    assert c.post(f"/automation/webhooks/{w.pk}/rotate/").status_code == 302
    w2 = Webhook.objects.get()
    assert w2.secret != w.secret
    actions.do_delete_webhook(world.admin.user, w.pk)


def test_webhook_disabled_notification_opens_the_webhook(world, settings):  # type: ignore[no-untyped-def]
    from kefu.notifications.models import Notification

    settings.KEFU_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    settings.KEFU_WEBHOOK_DISABLE_AFTER = 1
    with receiver(statuses=[500]) as rx:
        w = actions.do_save_webhook(
            world.admin.user, actions.WebhookInput(name="ERP", url=rx.url, events=["created"])
        )
        world.order(world.customer())
        delivery.send_due()
    n = Notification.objects.get(kind="webhook_disabled", recipient=world.admin)
    c = client_for(world.admin)
    assert "ERP" in c.get("/notifications/").content.decode()
    resp = c.post(f"/notifications/{n.pk}/open/")
    assert resp.status_code == 302 and resp["Location"] == f"/automation/webhooks/{w.pk}/"
