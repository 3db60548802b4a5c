"""Public pages (no login): the service disclosure page 服务公示 (R-17).

Everything on it is meant to be public: the published services with their class, fees and (once the
commitments engine supplies them) time limits and required materials; the outlets with addresses, phones
and hours; each service area with the staff responsible for it, their photo and badge number (工号); the
hotline. Nothing about customers or work orders is ever shown here.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from kefu.commitments.limits import published_limits
from kefu.commitments.models import Service, TimeLimit
from kefu.incidents.actions import active_public
from kefu.organization.models import Branch, Company, Outlet, ServiceArea, Staff
from kefu.supervision.actions import recent_changes as recent_area_changes
from kefu.web.files import sandboxed

PHOTO_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"RIFF": "image/webp"}


def photo_content_type(head: bytes) -> str | None:
    """The image type of a staff photo from its first bytes (PNG, JPEG, WebP); None for anything else."""
    for magic, ctype in PHOTO_TYPES.items():
        if head.startswith(magic) and (ctype != "image/webp" or head[8:12] == b"WEBP"):
            return ctype
    return None


@require_GET
@cache_control(public=True, max_age=300)
def disclosure(request: HttpRequest) -> HttpResponse:
    public_staff = Staff.objects.filter(is_active=True).only("id", "name", "badge_no", "photo", "branch_id")
    branches = list(
        Branch.objects.order_by("code").prefetch_related(
            Prefetch("outlets", queryset=Outlet.objects.order_by("name")),
            Prefetch(
                "areas",
                queryset=ServiceArea.objects.order_by("code").prefetch_related(
                    Prefetch("responsible", queryset=public_staff.order_by("badge_no"))
                ),
            ),
        )
    )
    services = list(
        Service.objects.filter(public=True, is_active=True)
        .order_by("order_type", "code")
        .prefetch_related("materials", "steps", "fees")
    )
    limits = list(
        TimeLimit.objects.filter(is_active=True).order_by("kind", "tier", "area_kind", "priority", "id")
    )
    for s in services:
        s.material_rows = s.materials.all()  # type: ignore[attr-defined]
        s.step_rows = s.steps.all()  # type: ignore[attr-defined]
        s.fee_rows = s.fees.all()  # type: ignore[attr-defined]
        s.limits = published_limits(limits, s.pk, s.order_type)  # type: ignore[attr-defined]
    ctx = {
        "company": Company.objects.first(),
        "branches": branches,
        "services": services,
        "area_changes": recent_area_changes(),
        "public_incidents": active_public(None, None),  # current outages (docs/incidents.md)
    }
    return render(request, "public/disclosure.html", ctx)


@require_GET
@cache_control(public=True, max_age=3600)
def staff_photo(request: HttpRequest, badge_no: str) -> FileResponse:
    """The photo of an active staff member, only if it really is an image (served inline, sandboxed)."""
    staff = Staff.objects.filter(badge_no=badge_no, is_active=True).exclude(photo="").first()
    if staff is None or not staff.photo:
        raise Http404
    try:
        fh = staff.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    ctype = photo_content_type(fh.read(12))
    if ctype is None:
        fh.close()
        raise Http404
    fh.seek(0)
    return sandboxed(FileResponse(fh, content_type=ctype))
