"""Console pages of the commitments engine; included in kefu.console.urls (names in the console namespace)."""

from django.urls import URLPattern, path

from kefu.commitments import views

urlpatterns: list[URLPattern] = [
    path("", views.calendar_years, name="calendar_years"),
]
