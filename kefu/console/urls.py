"""Agent console URLs: orders (urls_orders.py, time limits in urls_clocks.py) and customers (urls_customers.py)."""

from django.urls import include, path

from kefu.console import views, views_live, views_proactive

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("live/events/", views_live.live_events, name="live_events"),
    path("orders/", include("kefu.console.urls_clocks")),
    path("orders/", include("kefu.console.urls_orders")),
    path("customers/", include("kefu.console.urls_customers")),
    path("calls/", include("kefu.console.urls_calls")),
    path("maintenance/", views_proactive.maintenance, name="maintenance"),
    path("followup/", include("kefu.followup.urls")),
    path("quality/", include("kefu.surveys.urls")),
    path("standards/", include("kefu.standards.urls")),
    path("complaints/", include("kefu.complaints.urls")),
    path("supervision/", include("kefu.supervision.urls")),
    path("inspections/", include("kefu.inspections.urls")),
    path("reports/", include("kefu.reports.urls")),
    path("knowledge/", include("kefu.knowledge.urls")),
]
