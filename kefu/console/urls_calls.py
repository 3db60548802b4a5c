"""Phone call console URLs (included under /calls/ in the "console" namespace)."""

from django.urls import path

from kefu.console import views_calls as v

urlpatterns = [
    path("pop/", v.call_pop, name="call_pop"),
    path("<int:pk>/", v.call_detail, name="call_detail"),
]
