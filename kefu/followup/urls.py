"""Console pages of followup; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern, path

from kefu.followup import views

urlpatterns: list[URLPattern] = [
    path("", views.followup_list, name="followup_list"),
    path("<int:task_id>/", views.followup_task, name="followup_task"),
]
