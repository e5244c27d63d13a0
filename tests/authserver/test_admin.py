"""The admin lists clients, keys and tokens without ever revealing a secret, a private key or a digest."""

import pytest
from django.urls import reverse

from authserver.keys import ensure_signing_key, rotate_signing_key
from authserver.models import AdminApiToken, Client, RevokedToken, SigningKey
from authserver.service_clients import create_service_client


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.test", "pw-admin-123")
    client.force_login(user)
    return client


@pytest.fixture
def secrets_in_db():
    new_client, client_secret = create_service_client(label="Billing", scopes=["hello:read"])
    ensure_signing_key()
    rotate_signing_key()
    record, raw_token = AdminApiToken.issue("ops")
    RevokedToken.objects.create(
        jti="AT.revoked-jti-value", client_id=new_client.client_id, expires_at="2999-01-01T00:00Z"
    )
    private_keys = list(SigningKey.objects.values_list("private_key_pem", flat=True))
    return {
        "client": new_client,
        "never_shown": [
            client_secret,
            new_client.client_secret,  # the hash
            raw_token,
            record.digest,
            *(pem.splitlines()[1] for pem in private_keys),
        ],
    }


def pages(client: Client, token: AdminApiToken) -> list[str]:
    key = SigningKey.objects.first()
    return [
        reverse("admin:authserver_client_changelist"),
        reverse("admin:authserver_client_change", args=[client.pk]),
        reverse("admin:authserver_signingkey_changelist"),
        reverse("admin:authserver_signingkey_change", args=[key.pk]),
        reverse("admin:authserver_adminapitoken_changelist"),
        reverse("admin:authserver_adminapitoken_change", args=[token.pk]),
        reverse("admin:authserver_revokedtoken_changelist"),
    ]


def test_pages_render_without_secrets(staff, secrets_in_db):
    for url in pages(secrets_in_db["client"], AdminApiToken.objects.get()):
        response = staff.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for secret in secrets_in_db["never_shown"]:
            assert secret not in content, url
    listing = staff.get(reverse("admin:authserver_client_changelist")).content.decode()
    assert "Billing" in listing and secrets_in_db["client"].client_id in listing
    keys = staff.get(reverse("admin:authserver_signingkey_changelist")).content.decode()
    assert "signing" in keys and "next" in keys


def test_no_add_pages(staff):
    for model in ("client", "signingkey", "adminapitoken", "revokedtoken"):
        assert staff.get(reverse(f"admin:authserver_{model}_add")).status_code == 403


def test_deactivate_and_activate_actions(staff, secrets_in_db):
    target = secrets_in_db["client"]
    url = reverse("admin:authserver_client_changelist")
    staff.post(url, {"action": "deactivate", "_selected_action": [target.pk]})
    target.refresh_from_db()
    assert target.status == Client.STATUS_INACTIVE
    staff.post(url, {"action": "activate", "_selected_action": [target.pk]})
    target.refresh_from_db()
    assert target.status == Client.STATUS_ACTIVE


def test_edit_scopes_keeps_the_secret_hash(staff, secrets_in_db):
    target = secrets_in_db["client"]
    before = target.client_secret
    response = staff.post(
        reverse("admin:authserver_client_change", args=[target.pk]),
        {
            "name": "Billing 2",
            "status": "ACTIVE",
            "allowed_scopes": "hello:read clients:manage",
            "token_endpoint_auth_method": "client_secret_post",
        },
    )
    assert response.status_code == 302, response.content
    target.refresh_from_db()
    assert target.allowed_scopes == "hello:read clients:manage"
    # An administrator grants: the client's own RFC 7592 updates may now ask for as much.
    assert target.scope_ceiling == "hello:read clients:manage"
    assert target.client_secret == before


def test_keys_cannot_be_deleted_or_edited(staff):
    key = ensure_signing_key()
    assert staff.post(reverse("admin:authserver_signingkey_delete", args=[key.pk]), {"post": "yes"}).status_code == 403
    assert SigningKey.objects.filter(pk=key.pk).exists()


def test_unknown_scopes_are_refused(staff, secrets_in_db):
    target = secrets_in_db["client"]
    response = staff.post(
        reverse("admin:authserver_client_change", args=[target.pk]),
        {
            "name": "Billing",
            "status": "ACTIVE",
            "allowed_scopes": "root:all",
            "token_endpoint_auth_method": "client_secret_basic",
        },
    )
    assert response.status_code == 200
    assert "unknown scope" in response.content.decode()
    target.refresh_from_db()
    assert target.allowed_scopes == "hello:read"


def test_the_admin_shows_only_what_client_credentials_uses(staff):
    from django.contrib import admin
    from oauth2_provider.models import (
        get_access_token_model,
        get_grant_model,
        get_id_token_model,
        get_refresh_token_model,
    )

    registered = set(admin.site._registry)
    for unused in (get_grant_model(), get_id_token_model(), get_refresh_token_model()):
        assert unused not in registered, unused
    assert {Client, SigningKey, AdminApiToken, RevokedToken, get_access_token_model()} <= registered
    index = staff.get(reverse("admin:index")).content.decode()
    for hidden in ("Grants", "Id tokens", "Refresh tokens"):
        assert hidden not in index
    assert "Access tokens" in index and "Clients" in index
    for name in ("grant", "idtoken", "refreshtoken"):
        assert staff.get(f"/admin/oauth2_provider/{name}/").status_code == 404
