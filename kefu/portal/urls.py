"""Customer portal URLs (namespace ``portal``, mounted at /portal/)."""

from django.urls import include, path

from kefu.portal import public_views as portal_public_views
from kefu.portal import rights_views
from kefu.portal import unsubscribe as portal_unsubscribe
from kefu.portal import views as portal_views
from kefu.portal import visits as portal_visits

app_name = "portal"
urlpatterns = [
    path("", portal_views.home, name="home"),
    path("new/", portal_views.submit, name="submit"),
    path("orders/<str:number>/", portal_views.order_detail, name="order_detail"),
    path("orders/<str:number>/reply/", portal_views.order_reply, name="order_reply"),
    path("orders/<str:number>/visit/", portal_visits.visit, name="visit"),  # book / change a visit
    path("files/<int:pk>/", portal_views.attachment_download, name="attachment"),
    path("my-data/", rights_views.my_data, name="my_data"),  # the customer's rights (docs/privacy.md)
    path("my-data/copies/<int:pk>.<str:fmt>", rights_views.copy_download, name="my_data_copy"),
    path("signin/", portal_public_views.signin, name="signin"),
    path("signin/link/<str:token>/", portal_public_views.signin_link, name="signin_link"),
    path("password/", portal_public_views.password, name="password"),
    path("report/", portal_public_views.report, name="report"),
    path("report/done/", portal_public_views.report_done, name="report_done"),
    path("services/materials/", portal_public_views.service_materials, name="service_materials"),
    path("surveys/", include("kefu.surveys.portal_urls")),  # answer a survey invitation
    # one-click unsubscribe of e-mail reminders and marketing (RFC 8058; docs/privacy.md)
    path("unsubscribe/<str:token>/", portal_unsubscribe.unsubscribe, name="unsubscribe"),
    path("faq/", include("kefu.knowledge.portal_urls")),  # self-service questions and answers
    path("visit/", include("kefu.fieldservice.portal_urls")),  # the visit link of messages
]
