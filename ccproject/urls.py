"""The URL map: the API and its metrics, the OpenAPI schema and docs, registration, the embedded issuer, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .metrics_view import metrics

urlpatterns = [
    # The API's own routes first: a request to the hello view tries only these, never the
    # issuer's and registration's patterns (Django tries the patterns in order).
    path("", include("api.urls")),
    # Prometheus' scrape target: loopback and METRICS_ALLOWED_IPS only (ccproject/metrics_view.py).
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from a URL, not inline: it works under a strict CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("", include("authserver.urls")),
    path("", include("registration.urls")),
]
