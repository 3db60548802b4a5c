"""Console pages of knowledge; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
