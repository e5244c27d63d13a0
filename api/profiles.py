"""Issuer profiles: how each identity provider shapes a client-credentials access token (data, no logic)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class IssuerProfile:
    """Where one provider's access tokens name the client and its scopes, and what else must hold.

    - `client_claims`: the claims that name the client; at least one is present and all agree.
    - `scope_claims`: the first of these present gives the scopes (an array, or a space-delimited
      string, RFC 9068 §2.2.3); `extra_scope_claims` are arrays whose entries count as scopes
      too (Auth0's RBAC `permissions`, Entra's application `roles`).
    - `needs_scope_claim`: a token with none of those claims is refused (not an access token).
    - `check_audience`: `aud` must name this API; False only where the provider puts no `aud`
      in access tokens, and then `needs_allowed_clients` makes a system check insist on
      `ALLOWED_CLIENT_IDS`, the only thing that binds such a token to this API.
    - `required_values`: claims that must be present with exactly this value;
      `expected_values`: claims that, when present, must have this value.
    - `strict_rfc9068`: RFC 9068 strict mode (`typ` `at+jwt`, every §2.2 claim).
    - `roles_client`: the roles of one named client in Keycloak's `resource_access` may count
      as scopes (the issuer's `RESOURCE_ACCESS_CLIENT`).
    """

    name: str
    client_claims: tuple[str, ...] = ("cid", "client_id", "azp")
    scope_claims: tuple[str, ...] = ("scp", "scope")
    extra_scope_claims: tuple[str, ...] = ()
    needs_scope_claim: bool = False
    check_audience: bool = True
    needs_allowed_clients: bool = False
    required_values: tuple[tuple[str, str], ...] = ()
    expected_values: tuple[tuple[str, str], ...] = ()
    strict_rfc9068: bool = False
    roles_client: bool = False


# Today's rules: Okta's `cid`/`scp`, RFC 9068's `client_id`/`scope`, `azp`; nothing else.
STANDARD = IssuerProfile("standard")

PROFILES: dict[str, IssuerProfile] = {
    profile.name: profile
    for profile in (
        STANDARD,
        # Okta: `cid` and `scp` (an array); today's rules, named for the recipe.
        IssuerProfile("okta"),
        # RFC 9068 strictly: `typ` `at+jwt` and `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`.
        IssuerProfile("rfc9068", strict_rfc9068=True),
        # Auth0: `azp` (or `client_id` in its RFC 9068 dialect); with RBAC, `permissions` count as scopes.
        IssuerProfile(
            "auth0", client_claims=("azp", "client_id"), scope_claims=("scope",), extra_scope_claims=("permissions",)
        ),
        # Keycloak: `azp` (and `client_id` on service accounts); an ID token says `typ: ID`.
        IssuerProfile(
            "keycloak",
            client_claims=("azp", "client_id"),
            scope_claims=("scope",),
            expected_values=(("typ", "Bearer"),),
            roles_client=True,
        ),
        # Amazon Cognito: `client_id`, no `aud`; an ID token says `token_use: id`.
        IssuerProfile(
            "cognito",
            client_claims=("client_id",),
            scope_claims=("scope",),
            check_audience=False,
            needs_allowed_clients=True,
            required_values=(("token_use", "access"),),
        ),
        # Microsoft Entra ID: `azp` (v2.0) or `appid` (v1.0); application permissions arrive as
        # `roles`, delegated ones as `scp`; Microsoft.Identity.Web refuses a token with neither.
        IssuerProfile(
            "entra",
            client_claims=("azp", "appid"),
            scope_claims=("scp",),
            extra_scope_claims=("roles",),
            needs_scope_claim=True,
        ),
    )
}
