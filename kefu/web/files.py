"""Serving stored files: one response with the security headers every download carries.

A stored file came from a customer or an e-mail; the browser must never run or sniff it. Every
response therefore says ``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy:
default-src 'none'; sandbox`` (an HTML or SVG file opened anyway has no script, no origin, no
requests). Downloads of order attachments are also ``Content-Disposition: attachment`` and
``Cache-Control: private, no-store`` (they are personal data behind a login).
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

SANDBOX_CSP = "default-src 'none'; sandbox"


def sandboxed(resp: FileResponse) -> FileResponse:
    """Add the headers that keep a served file inert (no sniffing, no script, no origin)."""
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Security-Policy"] = SANDBOX_CSP
    return resp


def attachment_response(
    file: FieldFile, filename: str, content_type: str, *, inline: bool = False
) -> FileResponse:
    """A stored file as a private download (404 if storage has lost it). ``inline`` shows it in the
    browser (a preview on the order page): callers pass it only for the raster images of
    ``kefu.lib.previews`` (``Attachment.previewable``), never for what the client merely asks."""
    try:
        fh = file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    as_attachment = not inline
    resp = sandboxed(
        FileResponse(fh, as_attachment=as_attachment, filename=filename, content_type=content_type)
    )
    resp["Cache-Control"] = "private, no-store"
    return resp
