"""The URL map: the API at the root, the embedded authorization server, the admin site."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("authserver.urls")),
    path("", include("api.urls")),
]
