"""Agent console URLs: orders (urls_orders.py, time limits in urls_clocks.py) and customers (urls_customers.py)."""

from django.urls import include, path

from kefu.console import views, views_emergency, views_exports, views_hotline, views_live, views_proactive
from kefu.reports import views_staffing

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("live/events/", views_live.live_events, name="live_events"),
    path("orders/", include("kefu.console.urls_clocks")),
    path("orders/", include("kefu.console.urls_orders")),
    path("customers/", include("kefu.console.urls_customers")),
    path("calls/", include("kefu.console.urls_calls")),
    path("hotline/", views_hotline.desk, name="hotline"),
    path("hotline/customers/<int:pk>/take/", views_hotline.take, name="hotline_take"),
    path("hotline/end/", views_hotline.end, name="hotline_end"),
    path("maintenance/", views_proactive.maintenance, name="maintenance"),
    path("emergency-keywords/", views_emergency.keywords, name="emergency_keywords"),
    path("catalogue/", include("kefu.console.urls_catalogue")),  # the service catalogue editor
    path(
        "emergency-keywords/<int:pk>/active/", views_emergency.keyword_toggle, name="emergency_keyword_toggle"
    ),
    path("followup/", include("kefu.followup.urls")),
    path("quality/", include("kefu.surveys.urls")),
    path("standards/", include("kefu.standards.urls")),
    path("complaints/", include("kefu.complaints.urls")),
    path("supervision/", include("kefu.supervision.urls")),
    path("calendars/", include("kefu.commitments.urls")),
    path("config/", include("kefu.console.urls_config")),  # Configuration: calendars, areas, outlets, phrases
    path("retention/", include("kefu.retention.urls")),
    path("automation/", include("kefu.automation.urls")),  # triggers and webhooks (docs/webhooks.md)
    path("inspections/", include("kefu.inspections.urls")),
    path("campaigns/", include("kefu.fieldservice.urls_campaigns")),  # safety-check campaigns
    path("incidents/", include("kefu.incidents.urls")),
    path("privacy/", include("kefu.privacy.urls")),
    path(
        "privacy/requests/", include("kefu.rights.urls")
    ),  # the customer's rights at the counter (docs/privacy.md)
    # the queue's and the customer list's exports (console lists; under /reports/ where managers find them)
    path("reports/export/orders/", views_exports.export_orders, name="reports_export_orders"),
    path("reports/export/customers/", views_exports.export_customers, name="reports_export_customers"),
    path("reports/", include("kefu.reports.urls")),
    # the staffing table is a report (kefu/reports), shown among the knowledge section's tabs
    path("knowledge/staffing/", views_staffing.staffing_page, name="knowledge_staffing"),
    path("knowledge/", include("kefu.knowledge.urls")),
    path("macros/", include("kefu.macros.urls")),  # macros and saved queue views (docs/macros.md)
    path("notifications/", include("kefu.notifications.urls")),
    path("visits/", include("kefu.fieldservice.urls")),  # booking visit windows (docs/field-service.md)
    path("fields/", include("kefu.fields.urls")),  # tags and custom fields (docs/fields.md)
    path("signatures/", include("kefu.channels.mail.urls")),  # e-mail signatures (docs/signatures.md)
    path("field/", include("kefu.console.urls_field")),  # the technician's phone view (docs/field-service.md)
]
