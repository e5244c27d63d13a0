"""URLs of the resource server: the hello endpoint, its probes and its protected resource metadata (RFC 9728 §3.1)."""

from django.urls import path

from .health import livez, readyz
from .resource import WELL_KNOWN
from .resource_metadata import ProtectedResourceMetadataView
from .views import HelloView

urlpatterns = [
    path("", HelloView.as_view(), name="hello"),
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
    path(WELL_KNOWN.lstrip("/"), ProtectedResourceMetadataView.as_view(), name="resource-metadata"),
    # The path-aware form, for a RESOURCE with a path: `/.well-known/oauth-protected-resource/{path}`.
    path(
        WELL_KNOWN.lstrip("/") + "/<path:resource_path_suffix>",
        ProtectedResourceMetadataView.as_view(),
        name="resource-metadata-path",
    ),
]
