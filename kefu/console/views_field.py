"""The technician's day on a phone (docs/field-service.md): today's visits, one visit with its checklist and
the buttons set off / arrived / finished, photos, the customer's signature, and the endpoint the phone's
queue sends its actions to (``kefu.fieldservice.field_sync``). Installable as an app: the web manifest and
the service worker are served under ``/field/`` so that the worker's scope is the technician's pages.

Technicians only (anyone else gets 404). The customer's phone and address are shown in full on the
technician's own visits — calling and finding the door is what they are for — and every showing is an access
record with the reason "visiting on site" (docs/privacy.md, "Masking")."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kefu.commitments.models.materials import ServiceMaterial, ServiceStep
from kefu.fieldservice import field_sync
from kefu.fieldservice.models import VisitOutcome
from kefu.lib import clock
from kefu.lib.errors import KefuError
from kefu.middleware import csp_policy
from kefu.privacy import records as access_records
from kefu.privacy import rules as privacy_rules
from kefu.web.views import ConsoleRequest, staff_view
from kefu.workorders.models import Attachment

WHERE = "field"
SHELL_STATIC = (
    "fieldservice/field.css",
    "fieldservice/field.js",
    "fieldservice/icon-192.png",
    "fieldservice/icon-512.png",
)


def _technician(request: ConsoleRequest) -> None:
    """Technicians only: anyone else gets the same 404 as a stranger."""
    try:
        field_sync.require_technician(request.user)
    except KefuError as exc:
        raise Http404(str(exc.message)) from exc


def _record_site_visit(request: ConsoleRequest, customer_ids: list[int]) -> None:
    """The phone and address of these customers were shown in full to the technician visiting them."""
    for field in ("phone", "address"):
        access_records.record(
            request.user,
            privacy_rules.Kind.REVEAL,
            customer_ids,
            field=field,
            reason=privacy_rules.Reason.SITE_VISIT,
            where=WHERE,
        )


def _messages() -> dict[str, str]:
    """The phone script's texts, in the technician's language."""
    return {
        "synced": _("Everything is saved."),
        "waiting": _("%(n)s waiting to be sent"),
        "offline": _("No network · %(n)s waiting"),
        "sending": _("Sending…"),
        "refused": _("Not accepted:"),
        "discard": _("Discard"),
        "login": _("Sign in again to send what is waiting."),
        "need_signature": _("The customer confirms the work with a signature before you finish."),
        "need_outcome": _("Choose how the visit ended."),
        "need_text": _("Write what happened (at least a few words)."),
        "need_note": _("Write the note."),
        "empty_signature": _("Ask the customer to sign in the box first."),
        "photo_waiting": _("waiting to be sent"),
        "kind_start_travel": _("Set off"),
        "kind_arrive": _("Arrived"),
        "kind_note": _("Note"),
        "kind_photo": _("Photo"),
        "kind_signature": _("Signature"),
        "kind_finish": _("Finished"),
    }


@require_GET
@never_cache
@staff_view
def today(request: ConsoleRequest) -> HttpResponse:
    _technician(request)
    staff = request.staff
    items, total = field_sync.my_day(staff)
    _record_site_visit(request, [i.order.customer_id for i in items])
    day, _start, _end = field_sync.branch_day(staff)
    return _page(
        request,
        "fieldservice/field/today.html",
        {
            "items": items,
            "day": day,
            "more_orders": max(total - field_sync.OPEN_ORDERS_SHOWN, 0),
            "now": clock.now(),
            "visit_urls": [reverse("console:field_visit", args=[i.key]) for i in items],
            **_shell(),
        },
    )


@require_GET
@never_cache
@staff_view
def visit(request: ConsoleRequest, key: str) -> HttpResponse:
    _technician(request)
    item = field_sync.day_item(request.user, key)
    o = item.order
    _record_site_visit(request, [o.customer_id])
    steps: list[ServiceStep] = list(o.service.steps.all()) if o.service_id else []  # type: ignore[union-attr]
    materials: list[ServiceMaterial] = list(o.service.materials.all()) if o.service_id else []  # type: ignore[union-attr]
    photos = list(
        Attachment.objects.filter(workorder=o, entry__data__visit=item.visit.pk).order_by("created_at", "id")
        if item.visit is not None
        else Attachment.objects.none()
    )
    signature_id = item.visit.signature_id if item.visit is not None else None
    state = field_sync.visit_state(item.visit, o, item.appointment)
    return _page(
        request,
        "fieldservice/field/visit.html",
        {
            "item": item,
            "o": o,
            "customer": o.customer,
            "phone": o.reply_phone or o.customer.phone,
            "steps": steps,
            "materials": materials,
            "photos": [p for p in photos if p.pk != signature_id and p.previewable],
            "signature_id": signature_id,
            "state": state,
            "outcomes": VisitOutcome.choices,
            "now": clock.now(),
            **_shell(),
        },
    )


def _page(request: ConsoleRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page with the site's policy plus ``blob:`` images: a photo waiting in the phone's queue is shown
    from its local copy (``URL.createObjectURL``) before it is sent. Scripts stay ``'self'`` only."""
    response = render(request, template, context)
    mode = getattr(settings, "KEFU_CSP", "enforce")
    if mode != "off":
        header = "Content-Security-Policy-Report-Only" if mode == "report-only" else "Content-Security-Policy"
        policy = csp_policy(request.path, getattr(settings, "KEFU_CSP_REPORT_URI", ""))
        response[header] = policy.replace("img-src 'self' data:", "img-src 'self' data: blob:", 1)
    return response


def _shell() -> dict[str, Any]:
    return {
        "field_messages": _messages(),
        "action_url": reverse("console:field_action"),
        "sw_url": reverse("console:field_sw"),
        "manifest_url": reverse("console:field_manifest"),
        "today_url": reverse("console:field_today"),
    }


@require_POST
@staff_view
def action(request: ConsoleRequest) -> JsonResponse:
    """One queued action from the phone: 200 with the visit's state (``replayed`` when the id was applied
    before), or 4xx with ``{"error": {"code", "message", "field"}}``."""
    data = field_sync.ActionInput(
        action_id=request.POST.get("action_id", ""),
        visit=request.POST.get("visit", ""),
        kind=request.POST.get("kind", ""),
        at=request.POST.get("at", ""),
        text=request.POST.get("text", ""),
        outcome=request.POST.get("outcome", ""),
        signed_by=request.POST.get("signed_by", ""),
        upload=request.FILES.get("file"),
    )
    try:
        applied = field_sync.apply_action(request.user, data)
    except KefuError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"result": applied.result, "replayed": applied.replayed})


@require_GET
@staff_view
def manifest(request: ConsoleRequest) -> HttpResponse:
    body = {
        "name": _("Kefu — my visits"),
        "short_name": _("My visits"),
        "start_url": reverse("console:field_today"),
        "scope": reverse("console:field_today"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("fieldservice/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {
                "src": static("fieldservice/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")


@require_GET
def service_worker(request: ConsoleRequest) -> HttpResponse:
    """The service worker script: served from ``/field/`` (its scope), never cached by the browser's HTTP
    cache (a new version takes over at the next visit), with the shell's static URLs of this build."""
    path = finders.find("fieldservice/field-sw.js")
    with open(str(path), encoding="utf-8") as fh:
        source = fh.read()
    shell = [reverse("console:field_today"), *(static(p) for p in SHELL_STATIC)]
    version = hashlib.sha256((json.dumps(shell) + source).encode()).hexdigest()[:12]
    header = f"const KEFU_SHELL = {json.dumps(shell)};\nconst KEFU_VERSION = {json.dumps(version)};\n"
    response = HttpResponse(header + source, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("console:field_today")
    return response
