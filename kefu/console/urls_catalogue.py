"""The service catalogue editor (R-17); included in kefu.console.urls under ``catalogue/``."""

from django.urls import URLPattern, path

from kefu.console import views_catalogue as v

urlpatterns: list[URLPattern] = [
    path("", v.service_list, name="catalogue_list"),
    path("new/", v.service_edit, name="catalogue_new"),
    path("<int:pk>/", v.service_edit, name="catalogue_edit"),
    path("<int:pk>/preview/", v.service_preview, name="catalogue_preview"),
    path("<int:pk>/changes/<int:revision_id>/cancel/", v.revision_cancel, name="catalogue_revision_cancel"),
    path("<int:pk>/changes/<int:revision_id>/apply/", v.revision_apply, name="catalogue_revision_apply"),
]
