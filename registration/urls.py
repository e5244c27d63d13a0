"""URLs of the registration API."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from ccproject.not_found import unknown_path

from .views import ClientViewSet, RegisterView

router = SimpleRouter()
router.register("clients", ClientViewSet, basename="registered-client")

urlpatterns = [
    path("register/", RegisterView.as_view(), name="register"),
    *router.urls,
    # Last: any other path under the API's prefixes answers a JSON 404, never Django's HTML page.
    re_path(r"^(?:register|clients)/", unknown_path),
]
