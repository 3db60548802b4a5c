"""Console pages of standards; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern, path

from kefu.standards import views

urlpatterns: list[URLPattern] = [
    path("", views.phrases, name="standards_phrases"),
    path("violations/", views.violations, name="standards_violations"),
    path("check/<str:key>/", views.check, name="standards_check"),
    path("phrases/<str:key>/", views.phrase_options, name="standards_phrase_options"),
]
