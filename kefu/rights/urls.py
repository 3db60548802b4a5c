"""Console pages of the customer's rights; included in kefu.console.urls under /privacy/."""

from django.urls import URLPattern, path

from kefu.rights import views

urlpatterns: list[URLPattern] = [
    path("customers/<int:pk>/", views.customer_rights, name="customer_rights"),
    path("customers/<int:pk>/consent/", views.customer_consent, name="customer_consent"),
    path("copies/<int:pk>.<str:fmt>", views.copy_download, name="rights_copy"),
]
