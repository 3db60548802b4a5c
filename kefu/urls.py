from django.contrib import admin
from django.urls import include, path

from kefu.api import api
from kefu.console import auth_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("portal/", include("kefu.channels.urls")),
    path("", include("kefu.console.urls")),
]
