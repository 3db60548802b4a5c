from django.contrib import admin

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.commitments.models import Service


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "order_type",
        "sale_phase",
        "technical",
        "place",
        "paid",
        "fee",
        "public",
        "is_active",
    ]
    list_filter = ["order_type", "sale_phase", "technical", "place", "paid", "public", "is_active"]
    search_fields = ["code", "name", "name_en"]
