"""Customer console URLs (included under /customers/ in the "console" namespace)."""

from django.urls import path

from kefu.console import views_customers as v

urlpatterns = [
    path("", v.customer_list, name="customer_list"),
    path("new/", v.customer_create, name="customer_create"),
    path("<int:pk>/", v.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", v.customer_edit, name="customer_edit"),
    path("<int:pk>/note/", v.customer_note, name="customer_note"),
    path("<int:pk>/tier/", v.customer_tier, name="customer_tier"),
    path("<int:pk>/contact/", v.customer_contact, name="customer_contact"),
    path("<int:pk>/records/<str:kind>/", v.customer_add_record, name="customer_add_record"),
]
