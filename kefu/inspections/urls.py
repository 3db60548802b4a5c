"""Console pages of inspections and training; included in kefu.console.urls (console namespace)."""

from django.urls import URLPattern, path

from kefu.inspections import views

urlpatterns: list[URLPattern] = [
    path("", views.inspection_list, name="inspection_list"),
    path("new/", views.inspection_new, name="inspection_new"),
    path("<int:inspection_id>/", views.inspection_detail, name="inspection_detail"),
    path("<int:inspection_id>/actions/", views.inspection_add_action, name="inspection_add_action"),
    path("<int:inspection_id>/publish/", views.inspection_publish, name="inspection_publish"),
    path("actions/<int:action_id>/done/", views.action_done, name="inspection_action_done"),
    path("plans/", views.plan_list, name="inspection_plans"),
    path("handbook/", views.handbook, name="training_handbook"),
    path("courses/", views.course_list, name="training_courses"),
    path("exams/<int:exam_id>/", views.exam_page, name="training_exam"),
    path("training/", views.training_overview, name="training_overview"),
]
