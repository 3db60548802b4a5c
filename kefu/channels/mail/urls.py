"""Console page of e-mail signatures; included in kefu.console.urls (names in the console namespace)."""

from django.urls import URLPattern, path

from kefu.channels.mail import views

urlpatterns: list[URLPattern] = [
    path("", views.signatures_page, name="signatures"),
]
