"""HTML from outside (e-mail bodies, knowledge articles typed in a rich editor): sanitised with ``nh3`` to a
safe subset, and turned into plain text."""

from __future__ import annotations

import html as html_lib
import re

import nh3

MAX_HTML_CHARS = 500_000  # sanitising costs ~0.4 s per million characters of hostile markup
_BLOCK_TAG_RE = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h[1-6]|p|div|li|tr|h[1-6])\b", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^<>]*>")

SAFE_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
SAFE_SCHEMES = {"http", "https", "mailto", "cid"}


def sanitise_html(source: str, *, max_chars: int = MAX_HTML_CHARS) -> str:
    """Safe HTML (no scripts, styles, event handlers or javascript: links); cut to ``max_chars`` first."""
    return nh3.clean(
        source[:max_chars],
        tags=SAFE_TAGS,
        attributes=SAFE_ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(sanitised: str, *, max_chars: int = 200_000) -> str:
    """Plain text of HTML already passed through :func:`sanitise_html` (well-formed, no scripts or styles,
    every ``<`` in text escaped), so stripping the tags is one linear pass: block tags become line breaks.
    Only the first ``max_chars`` of markup are read (an order's message holds 20,000 characters)."""
    marked = _BLOCK_TAG_RE.sub(lambda m: "\n" + m.group(0), sanitised[:max_chars])
    stripped = html_lib.unescape(_TAG_RE.sub("", marked))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in stripped.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
