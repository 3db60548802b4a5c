"""Pure rules of channel media (docs/media.md): which sniffed types are accepted, the file name an attachment
gets, the pause before the next attempt (which images are shown inline: ``kefu.lib.previews``). No Django,
no I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
    "audio/amr": "amr",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/ogg": "ogg",
    "audio/x-wav": "wav",
    "video/mp4": "mp4",
    "text/plain": "txt",
    "application/zip": "zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
}
_UNSAFE = re.compile(r"[\x00-\x1f\\/:*?\"<>|]+")


def accepted(content_type: str, allowed: Iterable[str]) -> bool:
    """Whether the sniffed ``content_type`` is on the allow-list (exact, without parameters)."""
    return content_type.split(";", 1)[0].strip().lower() in {a.strip().lower() for a in allowed}


def file_name(hint: str, kind: str, message_id: str, content_type: str) -> str:
    """The attachment's name: the channel's name for it (without path or control characters) or
    ``<kind>-<message id tail>``, always ending in the extension of the sniffed type (a ``photo.jpg``
    that is a PDF becomes ``photo.pdf``)."""
    ext = _EXTENSIONS.get(content_type, "bin")
    base = (hint or "").replace("\\", "/").rsplit("/", 1)[-1]  # a path's last part only
    name = _UNSAFE.sub("_", base.strip()).strip(". ")[:150]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if not stem:
        tail = re.sub(r"[^A-Za-z0-9_-]", "", message_id)[-12:] or "media"
        stem = f"{kind or 'media'}-{tail}"
    return f"{stem}.{ext}"


def next_pause(attempts: int) -> dt.timedelta:
    """The pause after the ``attempts``-th failed download: 1, 2, 4, 8 … minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))
