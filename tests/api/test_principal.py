"""`ClientPrincipal`, `request.user` of a token: a client, never a staff user, and it holds no Django permission."""

import pytest
from django.urls import path
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.principal import ClientPrincipal
from conftest import KID, claims_at, raw_token

PRINCIPAL = ClientPrincipal("0oaclient", frozenset({"hello:read", "clients:manage"}), "https://issuer.test", None)


def test_a_principal_is_its_client_and_nothing_more():
    assert (PRINCIPAL.pk, PRINCIPAL.id, str(PRINCIPAL), PRINCIPAL.get_username()) == ("0oaclient",) * 4
    assert PRINCIPAL.is_authenticated and PRINCIPAL.is_active and not PRINCIPAL.is_anonymous
    assert not PRINCIPAL.is_staff and not PRINCIPAL.is_superuser


@pytest.mark.parametrize("perm", ["registration.change_registeredclient", "auth.add_user", "admin.view_logentry"])
def test_a_principal_holds_no_django_permission_whatever_its_scopes(perm):
    assert not PRINCIPAL.has_perm(perm)
    assert not PRINCIPAL.has_perms([perm])
    assert not PRINCIPAL.has_module_perms(perm.split(".")[0])


def test_a_principal_is_frozen():
    with pytest.raises(AttributeError):
        PRINCIPAL.client_id = "someone-else"  # type: ignore[misc]


class StaffOnlyView(APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]

    def get(self, request):
        return Response("staff")


class AnyClientView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"client": request.user.client_id})


urlpatterns = [path("staff/", StaffOnlyView.as_view()), path("client/", AnyClientView.as_view())]


@pytest.fixture(autouse=True)
def _urls(settings, issuer_http):
    settings.ROOT_URLCONF = __name__


def test_a_token_with_every_scope_is_still_no_staff_user(api_client, rsa_key, clock):
    token = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now, scp=["clients:manage", "admin"]), rsa_key)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/json"}
    assert api_client.get("/client/", **auth).json() == {"client": "client-1"}
    refused = api_client.get("/staff/", **auth)
    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied" and refused.json()["error_description"]
