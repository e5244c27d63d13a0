"""Okta's Apps API paths under `{base}/api/v1/apps`."""

from django.urls import path

from ..models import STATUS_ACTIVE, STATUS_INACTIVE
from . import credentials, views

APP = "api/v1/apps/<str:app_id>"
SECRET = f"{APP}/credentials/secrets/<str:secret_id>"
KEY = f"{APP}/credentials/jwks/<str:key_id>"


def lifecycle(prefix: str, view, name: str) -> list:
    """`{prefix}/lifecycle/activate` and `.../deactivate` (Okta's lifecycle operations), `view` told the status."""
    return [
        path(f"{prefix}/lifecycle/{operation}", view.as_view(status=status), name=f"{name}-{operation}")
        for operation, status in (("activate", STATUS_ACTIVE), ("deactivate", STATUS_INACTIVE))
    ]


urlpatterns = [
    path("api/v1/apps", views.AppListView.as_view(), name="okta-apps"),
    path(APP, views.AppDetailView.as_view(), name="okta-app"),
    *lifecycle(APP, views.AppLifecycleView, "okta-app"),
    path(f"{APP}/credentials/secrets", credentials.SecretListView.as_view(), name="okta-app-secrets"),
    path(SECRET, credentials.SecretView.as_view(), name="okta-app-secret"),
    *lifecycle(SECRET, credentials.SecretLifecycleView, "okta-app-secret"),
    path(f"{APP}/credentials/jwks", credentials.KeyListView.as_view(), name="okta-app-keys"),
    path(KEY, credentials.KeyView.as_view(), name="okta-app-key"),
    *lifecycle(KEY, credentials.KeyLifecycleView, "okta-app-key"),
]
