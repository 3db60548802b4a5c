"""Portal pages of surveys (mounted under /portal/surveys/, names in the portal namespace)."""

from django.urls import URLPattern, path

from kefu.surveys import portal_views

urlpatterns: list[URLPattern] = [
    path("<str:token>/", portal_views.answer, name="survey_answer"),
]
