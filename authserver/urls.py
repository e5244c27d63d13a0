"""Okta's URL layout for a custom authorization server: `{base}/oauth2/{server_id}/...`."""

from django.urls import include, path, re_path

from ccproject.not_found import unknown_path

from . import views
from .apps_api.views import unknown_apps_api_path

urlpatterns = [
    path("", include("authserver.apps_api.urls")),
    path("", include("authserver.dcr.urls")),
    path("oauth2/<slug:server_id>/v1/authorize", views.AuthorizeView.as_view(), name="authserver-authorize"),
    path("oauth2/<slug:server_id>/v1/token", views.TokenView.as_view(), name="authserver-token"),
    path("oauth2/<slug:server_id>/v1/introspect", views.IntrospectView.as_view(), name="authserver-introspect"),
    path("oauth2/<slug:server_id>/v1/revoke", views.RevokeView.as_view(), name="authserver-revoke"),
    path("oauth2/<slug:server_id>/v1/keys", views.KeysView.as_view(), name="authserver-keys"),
    path(
        "oauth2/<slug:server_id>/.well-known/oauth-authorization-server",
        views.MetadataView.as_view(),
        name="authserver-metadata",
    ),
    path(
        "oauth2/<slug:server_id>/.well-known/openid-configuration",
        views.MetadataView.as_view(),
        name="authserver-openid-configuration",
    ),
    # RFC 8414 §3.1: the well-known segment inserted before the issuer's path.
    path(
        ".well-known/oauth-authorization-server/oauth2/<slug:server_id>",
        views.MetadataView.as_view(),
        name="authserver-metadata-inserted",
    ),
    # Last: any other path of the embedded server answers a JSON 404, never Django's HTML page.
    re_path(r"^api/v1/", unknown_apps_api_path),
    re_path(r"^oauth2/", unknown_path),
]
