"""Links that leave Kefu (in SMS, e-mail, notifications) are absolute: ``KEFU_PUBLIC_URL`` + path, or — when it
is not set (development; `kefu check` warns, and refuses in production) — the address `kefu serve` binds
to (``KEFU_BIND``, default ``127.0.0.1:8000``), so a link is never a bare path a phone cannot open."""

from __future__ import annotations

from django.conf import settings


def public_base() -> str:
    """``https://kefu.example.com`` (no trailing slash)."""
    public = (getattr(settings, "KEFU_PUBLIC_URL", "") or "").rstrip("/")
    if public:
        return public
    return "http://" + settings.KEFU_BIND


def absolute(path: str) -> str:
    """The absolute address of ``path`` (which starts with ``/``)."""
    return public_base() + path
