from django.contrib import admin

from kefu.organization.models import ApiToken, Branch, Company, Department, Outlet, ServiceArea, Staff


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "hotline", "email", "website"]


class OutletInline(admin.TabularInline):
    model = Outlet
    extra = 0


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "phone"]
    search_fields = ["code", "name"]
    inlines = [OutletInline]


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "address", "phone", "opening_hours"]
    list_filter = ["branch"]
    search_fields = ["name", "address"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "leader"]
    list_filter = ["branch"]
    raw_id_fields = ["leader"]


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "branch", "kind", "households"]
    list_filter = ["branch", "kind"]
    search_fields = ["code", "name"]
    filter_horizontal = ["responsible"]


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["badge_no", "name", "role", "branch", "department", "leader", "grade", "is_active"]
    list_filter = ["role", "branch", "is_active"]
    search_fields = ["badge_no", "name", "user__username"]
    raw_id_fields = ["user", "leader"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
