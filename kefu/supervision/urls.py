"""Console pages of supervision; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern, path

from kefu.supervision import views

urlpatterns: list[URLPattern] = [
    path("", views.record_list, name="supervision_list"),
    path("new/", views.record_new, name="supervision_new"),
    path("bulk/", views.records_bulk, name="supervision_bulk"),
    path("<int:record_id>/", views.record_detail, name="supervision_record"),
    path("transfers/<int:transfer_id>/sent-away/", views.report_sent_away, name="supervision_sent_away"),
    path("notices/", views.notice_list, name="supervision_notices"),
    path("notices/bulk/", views.notices_bulk, name="supervision_notices_bulk"),
    path("notices/order/<str:number>/", views.notice_issue, name="supervision_notice_issue"),
    path("notices/<int:notice_id>/answer/", views.notice_answer, name="supervision_notice_answer"),
    path("areas/", views.area_list, name="supervision_areas"),
]
