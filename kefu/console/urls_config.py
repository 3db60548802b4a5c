"""Console → Configuration (kefu.console.views_config); included under ``config/`` in the console namespace."""

from django.urls import URLPattern, path

from kefu.console import views_config as v

urlpatterns: list[URLPattern] = [
    path("", v.config_index, name="config_index"),
    path("calendars/", v.config_calendars, name="config_calendars"),
    path("calendars/<int:pk>/", v.config_calendar, name="config_calendar"),
    path("outlets/", v.config_outlets, name="config_outlets"),
    path("outlets/new/", v.config_outlet_edit, name="config_outlet_new"),
    path("outlets/<int:pk>/", v.config_outlet_edit, name="config_outlet_edit"),
    path("areas/", v.config_areas, name="config_areas"),
    path("areas/new/", v.config_area_edit, name="config_area_new"),
    path("areas/<int:pk>/", v.config_area_edit, name="config_area_edit"),
    path("phrases/", v.config_phrases, name="config_phrases"),
    path("phrases/new/", v.config_phrase_edit, name="config_phrase_new"),
    path("phrases/<int:pk>/", v.config_phrase_edit, name="config_phrase_edit"),
    path("forbidden/new/", v.config_forbidden_edit, name="config_forbidden_new"),
    path("forbidden/<int:pk>/", v.config_forbidden_edit, name="config_forbidden_edit"),
    path("revisions/<int:pk>/cancel/", v.config_revision_cancel, name="config_revision_cancel"),
]
