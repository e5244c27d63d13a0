"""The benchmark URL map: the project's, plus the baseline and the peers' variants of the hello view."""

from django.urls import path
from oauth2_provider.views import IntrospectTokenView

from ccproject.urls import urlpatterns as project_urlpatterns

from .peers import IntrospectionHelloView, OpenHelloView, PyJWKHelloView

urlpatterns = [
    path("bench/open", OpenHelloView.as_view()),
    path("bench/pyjwk", PyJWKHelloView.as_view()),
    path("bench/introspect", IntrospectionHelloView.as_view()),
    # django-oauth-toolkit's RFC 7662 endpoint, for when the embedded issuer has none of its own.
    path("bench/dot-introspect", IntrospectTokenView.as_view()),
    *project_urlpatterns,
]
