"""The pure rules of channel media: the allow-list, the stored name, the pause between attempts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kefu.lib.previews import previewable
from kefu.media import rules


def test_accepted_compares_the_bare_type() -> None:
    allowed = ["image/png", "Audio/AMR"]
    assert rules.accepted("image/png", allowed) and rules.accepted("audio/amr; rate=8000", allowed)
    assert not rules.accepted("image/svg+xml", allowed) and not rules.accepted("text/html", allowed)


def test_file_name_takes_the_extension_of_the_bytes() -> None:
    assert rules.file_name("漏水照片.exe", "file", "m1", "image/png") == "漏水照片.png"
    assert rules.file_name("../../etc/passwd", "file", "m1", "text/plain") == "passwd.txt"
    assert rules.file_name("C:\\photos\\水表.JPG", "file", "m1", "image/jpeg") == "水表.jpg"
    assert rules.file_name("", "image", "wx-AbC:123/45", "image/jpeg") == "image-wx-AbC12345.jpg"
    assert rules.file_name("", "", "", "application/x-unknown") == "media-media.bin"


@given(st.text(max_size=300), st.sampled_from(["image/png", "audio/amr", "application/pdf", "x/y"]))
def test_file_name_never_has_a_path_or_control_character(hint: str, ctype: str) -> None:
    name = rules.file_name(hint, "file", "m", ctype)
    assert "/" not in name and "\\" not in name and not any(ord(c) < 32 for c in name)
    assert name.endswith(
        "." + {"image/png": "png", "audio/amr": "amr", "application/pdf": "pdf"}.get(ctype, "bin")
    )
    assert 0 < len(name) <= 160


def test_pause_doubles_up_to_an_hour() -> None:
    assert [rules.next_pause(n) for n in (1, 2, 3, 4)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert rules.next_pause(30) == dt.timedelta(hours=1)


def test_only_raster_images_are_previewed() -> None:
    assert previewable("image/png") and previewable("image/jpeg") and previewable("IMAGE/WEBP")
    assert not previewable("image/svg+xml") and not previewable("text/html") and not previewable("")
