from django.contrib import admin
from django.urls import include, path

from kefu.api import api
from kefu.console import auth_views
from kefu.portal import disclosure

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("sso/", include("kefu.sso.urls")),
    path("portal/", include("kefu.portal.urls")),
    path("disclosure/", disclosure.disclosure, name="disclosure"),
    path("disclosure/staff/<str:badge_no>/photo/", disclosure.staff_photo, name="disclosure_staff_photo"),
    path("", include("kefu.console.urls")),
]
