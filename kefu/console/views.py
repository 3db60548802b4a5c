from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff land on their queue; portal customers on the portal."""
    if getattr(request.user, "staff", None) is None:
        return redirect("portal:home")
    return redirect("console:queue")
