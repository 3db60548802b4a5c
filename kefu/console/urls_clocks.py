"""Console URLs of order time limits (included under /orders/ before urls_orders)."""

from django.urls import path

from kefu.console import views_clocks as v
from kefu.console import views_inbox as vi

urlpatterns = [
    path("extensions/", vi.extensions, name="extensions"),
    path("extensions/bulk/", vi.extensions_bulk, name="extensions_bulk"),
    path("extensions/<int:pk>/decide/", v.extension_decide, name="extension_decide"),
    path("<str:key>/clocks/<int:clock_id>/unreachable/", v.clock_unreachable, name="clock_unreachable"),
    path("<str:key>/clocks/<int:clock_id>/extension/", v.clock_extension, name="clock_extension"),
    path(
        "<str:key>/clocks/<int:clock_id>/unreachable/decide/",
        v.unreachable_decide,
        name="clock_unreachable_decide",
    ),
    path("<str:key>/contact-attempts/", v.contact_attempt, name="contact_attempt"),
]
