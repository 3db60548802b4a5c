"""The attachment directory unavailable: portal uploads answer 503 with the form as
typed, `kefu check` and the channel health page say so; nothing is half-saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kefu.checks import check_files
from kefu.testing.factories import PASSWORD, make_portal_customer
from kefu.workorders.models import Attachment, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
UNAVAILABLE = "We cannot save your message right now because of a temporary fault on our side"


@pytest.fixture
def unmounted(settings: Any, tmp_path: Path) -> Path:
    """KEFU_MEDIA_ROOT on a volume that is not there: a file stands where its parent directory should be,
    so the directory can be neither found nor made (as root, permissions would not stop the test)."""
    blocker = tmp_path / "volume"
    blocker.write_text("not mounted")
    settings.MEDIA_ROOT = blocker / "media"
    return blocker


@pytest.fixture
def customer_client(world: Any) -> Any:
    c = world.customer("张三", "13800138000", address="和平里3号")
    make_portal_customer(world, c, "cust")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="cust", password=PASSWORD)
    client.customer = c  # type: ignore[attr-defined]
    return client


def test_portal_request_with_files_answers_503_and_keeps_what_was_typed(
    world: Any, customer_client: Any, unmounted: Path, settings: Any, tmp_path: Path
) -> None:
    data = {"order_type": "fault", "title": "家里没有网络", "description": "从今天早上开始断网，路由器红灯"}
    resp = customer_client.post(
        reverse("portal:submit"), {**data, "files": [SimpleUploadedFile("router.png", PNG)]}
    )
    assert resp.status_code == 503
    html = resp.content.decode()
    assert UNAVAILABLE in html and 'id="portal-submit-errors"' in html
    assert 'value="家里没有网络"' in html and "从今天早上开始断网，路由器红灯" in html
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists()
    settings.MEDIA_ROOT = tmp_path / "media"  # the volume is back
    again = customer_client.post(
        reverse("portal:submit"), {**data, "files": [SimpleUploadedFile("router.png", PNG)]}
    )
    assert again.status_code == 302
    assert WorkOrder.objects.get().timeline.get(kind="customer").attachments.get().filename == "router.png"


def test_portal_reply_with_files_answers_503_and_keeps_the_text(
    world: Any, customer_client: Any, unmounted: Path
) -> None:
    o = world.order(customer_client.customer, title="燃气灶打不着火")
    url = reverse("portal:order_reply", kwargs={"number": o.number})
    resp = customer_client.post(
        url, {"body": "表号是 12345", "files": [SimpleUploadedFile("meter.png", PNG)]}
    )
    assert resp.status_code == 503
    html = resp.content.decode()
    assert UNAVAILABLE in html and 'id="portal-reply-errors"' in html and "表号是 12345" in html
    assert not TimelineEntry.objects.filter(workorder=o, kind="customer").exists()
    assert not Attachment.objects.exists()


def test_kefu_check_and_health_page_report_the_directory(world: Any, unmounted: Path, settings: Any) -> None:
    problems = check_files()
    media = [text for level, text in problems if level == "error" and "KEFU_MEDIA_ROOT" in text]
    assert len(media) == 1 and str(unmounted / "media") in media[0]
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin.force_login(world.admin.user)
    html = admin.get("/calls/health/").content.decode()
    assert 'id="health-storage"' in html and "Attachments cannot be stored" in html
    assert str(unmounted / "media") in html
    settings.MEDIA_ROOT = unmounted.parent / "media"
    assert not [t for _level, t in check_files() if "KEFU_MEDIA_ROOT" in t]
    assert 'id="health-storage"' not in admin.get("/calls/health/").content.decode()
