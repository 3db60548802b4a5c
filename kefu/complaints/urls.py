"""Console pages of complaints; included in kefu.console.urls (names live in the console namespace)."""

from django.urls import URLPattern, path

from kefu.complaints import views

urlpatterns: list[URLPattern] = [
    path("", views.index, name="complaints"),
    path("orders/<str:key>/type/", views.order_type, name="complaints_order_type"),
    path("orders/<str:key>/classify/", views.order_classify, name="complaints_classify"),
    path("orders/<str:key>/steps/", views.order_step, name="complaints_step"),
    path("orders/<str:key>/compensation/", views.order_compensation, name="complaints_compensation"),
    path("compensation/<int:pk>/decide/", views.compensation_decide, name="complaints_decide"),
]
