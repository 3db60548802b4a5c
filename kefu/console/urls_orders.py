"""Work-order console URLs (included under /orders/ in the "console" namespace)."""

from django.urls import path

from kefu.console import views_bulk as vb
from kefu.console import views_inbox as vi
from kefu.console import views_materials as vm
from kefu.console import views_orders as v

urlpatterns = [
    path("", v.queue, name="queue"),
    path("new/", v.order_create, name="order_create"),
    path("new/services/", v.service_options, name="order_service_options"),
    path("new/materials/", vm.service_materials, name="order_service_materials"),
    path("bulk/", vb.bulk_form, name="queue_bulk_form"),
    path("bulk/apply/", vb.bulk_apply, name="queue_bulk_apply"),
    path("escalations/", vi.escalations, name="escalations"),
    path("escalations/bulk/", vi.escalations_bulk, name="escalations_bulk"),
    path("escalations/<int:pk>/handle/", vi.escalation_handle, name="escalation_handle"),
    path("attachments/<int:pk>/", v.attachment_download, name="attachment_download"),
    path("<str:key>/", v.order_detail, name="order_detail"),
    path("<str:key>/presence/", v.order_presence, name="order_presence"),
    path("<str:key>/reply/", v.order_reply, name="order_reply"),
    path("<str:key>/note/", v.order_note, name="order_note"),
    path("<str:key>/status/", v.order_transition, name="order_transition"),
    path("<str:key>/transfer/", v.order_transfer, name="order_transfer"),
    path("<str:key>/transfer/targets/", v.order_transfer_targets, name="order_transfer_targets"),
    path("<str:key>/escalate/", v.order_escalate, name="order_escalate"),
    path("<str:key>/link/", v.order_link, name="order_link"),
    path("<str:key>/merge/", v.order_merge, name="order_merge"),
    path("<str:key>/send-back/", v.order_send_back, name="order_send_back"),
    path("<str:key>/split/", v.order_split, name="order_split"),
    path("<str:key>/edit/", v.order_edit, name="order_edit"),
    path("<str:key>/materials/", vm.order_materials_check, name="order_materials_check"),
    path(
        "<str:key>/materials/requests/<int:request_id>/decide/",
        vm.materials_request_decide,
        name="materials_request_decide",
    ),
    path("<str:key>/notices/<int:notice_id>/", vm.order_notice, name="order_notice"),
]
