"""Privacy pages (included under /privacy/ in the console's namespace)."""

from django.urls import path

from kefu.privacy import views

urlpatterns = [
    path("customers/<int:pk>/reveal/<str:field>/", views.reveal, name="privacy_reveal"),
    path("customers/<int:pk>/access/", views.customer_access, name="privacy_customer_access"),
    path("unusual/", views.unusual_access, name="privacy_unusual"),
]
