"""Customer console URLs (included under /customers/ in the "console" namespace)."""

from django.urls import path

from kefu.console import views_customers as v
from kefu.console import views_merge as vm

urlpatterns = [
    path("", v.customer_list, name="customer_list"),
    path("new/", v.customer_create, name="customer_create"),
    path("<int:pk>/", v.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", v.customer_edit, name="customer_edit"),
    path("<int:pk>/note/", v.customer_note, name="customer_note"),
    path("<int:pk>/tier/", v.customer_tier, name="customer_tier"),
    path("<int:pk>/contact/", v.customer_contact, name="customer_contact"),
    path("<int:pk>/records/<str:kind>/", v.customer_add_record, name="customer_add_record"),
    # merge and re-homing (kefu.customers.merge, kefu.workorders.rehome)
    path("<int:pk>/merge/", vm.customer_merge, name="customer_merge"),
    path("merges/<int:merge_id>/undo/", vm.customer_merge_undo, name="customer_merge_undo"),
    path("duplicates/", vm.duplicate_queue, name="customer_duplicates"),
    path("move-order/<str:number>/", vm.order_move, name="order_move_customer"),
]
