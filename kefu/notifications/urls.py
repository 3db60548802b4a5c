"""Console pages of notifications; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern, path

from kefu.notifications import views

urlpatterns: list[URLPattern] = [
    path("", views.notification_list, name="notification_list"),
    path("read-all/", views.mark_all_read, name="notification_read_all"),
    path("preferences/", views.preferences, name="notification_preferences"),
    path("<int:notification_id>/read/", views.mark_read, name="notification_read"),
    path("<int:notification_id>/open/", views.open_notification, name="notification_open"),
]
