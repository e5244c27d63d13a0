"""The embedded server in the Django admin: clients, signing keys, admin API tokens, revocations.

Nothing here can show a client secret, a private key, a token or a token digest: those
fields are excluded from every form and list. Clients are created through the Apps API,
dynamic registration or the registration app (which show the secret once, to the caller);
keys through `manage.py rotate_signing_key`.
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from oauth2_provider.models import get_grant_model, get_id_token_model, get_refresh_token_model

from ccproject.read_only_admin import ReadOnlyModelAdmin

from .keys import key_state
from .models import AdminApiToken, Client, RevokedToken, SigningKey
from .service_clients import ClientMetadataError, clean_client_scopes


def hide_unused_toolkit_models(site: admin.AdminSite = admin.site) -> None:
    """Unregister django-oauth-toolkit's models that client credentials never uses.

    DOT registers an admin for every model it has; this server uses its Application (the
    `Client` below) and its AccessToken (only RFC 7592 registration access tokens live there),
    never authorization grants, ID tokens or refresh tokens. Called from `AuthserverConfig.ready()`,
    after the admin's autodiscovery: DOT's admin imports this module (its APPLICATION_ADMIN_CLASS)
    before it registers the rest, so doing it here at import would be too early.
    """
    for model in (get_grant_model(), get_id_token_model(), get_refresh_token_model()):
        if site.is_registered(model):
            site.unregister(model)


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ("name", "status", "allowed_scopes")

    def clean_allowed_scopes(self) -> str:
        try:
            return " ".join(clean_client_scopes(self.cleaned_data["allowed_scopes"], "allowed scopes"))
        except ClientMetadataError as exc:
            raise forms.ValidationError(exc.causes) from exc

    def save(self, commit: bool = True) -> Client:
        # An administrator grants: what they allow is also the most the client's own RFC 7592
        # updates may ask for from now on.
        self.instance.scope_ceiling = self.cleaned_data["allowed_scopes"]
        return super().save(commit)


class ClientAdmin(admin.ModelAdmin):
    """django-oauth-toolkit's `APPLICATION_ADMIN_CLASS` for `authserver.Client`."""

    form = ClientForm
    list_display = ("name", "client_id", "status", "allowed_scopes", "registration_source", "created")
    list_filter = ("status", "registration_source", "token_endpoint_auth_method")
    search_fields = ("name", "client_id", "app_id")
    ordering = ("-created",)
    fields = (
        "name",
        "client_id",
        "app_id",
        "status",
        "allowed_scopes",
        "token_endpoint_auth_method",
        "jwks_uri",
        "credentials",
        "authorization_grant_type",
        "registration_source",
        "created",
        "updated",
    )
    readonly_fields = (
        "credentials",
        "client_id",
        "app_id",
        # Switching between a secret and private_key_jwt needs new credentials: register anew.
        "token_endpoint_auth_method",
        "jwks_uri",
        "authorization_grant_type",
        "registration_source",
        "created",
        "updated",
    )
    actions = ("activate", "deactivate")

    @admin.display(description="secrets and keys")
    def credentials(self, client: Client) -> str:
        """Ids, fingerprints and statuses only; they change through the Apps API or registration (Okta's rules)."""
        secrets = [f"secret {s.secret_id} {s.secret_hash or '-'} {s.status}" for s in client.secrets.all()]
        keys = [f"key {k.key_id} kid={k.kid} {k.status}" for k in client.keys.all()]
        return "; ".join(secrets + keys) or "-"

    def has_add_permission(self, request) -> bool:
        # A new client's secret can only be shown once, to whoever created it; the admin
        # would have to put it in a page or a message cookie. Use the Apps API or registration.
        return False

    @admin.action(description="Activate selected clients")
    def activate(self, request, queryset):
        count = queryset.update(status=Client.STATUS_ACTIVE, updated=timezone.now())
        self.message_user(request, f"{count} client(s) activated.", messages.SUCCESS)

    @admin.action(description="Deactivate selected clients (they can no longer get tokens)")
    def deactivate(self, request, queryset):
        count = queryset.update(status=Client.STATUS_INACTIVE, updated=timezone.now())
        self.message_user(request, f"{count} client(s) deactivated.", messages.SUCCESS)


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyModelAdmin):
    """Read-only: keys are created and rotated by `manage.py rotate_signing_key`, never edited by hand.

    Nor deleted: deleting a published key would break every unexpired token it signed.
    """

    list_display = ("kid", "algorithm", "state", "created_at", "activates_at", "deactivated_at", "publish_until")
    list_filter = ("algorithm",)
    search_fields = ("kid",)
    fields = (
        "kid",
        "algorithm",
        "state",
        "created_at",
        "activates_at",
        "deactivated_at",
        "publish_until",
        "retired_at",
    )
    readonly_fields = fields

    @admin.display(description="state")
    def state(self, key: SigningKey) -> str:
        return key_state(key)

    def get_queryset(self, request):
        # `state` tells the truth without retiring anything: a key past `publish_until` reads as retired.
        return super().get_queryset(request).defer("private_key_pem")


@admin.register(AdminApiToken)
class AdminApiTokenAdmin(admin.ModelAdmin):
    """Tokens are shown by name and prefix only; an admin can deactivate one, not read it."""

    list_display = ("name", "prefix", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix")
    fields = ("name", "prefix", "is_active", "created_at")
    readonly_fields = ("prefix", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RevokedToken)
class RevokedTokenAdmin(admin.ModelAdmin):
    list_display = ("client_id", "jti_prefix", "revoked_at", "expires_at")
    search_fields = ("client_id",)
    fields = ("client_id", "jti_prefix", "revoked_at", "expires_at")
    readonly_fields = fields

    @admin.display(description="jti")
    def jti_prefix(self, token: RevokedToken) -> str:
        return token.jti[:12] + "…"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
