"""URLs of the framework-floor server: a trivial view in front of Kefu's own URLs (see floor_settings)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def floor(request: HttpRequest) -> HttpResponse:
    # touches the user, so the session and user look-ups that every Kefu page does are part of the floor
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous", content_type="text/plain")


urlpatterns = [path("bench-floor/", floor), path("", include("kefu.urls"))]
