"""Console page of e-mail signatures (docs/signatures.md): everyone who replies edits their own; an
administrator every branch's, a supervisor their branch's. A preview shows both parts as the customer
gets them. Mounted at /signatures/ in the console's URL tree."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.channels.models.signatures import EmailSignature
from kefu.channels.outbox import signatures
from kefu.lib.errors import Errors, KefuError
from kefu.organization.models import Branch
from kefu.web.views import ConsoleRequest, staff_view

SAMPLE_TEXT = "您好，我们已经安排师傅明天上午上门检修。"


class _SampleOrder:
    number = "GD-20261207-000123"

    def __init__(self, branch: Any) -> None:
        self.branch = branch


def _errors(exc: KefuError) -> dict[str, str]:
    return {(e.field or "form"): str(e.message) for e in (exc.errors if isinstance(exc, Errors) else [exc])}


@require_http_methods(["GET", "POST"])
@staff_view("order.reply")
def signatures_page(request: ConsoleRequest) -> HttpResponseBase:
    me = request.staff
    branches = list(Branch.objects.order_by("name"))
    editable = [b for b in branches if signatures._may_edit_branch(me, b.pk)]
    errors: dict[str, str] = {}
    posted_for = ""
    status = 200
    if request.method == "POST":
        target = request.POST.get("owner", "me")
        posted_for = target
        branch_id = (
            int(target.removeprefix("branch-"))
            if target.startswith("branch-") and target[7:].isdecimal()
            else None
        )
        try:
            signatures.do_save_signature(
                request.user,
                html=request.POST.get("html", ""),
                text=request.POST.get("text", ""),
                staff_id=None if branch_id is not None else me.pk,
                branch_id=branch_id,
            )
        except KefuError as exc:
            errors, status = _errors(exc), 400
        else:
            messages.success(request, _("Signature saved."))
            return redirect("console:signatures")
    rows = {
        (r.staff_id and "me") or f"branch-{r.branch_id}": r
        for r in EmailSignature.objects.filter(staff=me) | EmailSignature.objects.filter(branch__in=editable)
    }
    sections: list[dict[str, Any]] = [{"owner": "me", "title": _("My signature"), "row": rows.get("me")}]
    sections += [
        {
            "owner": f"branch-{b.pk}",
            "title": _("Branch: %(name)s") % {"name": b.name},
            "row": rows.get(f"branch-{b.pk}"),
        }
        for b in editable
    ]
    for s in sections:
        if s["owner"] == posted_for:
            s["html"], s["text"], s["errors"] = (
                request.POST.get("html", ""),
                request.POST.get("text", ""),
                errors,
            )
        else:
            s["html"] = s["row"].html if s["row"] else ""
            s["text"] = s["row"].text if s["row"] else ""
            s["errors"] = {}
    preview = signatures.compose(
        SAMPLE_TEXT,
        staff=me,
        order=_SampleOrder(me.branch or (branches[0] if branches else None)),
        language=None,
    )
    ctx = {
        "sections": sections,
        "preview": preview,
        "variables": [f"{{{v}}}" for v in signatures.VARIABLES],
    }
    return render(request, "channels/signatures.html", ctx, status=status)
