"""Console pages of surveys; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern, path

from kefu.surveys import views

urlpatterns: list[URLPattern] = [
    path("", views.quality_reports, name="quality_reports"),
    path("formulas/", views.quality_formulas, name="quality_formulas"),
    path("recovery/", views.recovery_list, name="recovery_list"),
    path("recovery/<int:task_id>/done/", views.recovery_done, name="recovery_done"),
]
