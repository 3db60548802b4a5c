from django.contrib import admin

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.customers.models import Customer, TierPolicy


@admin.register(TierPolicy)
class TierPolicyAdmin(AuditedAdmin):
    list_display = ["__str__", "diamond_min", "gold_min", "brass_min"]


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    """Read-only here: customers are edited in the console, where every change is logged."""

    list_display = ["number", "name", "relationship", "tier", "branch", "area"]
    list_filter = ["relationship", "tier", "branch"]
    search_fields = ["number", "name", "phone_e164", "email"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
