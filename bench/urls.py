"""The benchmark URL map: the project's, plus the baseline and the peers' variants of the hello view."""

from django.urls import path

from ccproject.urls import urlpatterns as project_urlpatterns

from .peers import IntrospectionHelloView, OpenHelloView, PyJWKHelloView

urlpatterns = [
    path("bench/open", OpenHelloView.as_view()),
    path("bench/pyjwk", PyJWKHelloView.as_view()),
    path("bench/introspect", IntrospectionHelloView.as_view()),
    *project_urlpatterns,
]
