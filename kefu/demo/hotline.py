"""Demo: the company's hotline agent (login ``hotline1``, no branch) and a WeCom photo on an order of the
south branch (docs/hotline.md, docs/media.md). Runs last and draws nothing from the seeded random
generator, so the rest of the demo data stays as it was."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile

from kefu.demo.loader import Loader
from kefu.organization.models import Staff
from kefu.workorders import actions as wo_actions
from kefu.workorders.models import WorkOrder

LOGINS = ["hotline1"]


def _photo(width: int = 160, height: int = 120) -> bytes:
    """A small PNG (a meter face in grey and blue) standing in for the customer's photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            d = ((x - width / 2) ** 2 + (y - height / 2) ** 2) ** 0.5
            row += (
                bytes((40, 90, 160))
                if d < 45 and abs(x - width / 2) < 30 and abs(y - 50) < 8
                else (bytes((230, 230, 230)) if d < 50 else bytes((120, 120, 120)))
            )
        rows.append(bytes(row))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def load(L: Loader, password: str) -> None:
    user = get_user_model().objects.create(
        username="hotline1", password=make_password(password), first_name="何晓琳"
    )
    Staff.objects.create(
        user=user,
        name="何晓琳",
        badge_no="BJ9001",
        role="hotline",
        branch=None,
        grade=2,
        hired_on=dt.date(2022, 6, 1),
        phone="13900009001",
    )
    order = (
        WorkOrder.objects.select_for_update()
        .filter(branch__code="south", status__in=["new", "in_progress"])
        .order_by("-created_at", "-id")
        .first()
    )
    if order is not None:
        wo_actions.customer_message_on(
            order,
            order.customer,
            "(Image)",
            channel="chat",
            files=[ContentFile(_photo(), name="meter-photo.png")],
        )
    L.say("hotline agent hotline1, a WeCom photo on " + (order.number if order else "no order"))
