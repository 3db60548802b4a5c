"""Console pages of tags and custom fields; included in kefu.console.urls (names in the console namespace)."""

from django.urls import URLPattern, path

from kefu.fields import views

urlpatterns: list[URLPattern] = [
    path("", views.definitions, name="fields_definitions"),
    path("<int:pk>/", views.definition_edit, name="fields_definition_edit"),
    path("tags/suggest/", views.tag_suggestions, name="fields_tag_suggestions"),
    path("keys/", views.field_keys, name="fields_keys"),
    path("orders/<str:key>/values/", views.order_values, name="fields_order_values"),
    path("orders/<str:key>/tags/", views.order_tags, name="fields_order_tags"),
]
