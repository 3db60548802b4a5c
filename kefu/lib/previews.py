"""Which stored files a browser may show inline (a preview) instead of downloading them (docs/media.md).

Only raster images whose type was sniffed from the bytes: JPEG, PNG, GIF, WebP. Never SVG (it can carry
script), HTML, PDF or anything else: those are always downloads (``Content-Disposition: attachment``).
Pure: no Django, no I/O.
"""

from __future__ import annotations

from typing import Final

INLINE_IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def previewable(content_type: str) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() in INLINE_IMAGE_TYPES
