from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model, password_validation
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kefu.audit.admin_mixins import AuditedAdmin
from kefu.organization.models import ApiToken, Branch, Company, Department, Outlet, ServiceArea, Staff


@admin.register(Company)
class CompanyAdmin(AuditedAdmin):
    list_display = ["name", "hotline", "email", "website"]


class OutletInline(admin.TabularInline):
    model = Outlet
    extra = 0


@admin.register(Branch)
class BranchAdmin(AuditedAdmin):
    list_display = ["code", "name", "time_zone", "phone"]
    search_fields = ["code", "name"]
    inlines = [OutletInline]


@admin.register(Outlet)
class OutletAdmin(AuditedAdmin):
    list_display = ["name", "branch", "address", "phone", "opening_hours"]
    list_filter = ["branch"]
    search_fields = ["name", "address"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "branch", "leader"]
    list_filter = ["branch"]
    raw_id_fields = ["leader"]


@admin.register(ServiceArea)
class ServiceAreaAdmin(AuditedAdmin):
    list_display = ["code", "name", "branch", "kind", "households", "outlet"]
    list_filter = ["branch", "kind"]
    search_fields = ["code", "name"]
    filter_horizontal = ["responsible"]


class StaffCreationForm(forms.ModelForm):
    """New staff member together with their login."""

    username = forms.CharField(label=_("login name"), max_length=150)
    password = forms.CharField(label=_("initial password"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = Staff
        fields = [
            "name",
            "badge_no",
            "role",
            "branch",
            "department",
            "leader",
            "grade",
            "hired_on",
            "phone",
            "wecom_userid",
            "photo",
            "is_active",
        ]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This login name is already taken."))
        return username

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


@admin.register(Staff)
class StaffAdmin(AuditedAdmin):
    list_display = ["badge_no", "name", "role", "branch", "department", "leader", "grade", "is_active"]
    list_filter = ["role", "branch", "is_active"]
    search_fields = ["badge_no", "name", "user__username"]
    raw_id_fields = ["user", "leader"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = StaffCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if obj is None:
            fields = [
                "username",
                "password",
                *[f for f in fields if f not in ("username", "password", "user")],
            ]
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            user = get_user_model().objects.create_user(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                is_staff=obj.role == "admin",
                is_superuser=obj.role == "admin",
            )
            obj.user = user
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["user", "name", "prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created with `kefu token create` (the secret is shown once)
