"""The benchmark URL map: the project's, plus the baseline and the peers' variants of the hello view."""

from django.urls import path

from api.views import HelloView
from ccproject.urls import urlpatterns as project_urlpatterns

from .peers import IntrospectionHelloView, OpenHelloView, PyJWKHelloView
from .raw_verify import RawVerifyHelloView
from .roundtrip import RoundTripHelloView

# Every variant sits at the same depth of the URL map, so they differ by authentication only
# (`/` itself is the project map's first pattern, so it resolves in fewer steps than these).
urlpatterns = [
    path("bench/open", OpenHelloView.as_view()),
    path("bench/ours", HelloView.as_view()),
    path("bench/roundtrip", RoundTripHelloView.as_view()),
    path("bench/verify", RawVerifyHelloView.as_view()),
    path("bench/pyjwk", PyJWKHelloView.as_view()),
    path("bench/introspect", IntrospectionHelloView.as_view()),
    *project_urlpatterns,
]
