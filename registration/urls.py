"""URLs of the registration API."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ClientViewSet, RegisterView

router = SimpleRouter()
router.register("clients", ClientViewSet, basename="registered-client")

urlpatterns = [path("register/", RegisterView.as_view(), name="register"), *router.urls]
