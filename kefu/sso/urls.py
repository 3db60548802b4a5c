from django.urls import path

from kefu.sso import oidc

# mozilla-django-oidc finds the callback by this un-namespaced name (it builds the redirect_uri from it)
urlpatterns = [
    path("oidc/start/", oidc.OidcSignIn.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", oidc.OidcCallback.as_view(), name="oidc_authentication_callback"),
]
