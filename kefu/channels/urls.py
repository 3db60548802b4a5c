"""Customer portal URLs (namespace ``portal``, mounted at /portal/)."""

from django.urls import path

from kefu.channels import portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
    path("new/", portal_views.submit, name="submit"),
    path("orders/<str:number>/", portal_views.order_detail, name="order_detail"),
    path("orders/<str:number>/reply/", portal_views.order_reply, name="order_reply"),
    path("files/<int:pk>/", portal_views.attachment_download, name="attachment"),
]
