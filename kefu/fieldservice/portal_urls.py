"""The visit link of messages (mounted under /portal/visit/, portal namespace): no sign-in, a signed token."""

from django.urls import URLPattern, path

from kefu.fieldservice import views_booking as v

urlpatterns: list[URLPattern] = [
    path("<str:token>/", v.visit_link, name="visit_link"),
]
