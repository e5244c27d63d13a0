"""Okta's Apps API paths under `{base}/api/v1/apps`."""

from django.urls import path

from ..models import Client
from . import views

urlpatterns = [
    path("api/v1/apps", views.AppListView.as_view(), name="okta-apps"),
    path("api/v1/apps/<str:app_id>", views.AppDetailView.as_view(), name="okta-app"),
    path(
        "api/v1/apps/<str:app_id>/lifecycle/activate",
        views.AppLifecycleView.as_view(status=Client.STATUS_ACTIVE),
        name="okta-app-activate",
    ),
    path(
        "api/v1/apps/<str:app_id>/lifecycle/deactivate",
        views.AppLifecycleView.as_view(status=Client.STATUS_INACTIVE),
        name="okta-app-deactivate",
    ),
]
