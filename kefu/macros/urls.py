"""Macro and saved-view pages (included under /macros/ in the console's namespace)."""

from django.urls import path

from kefu.macros import views as v

urlpatterns = [
    path("", v.macro_list, name="macro_list"),
    path("new/", v.macro_edit, name="macro_create"),
    path("<int:pk>/", v.macro_edit, name="macro_edit"),
    path("<int:pk>/delete/", v.macro_delete, name="macro_delete"),
    path("preview/", v.macro_preview, name="macro_preview"),
    path("apply/", v.macro_apply, name="macro_apply"),
    path("order/<str:key>/", v.macro_picker, name="macro_picker"),
    path("views/", v.view_list, name="view_list"),
    path("views/menu/", v.view_menu, name="view_menu"),
    path("views/new/", v.view_create, name="view_create"),
    path("views/<int:pk>/", v.view_edit, name="view_edit"),
    path("views/<int:pk>/delete/", v.view_delete, name="view_delete"),
]
