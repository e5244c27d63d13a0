"""Okta's Apps API paths under `{base}/api/v1/apps`."""

from django.urls import path

from ..models import STATUS_ACTIVE, STATUS_INACTIVE, Client
from . import credentials, views

APP = "api/v1/apps/<str:app_id>"
SECRET = f"{APP}/credentials/secrets/<str:secret_id>"
KEY = f"{APP}/credentials/jwks/<str:key_id>"

urlpatterns = [
    path("api/v1/apps", views.AppListView.as_view(), name="okta-apps"),
    path(APP, views.AppDetailView.as_view(), name="okta-app"),
    path(
        f"{APP}/lifecycle/activate",
        views.AppLifecycleView.as_view(status=Client.STATUS_ACTIVE),
        name="okta-app-activate",
    ),
    path(
        f"{APP}/lifecycle/deactivate",
        views.AppLifecycleView.as_view(status=Client.STATUS_INACTIVE),
        name="okta-app-deactivate",
    ),
    path(f"{APP}/credentials/secrets", credentials.SecretListView.as_view(), name="okta-app-secrets"),
    path(SECRET, credentials.SecretView.as_view(), name="okta-app-secret"),
    path(
        f"{SECRET}/lifecycle/activate",
        credentials.SecretLifecycleView.as_view(status=STATUS_ACTIVE),
        name="okta-app-secret-activate",
    ),
    path(
        f"{SECRET}/lifecycle/deactivate",
        credentials.SecretLifecycleView.as_view(status=STATUS_INACTIVE),
        name="okta-app-secret-deactivate",
    ),
    path(f"{APP}/credentials/jwks", credentials.KeyListView.as_view(), name="okta-app-keys"),
    path(KEY, credentials.KeyView.as_view(), name="okta-app-key"),
    path(
        f"{KEY}/lifecycle/activate",
        credentials.KeyLifecycleView.as_view(status=STATUS_ACTIVE),
        name="okta-app-key-activate",
    ),
    path(
        f"{KEY}/lifecycle/deactivate",
        credentials.KeyLifecycleView.as_view(status=STATUS_INACTIVE),
        name="okta-app-key-deactivate",
    ),
]
