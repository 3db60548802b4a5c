"""Console pages of reports; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern, path

from kefu.reports import views, views_send_backs, views_visits

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="reports_dashboard"),
    path("formulas/", views.formulas, name="reports_formulas"),
    path("kpis/<str:dim>/", views.kpi_report, name="reports_kpis"),
    path("assessment/<str:dim>/", views.assessment, name="reports_assessment"),
    path("branches/", views.branches, name="reports_branches"),
    path("mine/", views.my_sheet, name="reports_my_sheet"),
    path("send-backs/", views_send_backs.send_back_report, name="reports_send_backs"),
    path("visits/", views_visits.visit_report, name="reports_visits"),  # visits kept
    path("drill/<str:kpi>/<str:dim>/<int:key>/", views.drill, name="reports_drill"),
]
