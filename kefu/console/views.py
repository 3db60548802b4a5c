from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land on their queue (a technician on a phone on today's visits); portal customers on the portal."""
    staff = getattr(request.user, "staff", None)
    if staff is None:
        return redirect("portal:home")
    if staff.role == "technician" and "Mobi" in request.headers.get("User-Agent", ""):
        # the phone view (docs/field-service.md); the console stays a tap away
        return redirect("console:field_today")
    return redirect("console:queue")
