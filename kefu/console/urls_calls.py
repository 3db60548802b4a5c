"""Phone call console URLs (included under /calls/ in the "console" namespace)."""

from django.urls import path

from kefu.console import views_calls as v

urlpatterns = [
    path("pop/", v.call_pop, name="call_pop"),
    path("<int:pk>/", v.call_detail, name="call_detail"),
    path("callbacks/", v.callback_list, name="callbacks"),
    path("callbacks/<int:pk>/done/", v.callback_done, name="callback_done"),
    path("health/", v.channel_health, name="channel_health"),
]
