"""Console pages of field-service booking; included in kefu.console.urls under /visits/ (console namespace)."""

from django.urls import URLPattern, path

from kefu.fieldservice import views_booking as v

urlpatterns: list[URLPattern] = [
    path("orders/<str:number>/windows/", v.windows, name="fs_windows"),
    path("orders/<str:number>/book/", v.book, name="fs_book"),
    path("<int:pk>/reschedule/", v.reschedule, name="fs_reschedule"),
    path("<int:pk>/cancel/", v.cancel, name="fs_cancel"),
    path("<int:pk>/missed/", v.missed, name="fs_missed"),
]
