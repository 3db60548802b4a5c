"""E-mail signatures (docs/signatures.md): templates per staff member and per branch, with variables,
appended to every e-mail reply by the outbound composition (``replies._queue_email``) as a plain-text
part and a sanitised HTML part (``multipart/alternative``).

Variables: ``{name}`` (the staff member), ``{badge_no}`` (工号: R-24, staff identify themselves),
``{branch}``, ``{order_number}``. Which signature: the author's own, else the author's branch's, else the
built-in one (name, badge number, branch, order number in the customer's language) — a reply by e-mail
always says who wrote it and for which order.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.audit import log as audit
from kefu.channels.models.signatures import EmailSignature
from kefu.lib import clock
from kefu.lib.content_i18n import SOURCE_LANGUAGE, translated
from kefu.lib.errors import Errors, KefuError, PermissionDenied, ValidationFailed
from kefu.lib.html import html_to_text, sanitise_html
from kefu.organization.access import Actor, require_staff
from kefu.organization.models import Branch, Staff

VARIABLES = ("name", "badge_no", "branch", "order_number")
MAX_CHARS = 5000
SEPARATOR = "-- "  # the usenet signature delimiter: mail programs fold what follows
_VAR_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def unknown_variables(template: str) -> list[str]:
    return sorted({m for m in _VAR_RE.findall(template or "") if m not in VARIABLES})


def render(template: str, values: dict[str, str], *, html: bool) -> str:
    """``template`` with its variables replaced (escaped in HTML); unknown ones stay as typed."""

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            return m.group(0)
        v = values[m.group(1)]
        return html_lib.escape(v) if html else v

    return _VAR_RE.sub(sub, template or "")


def default_text(language: str | None) -> str:
    with translation.override(language or "zh-hans"):
        return _("{name} (badge no. {badge_no}), {branch}\nOrder {order_number}")


@dataclass(frozen=True)
class Signed:
    text: str  # the plain-text body: the reply, the delimiter, the signature
    html: str  # the HTML body (sanitised)


def signature_for(staff: Staff | None) -> EmailSignature | None:
    """The author's own signature, else the branch's (one statement)."""
    if staff is None:
        return None
    cond = Q(staff_id=staff.pk)
    if staff.branch_id is not None:
        cond |= Q(branch_id=staff.branch_id)
    rows = list(EmailSignature.objects.filter(cond).select_related(None))
    return next((r for r in rows if r.staff_id == staff.pk), rows[0] if rows else None)


def values_for(staff: Staff | None, order: Any, language: str | None = None) -> dict[str, str]:
    """The signature's values; the branch's name in ``language`` (the customer's; ADR 0008)."""
    branch = getattr(staff, "branch", None) if staff is not None else None
    branch = branch if branch is not None else (order.branch if order is not None else None)
    return {
        "name": staff.name if staff is not None else "",
        "badge_no": staff.badge_no if staff is not None else "",
        "branch": translated(branch, "name", language or SOURCE_LANGUAGE) if branch is not None else "",
        "order_number": order.number if order is not None else "",
    }


def compose(text: str, *, staff: Staff | None, order: Any, language: str | None) -> Signed:
    """The reply ``text`` with the signature of ``staff`` for ``order``: plain text and HTML."""
    sig = signature_for(staff)
    values = values_for(staff, order, language)
    sig_html = render(sig.html, values, html=True) if sig is not None and sig.html.strip() else ""
    if sig is not None and sig.text.strip():
        sig_text = render(sig.text, values, html=False)
    elif sig_html:
        sig_text = html_to_text(sanitise_html(sig_html))
    else:
        sig_text = render(default_text(language), values, html=False)
    if not sig_html:
        sig_html = html_lib.escape(sig_text).replace("\n", "<br>\n")
    body_html = "".join(
        f"<p>{html_lib.escape(p).replace(chr(10), '<br>' + chr(10))}</p>\n"
        for p in re.split(r"\n\s*\n", text.strip())
        if p.strip()
    )
    page = (
        f'<div class="reply">\n{body_html}</div>\n<div class="signature">{SEPARATOR}<br>\n{sig_html}</div>\n'
    )
    return Signed(text=f"{text.rstrip()}\n\n{SEPARATOR}\n{sig_text.strip()}\n", html=sanitise_html(page))


# --- editing ----------------------------------------------------------------------------------------------


def _may_edit_branch(staff: Staff, branch_id: int) -> bool:
    return staff.can("admin") or (staff.role == "supervisor" and staff.branch_id == branch_id)


def check_templates(html: str, text: str) -> None:
    problems: list[KefuError] = []
    for name, value in (("html", html), ("text", text)):
        if len(value) > MAX_CHARS:
            problems.append(
                ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": MAX_CHARS}, name)
            )
        unknown = unknown_variables(value)
        if unknown:
            problems.append(
                ValidationFailed(
                    "unknown_variable",
                    _("Unknown variables: %(names)s. A signature offers: %(allowed)s.")
                    % {
                        "names": ", ".join(f"{{{n}}}" for n in unknown),
                        "allowed": ", ".join(f"{{{n}}}" for n in VARIABLES),
                    },
                    name,
                )
            )
    if problems:
        raise Errors(problems)


def do_save_signature(
    actor: Actor, *, html: str, text: str, staff_id: int | None = None, branch_id: int | None = None
) -> EmailSignature | None:
    """Save (or, both parts empty, delete) a signature: one's own (``staff_id`` = the actor's; anyone who
    replies) or a branch's (administrators, or the branch's supervisors). The HTML is sanitised when
    stored; audited."""
    me = require_staff(actor, "order.reply")
    if (staff_id is None) == (branch_id is None):
        raise ValidationFailed("invalid", _("A signature belongs to a staff member or to a branch."), "owner")
    if staff_id is not None and staff_id != me.pk and not me.can("admin"):
        raise PermissionDenied("forbidden", _("You can only change your own signature."))
    if branch_id is not None:
        if not Branch.objects.filter(pk=branch_id).exists():
            raise ValidationFailed("not_found", _("Branch not found."), "branch")
        if not _may_edit_branch(me, branch_id):
            raise PermissionDenied(
                "forbidden", _("Only administrators and the branch's supervisors can change it.")
            )
    html, text = _CONTROL.sub("", html), _CONTROL.sub("", text)  # PostgreSQL cannot store a NUL
    html = sanitise_html(html.strip()) if html.strip() else ""
    text = text.strip().replace("\r\n", "\n")
    check_templates(html, text)
    owner: dict[str, Any] = {"staff_id": staff_id} if staff_id is not None else {"branch_id": branch_id}
    with transaction.atomic():
        row = EmailSignature.objects.select_for_update().filter(**owner).first()
        before = {"html": row.html, "text": row.text} if row is not None else None
        if not html and not text:
            if row is not None:
                audit.record(actor, "signature.deleted", row, before=before, summary=str(owner))
                row.delete()
            return None
        if row is None:
            row = EmailSignature(**owner)
        row.html, row.text, row.updated_at, row.updated_by = html, text, clock.now(), me
        row.save()
        audit.record(
            actor,
            "signature.changed",
            row,
            before=before,
            after={"html": html, "text": text},
            summary=str(owner),
        )
    return row
