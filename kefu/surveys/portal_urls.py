"""Portal pages of surveys (mounted under /portal/surveys/, names in the portal namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
