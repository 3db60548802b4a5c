"""Console pages of safety-check campaigns; included in kefu.console.urls (console namespace)."""

from django.urls import URLPattern, path

from kefu.fieldservice import views_campaigns as views

urlpatterns: list[URLPattern] = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("<int:campaign_id>/batch/", views.campaign_batch, name="campaign_batch"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:campaign_id>/active/", views.campaign_active, name="campaign_active"),
    path("<int:campaign_id>/letters/", views.campaign_letters, name="campaign_letters"),
    path(
        "<int:campaign_id>/households/<int:household_id>/refusal/",
        views.campaign_refusal,
        name="campaign_refusal",
    ),
]
