"""Console pages of incidents; included in kefu.console.urls (console namespace)."""

from django.urls import URLPattern, path

from kefu.incidents import views

urlpatterns: list[URLPattern] = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_new, name="incident_new"),
    path("<int:incident_id>/", views.incident_detail, name="incident_detail"),
    path("<int:incident_id>/edit/", views.incident_edit, name="incident_edit"),
    path("<int:incident_id>/attach/", views.incident_attach, name="incident_attach"),
    path("<int:incident_id>/detach/<int:order_id>/", views.incident_detach, name="incident_detach"),
    path("<int:incident_id>/units/", views.incident_unit_add, name="incident_unit_add"),
    path("<int:incident_id>/units/<int:unit_id>/done/", views.incident_unit_done, name="incident_unit_done"),
    path("<int:incident_id>/update/", views.incident_update, name="incident_update"),
    path("<int:incident_id>/resolve/", views.incident_resolve, name="incident_resolve"),
    path("attach-order/<str:number>/", views.order_attach, name="incident_order_attach"),
    path("<int:incident_id>/call-report/", views.incident_call_report, name="incident_call_report"),
]
