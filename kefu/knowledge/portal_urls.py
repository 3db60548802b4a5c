"""Portal pages of the knowledge base (mounted under /portal/faq/, names in the portal namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
