"""Console → Configuration (kefu.console.views_config); included under ``config/`` in the console namespace."""

from django.urls import URLPattern, path

from kefu.console import views_config as v
from kefu.console import views_config_sheets, views_config_sms
from kefu.console import views_config_texts as t

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
urlpatterns += [  # SMS templates and score sheets (kefu.console.views_config_sms, views_config_sheets)
    path("sms/", views_config_sms.config_sms, name="config_sms"),
    path("sms/<slug:code>/", views_config_sms.config_sms_edit, name="config_sms_edit"),
    path("sheets/", views_config_sheets.config_sheets, name="config_sheets"),
    path("sheets/new/", views_config_sheets.config_sheet_edit, name="config_sheet_new"),
    path("sheets/<int:pk>/", views_config_sheets.config_sheet_edit, name="config_sheet_edit"),
]

urlpatterns += [  # texts read in every language: greetings, handbook, company and branch names
    path("greetings/", t.config_greetings, name="config_greetings"),
    path("greetings/new/", t.config_greeting_edit, name="config_greeting_new"),
    path("greetings/<int:pk>/", t.config_greeting_edit, name="config_greeting_edit"),
    path("handbook/", t.config_handbook, name="config_handbook"),
    path("handbook/new/", t.config_handbook_edit, name="config_handbook_new"),
    path("handbook/<int:pk>/", t.config_handbook_edit, name="config_handbook_edit"),
    path("names/", t.config_names, name="config_names"),
    path("names/company/", t.config_company_names, name="config_company_names"),
    path("names/branches/<int:pk>/", t.config_branch_names, name="config_branch_names"),
]
