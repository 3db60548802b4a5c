"""Console pages of triggers and webhooks (administrators); included in kefu.console.urls."""

from django.urls import URLPattern, path

from kefu.automation import views

urlpatterns: list[URLPattern] = [
    path("triggers/", views.triggers, name="automation_triggers"),
    path("triggers/new/", views.trigger_edit, name="automation_trigger_new"),
    path("triggers/<int:pk>/", views.trigger_edit, name="automation_trigger"),
    path("triggers/<int:pk>/delete/", views.trigger_delete, name="automation_trigger_delete"),
    path("webhooks/", views.webhooks, name="automation_webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="automation_webhook"),
    path("webhooks/<int:pk>/<str:op>/", views.webhook_op, name="automation_webhook_op"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="automation_replay"),
]
