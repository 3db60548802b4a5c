"""Console page of the retention table; included in kefu.console.urls (names in the console namespace)."""

from django.urls import URLPattern, path

from kefu.retention import views

urlpatterns: list[URLPattern] = [
    path("", views.retention_periods, name="retention_periods"),
]
