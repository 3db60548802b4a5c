"""Portal pages of the knowledge base (mounted under /portal/faq/, names in the portal namespace)."""

from django.urls import URLPattern, path

from kefu.knowledge import portal_views

urlpatterns: list[URLPattern] = [
    path("", portal_views.faq, name="faq"),
    path("<int:pk>/", portal_views.faq_article, name="faq_article"),
]
