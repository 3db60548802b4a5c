"""The technician's day on a phone (included under /field/ in the console namespace; docs/field-service.md).
The service worker is served from here so that its scope is /field/."""

from django.urls import path

from kefu.console import views_field as v

urlpatterns = [
    path("", v.today, name="field_today"),
    path("visits/<str:key>/", v.visit, name="field_visit"),
    path("actions/", v.action, name="field_action"),
    path("manifest.webmanifest", v.manifest, name="field_manifest"),
    path("sw.js", v.service_worker, name="field_sw"),
]
