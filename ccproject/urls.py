"""The URL map: the API at the root, client registration, the embedded authorization server, the admin site."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
    path("", include("authserver.urls")),
    path("", include("registration.urls")),
    path("", include("api.urls")),
]
