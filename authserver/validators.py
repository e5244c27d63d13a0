"""oauthlib request validation for the embedded server: client credentials with per-client scopes."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from .conf import authserver_setting


class ClientCredentialsValidator(OAuth2Validator):
    """django-oauth-toolkit's validator, held to Okta's scope rules.

    Requested scopes must all be allowed for the client (`invalid_scope` otherwise, where
    lenient servers silently drop them); no requested scope means the server's default
    scopes that the client is allowed, and `invalid_scope` when that leaves none.
    """

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        return bool(scopes) and set(scopes).issubset(client.allowed_scope_list)

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        allowed = request.client.allowed_scope_list if request.client else []
        return [scope for scope in authserver_setting("DEFAULT_SCOPES") if scope in allowed]
