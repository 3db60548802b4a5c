"""Inbound e-mail parsing (R-6): pure, no Django.

``parse(raw)`` turns the bytes of one RFC 822 message into a :class:`ParsedMail`: decoded subject and
addresses, plain text, sanitised HTML (``nh3``), attachments and inline images within size limits, the
threading headers and the signals of automatic mail. Decoding is forgiving where mail in the wild is
broken, because mail in the wild often is:

- RFC 2047 encoded words: adjacent words of one charset are joined *as bytes* before decoding, so a
  multi-byte character split across two words survives; bad base64 padding is repaired; an unknown
  charset falls back like a body without one.
- Charset labels are read as their supersets: GB2312/GBK → GB18030, Big5 → Big5-HKSCS (then CP950),
  ISO-2022-JP → ISO-2022-JP-2. Missing or unknown charset: UTF-8, then GB18030, then Latin-1
  (never fails).
- ISO-2022-JP is recognised by its escape sequences whatever the label (Outlook sends it without a
  ``charset=``) and read CP50220-compatibly: JIS X 0208 runs that Python's strict codec refuses — the NEC
  special characters ①…⑳, Ⅰ…Ⅹ, ㈱ (row 13) and the NEC-selected IBM extensions — are read through CP932,
  which contains them (:func:`decode_iso2022_jp`).
- Addresses are parsed from the *raw* header and only then are the display names decoded: a decoded
  display name is never read as an address (an encoded ``"victim@example.com,"`` stays a name).
- ``Authentication-Results`` headers are kept in order; :func:`sender_check` reads the DMARC verdict of
  the trusted receiving servers.
- HTML is cut to ``max_html_chars`` before sanitising, so a pathological multi-megabyte body costs a
  bounded amount of work.

Only a message that cannot be read at all raises :class:`MailParseError` (the caller dead-letters it).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.errors
import email.message
import email.policy
import email.utils
import functools
import quopri
import re
from dataclasses import dataclass, field

from kefu.customers.rules import normalize_email
from kefu.lib.html import MAX_HTML_CHARS, html_to_text, sanitise_html

MAX_TEXT_CHARS = 1_000_000
MAX_PARTS = 200

# Labels read as the superset the sender almost certainly used.
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "gb18030": ("gb18030",),
    "cp936": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "big5hkscs": ("big5hkscs", "cp950"),
    "cp950": ("cp950", "big5hkscs"),
    "iso2022_jp": ("iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_ext"),
    "euc_kr": ("cp949",),
    "ascii": ("utf-8",),
    "latin_1": ("cp1252",),
}
_FALLBACK = ("utf-8", "gb18030")

# ISO-2022-JP: JIS X 0208 (ESC $ @, ESC $ B) or JIS X 0201 katakana (ESC ( I) designated in 7-bit data
_JIS_DESIGNATION_RE = re.compile(rb"\x1b(?:\$[@B]|\(I)")
_JIS_ESCAPE_RE = re.compile(rb"(\x1b[^\x1b]{0,3}?[@-Z]|[\x0e\x0f])")
_JIS_MODES = {b"\x1b(B": "ascii", b"\x1b(J": "roman", b"\x1b(H": "roman", b"\x1b(I": "kana",
              b"\x1b$@": "jis", b"\x1b$B": "jis"}  # fmt: skip
_NOT_JP = {"iso2022_kr", "hz", "utf_7"}  # 7-bit escape encodings of their own
# the six characters CP932 maps differently from JIS X 0208 (〜‖−¢£¬): read as the standard codec does
_CP932_TO_JIS = str.maketrans("～∥－￠￡￢", "〜‖−¢£¬")

ORDER_NUMBER_RE = re.compile(r"\bGD-\d{8}-\d{6}\b", re.IGNORECASE)
_MSGID_RE = re.compile(r"<([^<>\s]{1,250})>")
# the Message-IDs the outbox gives our own e-mail: <outbox-{pk}.{hash}@domain>
OUTBOX_MSGID_RE = re.compile(r"^outbox-(\d+)\.[0-9a-f]+@", re.IGNORECASE)
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_AUTOMATIC_LOCALPARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"}


class MailParseError(Exception):
    """The message cannot be read at all (dead-lettered with this reason)."""


@dataclass(frozen=True)
class MailPart:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


class Dmarc:
    """What the trusted receiving servers said about the sender (``sender_check``)."""

    NOT_CHECKED = ""  # no trusted server configured, or none of them wrote a DMARC result
    PASS = "pass"  # noqa: S105 (a DMARC result, not a password)
    NO_VERDICT = "none"  # checked, but neither pass nor fail (no policy, temporary or permanent error)
    FAIL = "fail"  # the From domain failed DMARC: the sender is unverified


@dataclass(frozen=True)
class SenderCheck:
    state: str = Dmarc.NOT_CHECKED
    detail: str = ""  # e.g. "mx.example.cn: dmarc=fail header.from=example.com"
    domain: str = ""  # the From domain the verdict is about

    @property
    def unverified(self) -> bool:
        return self.state == Dmarc.FAIL


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    date: str = ""
    text: str = ""
    html: str = ""
    auto_submitted: str = ""
    precedence: str = ""
    is_report: bool = False
    extra_auto_headers: list[str] = field(default_factory=list)
    # raw values, in the order of the header (topmost first: the receiving server's own comes first)
    authentication_results: list[str] = field(default_factory=list)
    attachments: list[MailPart] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "name (reason)" of parts not kept
    defects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadKey:
    order_numbers: tuple[str, ...]
    outbox_ids: tuple[int, ...]

    def __bool__(self) -> bool:
        return bool(self.order_numbers or self.outbox_ids)


# --- charsets ------------------------------------------------------------------------------------------


def _codec_name(charset: str | None) -> str:
    label = (charset or "").strip().strip("\"'").lower()
    if not label:
        return ""
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return ""


def _candidates(charset: str | None) -> tuple[str, ...]:
    name = _codec_name(charset)
    if not name:
        return _FALLBACK
    return (*_SUPERSETS.get(name, (name,)), *_FALLBACK)


def looks_iso2022_jp(data: bytes) -> bool:
    """7-bit data that designates a Japanese character set with ISO-2022-JP escape sequences."""
    return b"\x1b" in data and data.isascii() and _JIS_DESIGNATION_RE.search(data) is not None


# an order keeps 20,000 characters of a message: 2 MB of ISO-2022-JP (a million characters or more) bounds the
# work on a pathological body (one escape sequence per character) to about a second
_ISO2022JP_MAX_BYTES = 2_000_000
_JIS_CONTROLS_RE = re.compile(rb"([\x00-\x20\x7f]+)")
_KANA_TO_SJIS = bytes.maketrans(bytes(range(0x21, 0x60)), bytes(range(0xA1, 0xE0)))  # JIS X 0201 katakana


# JIS X 0208 → Shift_JIS, a byte string at a time: the lead byte depends on the first JIS byte only; the
# trail byte on the second and on whether the first is odd (carried in the second's high bit)
_SJIS_LEAD = bytes(
    ((b + 1) >> 1) + (0x70 if b <= 0x5E else 0xB0) if 0x21 <= b <= 0x7E else b for b in range(256)
)
_ODD_ROW = bytes(0x80 if b & 1 else 0 for b in range(256))
_SJIS_TRAIL = bytes(
    (b + 0x7E if b < 0x80 else (b & 0x7F) + (0x20 if (b & 0x7F) >= 0x60 else 0x1F))
    if 0x21 <= (b & 0x7F) <= 0x7E
    else b
    for b in range(256)
)


def _jis_to_sjis(run: bytes) -> bytes:
    """JIS X 0208 code pairs (0x21–0x7E each, even length) as Shift_JIS."""
    firsts, seconds = run[0::2], run[1::2]
    marked = int.from_bytes(seconds, "big") | int.from_bytes(firsts.translate(_ODD_ROW), "big")
    out = bytearray(len(run))
    out[0::2] = firsts.translate(_SJIS_LEAD)
    out[1::2] = marked.to_bytes(len(seconds), "big").translate(_SJIS_TRAIL)
    return bytes(out)


@functools.cache
def _sjis_pairs() -> dict[bytes, bytes]:
    """Every JIS X 0208 code pair → its Shift_JIS bytes (short runs look pairs up, long ones are vectorised)."""
    pairs = bytes(b for j1 in range(0x21, 0x7F) for j2 in range(0x21, 0x7F) for b in (j1, j2))
    sjis = _jis_to_sjis(pairs)
    return {pairs[i : i + 2]: sjis[i : i + 2] for i in range(0, len(pairs), 2)}


def _jis_as_sjis(run: bytes) -> bytes:
    if len(run) > 64:
        return _jis_to_sjis(run)
    table = _sjis_pairs()
    return b"".join([table[run[i : i + 2]] for i in range(0, len(run), 2)])


def decode_iso2022_jp(data: bytes) -> str | None:
    """ISO-2022-JP read as Microsoft's CP50220 does (a superset): JIS X 0208 with the NEC special characters
    (row 13: ①…⑳, Ⅰ…Ⅹ, ㈱, №) and the NEC-selected IBM extensions, JIS X 0201 Roman and half-width
    katakana (``ESC ( I`` and SO/SI). Forgiving: a line break inside a two-byte run passes through, an odd
    byte becomes U+FFFD. Returns None for other escape sequences (ISO-2022-JP-2's Chinese, Korean or
    Latin sets, JIS X 0212/0213), which Python's codecs read.

    Text within the standard is read by Python's codec; otherwise the stream is rewritten as Shift_JIS and
    read by CP932 — which has the NEC and IBM extensions — once, with the six characters CP932 maps
    differently from the standard (〜‖−¢£¬) turned back, so a ① in a message changes no other character."""
    if not data.isascii():
        return None
    try:
        return data.decode("iso2022_jp")  # the common case, in C: nothing beyond the standard
    except UnicodeDecodeError:
        pass
    mode, before_so = "ascii", "ascii"
    out: list[str] = []
    buf = bytearray()  # Shift_JIS not decoded yet

    def flush() -> None:
        if buf:
            out.append(bytes(buf).decode("cp932", errors="replace").translate(_CP932_TO_JIS))
            buf.clear()

    for piece in _JIS_ESCAPE_RE.split(data):
        if not piece:
            continue
        if piece == b"\x0e":
            mode, before_so = "kana", mode
        elif piece == b"\x0f":
            mode = before_so if mode == "kana" else mode
        elif piece[0] == 0x1B:
            if piece not in _JIS_MODES:
                return None
            mode = _JIS_MODES[piece]
        elif mode == "ascii":
            buf += piece
        elif mode == "roman":  # JIS X 0201 Roman: ¥ and ‾ where ASCII has \ and ~
            flush()
            out.append(piece.decode("ascii").replace("\\", "\u00a5").replace("~", "\u203e"))
        elif mode == "kana":
            buf += piece.translate(_KANA_TO_SJIS)
        elif len(piece) % 2 == 0 and _JIS_CONTROLS_RE.search(piece) is None:
            buf += _jis_as_sjis(piece)
        else:  # a line break inside a two-byte run, or an odd byte (broken, but sent)
            for chunk in _JIS_CONTROLS_RE.split(piece):
                if not chunk or chunk[0] <= 0x20 or chunk[0] == 0x7F:
                    buf += chunk
                    continue
                buf += _jis_as_sjis(chunk[: len(chunk) // 2 * 2])
                if len(chunk) % 2:
                    flush()
                    out.append("\ufffd")
    flush()
    return "".join(out)


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes under a (possibly wrong, missing or unknown) charset label; never raises."""
    if _codec_name(charset) not in _NOT_JP and looks_iso2022_jp(data):
        text = decode_iso2022_jp(data[:_ISO2022JP_MAX_BYTES])
        if text is not None:
            return text
        charset = "iso2022_jp"  # other sets designated too: ISO-2022-JP-2 and JIS X 0213 by Python's codecs
    for name in _candidates(charset):
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    first = _candidates(charset)[0]
    if first not in _FALLBACK:
        try:
            return data.decode(first, errors="replace")
        except LookupError:
            pass
    return data.decode("latin-1", errors="replace")


# --- headers -------------------------------------------------------------------------------------------


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding.lower() == "b":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=True)


def decode_header_value(value: str | bytes | None) -> str:
    """Decode an RFC 2047 header (split words, bad padding, wrong or missing charsets tolerated)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = decode_bytes(value)
    elif any(0xDC80 <= ord(c) <= 0xDCFF for c in value):  # raw 8-bit bytes kept as surrogates
        value = decode_bytes(value.encode("utf-8", "surrogateescape"))
    value = re.sub(r"\r?\n[ \t]", " ", value)
    if "\x1b" in value and value.isascii():  # raw ISO-2022-JP outside encoded words (old Japanese mailers)
        value = decode_iso2022_jp(value.encode("ascii")) or value
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent encoded words not yet decoded

    def flush() -> None:
        while pending:
            charset = pending[0][0]
            chunk = b""
            while pending and pending[0][0] == charset:
                chunk += pending.pop(0)[1]
            out.append(decode_bytes(chunk, charset))

    pos = 0
    for m in _ENCODED_WORD_RE.finditer(value):
        between = value[pos : m.start()]
        if between and not (pending and between.isspace()):
            flush()
            out.append(between)
        charset = m.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        pending.append((charset.lower(), _word_bytes(m.group(2), m.group(3))))
        pos = m.end()
    flush()
    out.append(value[pos:])
    return re.sub(r"\s+", " ", "".join(out)).strip()


def normalise_address(addr: str) -> str:
    """The customer archive's key for e-mail (``customers.rules.normalize_email``), angle brackets removed."""
    return normalize_email((addr or "").strip().strip("<>"))


def _addresses(raw: str) -> list[tuple[str, str]]:
    """(display name, normalised address) of an address header, parsed from its *raw* value; the display
    names are decoded afterwards. Decoding first would let an encoded display name such as
    ``=?utf-8?b?dmljdGltQGV4YW1wbGUuY29tLA==?= <attacker@evil.example>`` ("victim@example.com,") become an
    address of its own — not the one the receiving server checked (SPF/DKIM/DMARC) — and would split a
    name with a comma ("王, 小明")."""
    raw = re.sub(r"\r?\n[ \t]", " ", raw or "")
    try:
        pairs = email.utils.getaddresses([raw])
    except Exception:
        return []
    out: list[tuple[str, str]] = []
    for name, addr in pairs:
        if any(0xDC80 <= ord(c) <= 0xDCFF for c in addr):  # 8-bit (RFC 6532) address kept as surrogates
            addr = addr.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if "@" in addr:
            out.append((decode_header_value(name), normalise_address(addr)))
    return out


def _message_ids(raw: str) -> list[str]:
    return _MSGID_RE.findall(raw or "")


# --- bodies --------------------------------------------------------------------------------------------


def _part_text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    charset = part.get_param("charset")
    return decode_bytes(payload, charset if isinstance(charset, str) else None)


def _filename(part: email.message.Message) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _lang, text = raw
        name = decode_bytes(text.encode("latin-1", "replace") if isinstance(text, str) else text, charset)
    else:
        name = decode_header_value(str(raw or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200]


# --- the message ---------------------------------------------------------------------------------------


def parse(
    raw: bytes,
    *,
    max_attachment_bytes: int = 10 * 1024 * 1024,
    max_total_bytes: int = 25 * 1024 * 1024,
    max_html_chars: int = MAX_HTML_CHARS,
) -> ParsedMail:
    """Read one RFC 822 message. Raises :class:`MailParseError` only when nothing usable is in it."""
    if not raw or not raw.strip():
        raise MailParseError("empty message")
    try:
        # compat32 keeps raw header values, which this module decodes itself (see decode_header_value)
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:
        raise MailParseError(f"unreadable message: {exc}") from exc
    if not msg.keys():
        raise MailParseError("no header fields")
    if not any(msg.get(h) is not None for h in ("From", "Message-ID", "Subject")):
        raise MailParseError("no From, Message-ID or Subject header")

    raw_headers: dict[str, list[str]] = {}
    for key, value in msg.raw_items():  # raw text; 8-bit bytes kept as surrogates (decode_header_value)
        raw_headers.setdefault(key.lower(), []).append(str(value))

    def header(name: str) -> str:
        values = raw_headers.get(name.lower())
        return values[0] if values else ""

    def all_headers(name: str) -> str:
        return ", ".join(raw_headers.get(name.lower(), []))

    out = ParsedMail()
    out.defects = [type(d).__name__ for d in msg.defects][:20]
    ids = _message_ids(header("Message-ID"))
    out.message_id = ids[0] if ids else header("Message-ID").strip()[:250]
    out.in_reply_to = _message_ids(header("In-Reply-To"))
    out.references = _message_ids(header("References"))
    senders = _addresses(header("From"))  # raw: addresses first, display names decoded after
    if senders:
        out.from_name, out.from_address = senders[0]
    out.to = [a for _n, a in _addresses(all_headers("To"))]
    out.cc = [a for _n, a in _addresses(all_headers("Cc"))]
    out.authentication_results = [
        re.sub(r"\s+", " ", v).strip() for v in raw_headers.get("authentication-results", [])
    ][:50]
    out.subject = decode_header_value(header("Subject"))[:500]
    out.date = header("Date").strip()
    out.auto_submitted = header("Auto-Submitted").strip().lower()
    out.precedence = header("Precedence").strip().lower()
    out.extra_auto_headers = [h for h in ("X-Autoreply", "X-Autorespond") if h.lower() in raw_headers]
    suppress = header("X-Auto-Response-Suppress").lower()
    if "all" in suppress or "autoreply" in suppress:  # Exchange: the sender asks for no auto-replies
        out.extra_auto_headers.append("X-Auto-Response-Suppress")
    out.is_report = msg.get_content_type() == "multipart/report"

    texts: list[str] = []
    htmls: list[str] = []
    total = 0
    for count, part in enumerate(msg.walk()):
        if count >= MAX_PARTS:
            out.skipped.append(f"… ({MAX_PARTS} parts at most)")
            break
        ctype = part.get_content_type()
        if part.is_multipart():
            if ctype == "multipart/report":
                out.is_report = True
            continue
        if ctype in ("message/delivery-status", "message/disposition-notification"):
            out.is_report = True
            continue
        disposition = (part.get_content_disposition() or "").lower()
        name = _filename(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not name:
            (texts if ctype == "text/plain" else htmls).append(_part_text(part))
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue  # e.g. message/rfc822 container already walked
        cid = str(part.get("Content-ID") or "").strip().strip("<>")
        name = name or (f"inline-{len(out.attachments) + 1}" if cid else f"part-{len(out.attachments) + 1}")
        if len(data) > max_attachment_bytes:
            out.skipped.append(f"{name} (too large)")
            continue
        if total + len(data) > max_total_bytes:
            out.skipped.append(f"{name} (message too large)")
            continue
        total += len(data)
        out.attachments.append(
            MailPart(
                filename=name,
                content_type=ctype,
                data=data,
                inline=disposition == "inline" or (bool(cid) and disposition != "attachment"),
                content_id=cid,
            )
        )

    html_source = "\n".join(htmls)
    if html_source:
        out.html = sanitise_html(html_source, max_chars=max_html_chars)
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    if not text and html_source:
        text = html_to_text(out.html)
    out.text = text[:MAX_TEXT_CHARS]
    return out


# --- decisions -----------------------------------------------------------------------------------------


def is_automatic(msg: ParsedMail) -> bool:
    """Sent by a machine (auto-reply, list, bounce, report): never acknowledged, so no mail loops."""
    if msg.auto_submitted and msg.auto_submitted.split(";", 1)[0].strip() != "no":
        return True
    if msg.precedence in ("bulk", "list", "junk"):
        return True
    if msg.is_report or msg.extra_auto_headers:
        return True
    if not msg.from_address:
        return True
    return msg.from_address.split("@", 1)[0] in _AUTOMATIC_LOCALPARTS


def thread_key(msg: ParsedMail) -> ThreadKey:
    """What ties the message to an existing order: order numbers in the subject, and our own outgoing
    mails (outbox Message-IDs) in In-Reply-To/References, newest reference first."""
    numbers = tuple(dict.fromkeys(n.upper() for n in ORDER_NUMBER_RE.findall(msg.subject)))
    ids: list[int] = []
    for ref in [*msg.in_reply_to, *reversed(msg.references)]:
        m = OUTBOX_MSGID_RE.match(ref)
        if m and int(m.group(1)) not in ids:
            ids.append(int(m.group(1)))
    return ThreadKey(order_numbers=numbers, outbox_ids=tuple(ids))


# --- sender authentication (RFC 8601 Authentication-Results, RFC 7489 DMARC) ---------------------------

_AR_RESULT_RE = re.compile(
    r"^\s*([A-Za-z0-9_.-]+)\s*(?:/\s*\d+\s*)?=\s*\"?([A-Za-z0-9_.-]+)\"?(.*)$", re.DOTALL
)
_AR_PROPERTY_RE = re.compile(
    r"([A-Za-z0-9_-]+)\s*\.\s*([A-Za-z0-9_.-]+)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^\s;]+)"
)


@dataclass(frozen=True)
class AuthResult:
    method: str  # "dmarc", "spf", "dkim", … (lower case)
    result: str  # "pass", "fail", "none", … (lower case)
    properties: dict[str, str]  # "header.from" → "example.com"


def _without_comments(value: str) -> str:
    """The header with its (nested) comments removed; quoted strings kept as they are."""
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for ch in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            quoted = ch != '"'
            out.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0:
            quoted = ch == '"'
            out.append(ch)
    return "".join(out)


def _split_outside_quotes(value: str, sep: str = ";") -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted, escaped = False, False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def parse_authentication_results(value: str) -> tuple[str, list[AuthResult]]:
    """The authserv-id (lower case) and the results of one ``Authentication-Results`` header (RFC 8601):
    ``authserv-id [version] ; method=result ptype.property=value … ; …`` or ``authserv-id; none``."""
    pieces = _split_outside_quotes(_without_comments(value[:8000]))
    head = pieces[0].split()
    authserv_id = head[0].strip('"').lower().rstrip(".") if head else ""
    results: list[AuthResult] = []
    for piece in pieces[1:]:
        m = _AR_RESULT_RE.match(piece)
        if m is None:
            continue  # "none", or a result this reader does not understand
        props = {
            f"{p.group(1).lower()}.{p.group(2).lower()}": p.group(3).strip('"')
            for p in _AR_PROPERTY_RE.finditer(m.group(3))
        }
        results.append(AuthResult(m.group(1).lower(), m.group(2).lower(), props))
    return authserv_id, results


def _domain(value: str) -> str:
    name = value.strip().rsplit("@", 1)[-1].strip().rstrip(".").lower()
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def sender_check(
    msg: ParsedMail, trusted_authserv_ids: list[str] | tuple[str, ...] | set[str]
) -> SenderCheck:
    """The DMARC verdict on the From domain, read only from ``Authentication-Results`` headers whose
    authserv-id is trusted (the receiving servers', ``KEFU_MAIL_TRUSTED_AUTHSERV_IDS``).

    A receiving server *prepends* its header, so of each trusted authserv-id only the topmost header
    counts: one lower down was in the message before that server saw it, i.e. written by the sender (or a
    server on the way), and is ignored. ``dmarc=fail`` for the From domain — or a DMARC result only for
    another From domain than the one read here (the server and Kefu disagree on who sent it) — makes the
    sender unverified. A failure wins over a pass, so a forged "pass" cannot hide a real failure.
    """
    trusted = {t.strip().lower().rstrip(".") for t in trusted_authserv_ids if t and t.strip()}
    if not trusted or not msg.from_address or "@" not in msg.from_address:
        return SenderCheck()
    domain = _domain(msg.from_address)
    seen: set[str] = set()
    verdicts: list[tuple[str, AuthResult]] = []
    for value in msg.authentication_results:  # topmost first
        server, results = parse_authentication_results(value)
        if server not in trusted or server in seen:
            continue
        seen.add(server)
        verdicts += [(server, r) for r in results if r.method == "dmarc"]
    if not verdicts:
        return SenderCheck(domain=domain)

    def detail(server: str, r: AuthResult) -> str:
        about = r.properties.get("header.from", "")
        return f"{server}: dmarc={r.result}" + (f" header.from={about}" if about else "")

    ours = [(s, r) for s, r in verdicts if _domain(r.properties.get("header.from", domain)) == domain]
    for server, r in ours:
        if r.result == "fail":
            return SenderCheck(Dmarc.FAIL, detail(server, r), domain)
    if not ours:
        server, r = verdicts[0]
        return SenderCheck(Dmarc.FAIL, detail(server, r) + f" (From: {domain})", domain)
    for server, r in ours:
        if r.result == "pass":
            return SenderCheck(Dmarc.PASS, detail(server, r), domain)
    server, r = ours[0]
    return SenderCheck(Dmarc.NO_VERDICT, detail(server, r), domain)
