from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok" if request.user.is_authenticated else "anonymous", content_type="text/plain")


urlpatterns = [
    path("bench-floor/", floor),
    path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
]
