"""Resource indicators in token requests (RFC 8707 §2): the token's `aud` is the resource asked for."""

from urllib.parse import urlsplit

from oauth2_provider.oauth2_validators import is_valid_resource_uri
from oauthlib.oauth2 import BackendApplicationServer
from oauthlib.oauth2.rfc6749 import errors

from .conf import authserver_settings
from .dpop import require_dpop_for_bound_clients

PARAMETER = "resource"
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidTarget(errors.OAuth2Error):
    """RFC 8707 §2: a resource that is malformed, or one this server issues no tokens for."""

    error = "invalid_target"


def canonical(uri: str) -> tuple:
    """What makes two spellings of one resource the same (RFC 3986 §6.2.2 and §6.2.3): case of scheme and
    host, a default port, a trailing slash."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    port = parts.port or DEFAULT_PORTS.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port, parts.path.rstrip("/"), parts.query)


def served_resources() -> dict[tuple, str]:
    """`AUTHSERVER["RESOURCES"]`, the resources this server issues tokens for, by canonical form."""
    return {canonical(uri): uri for uri in authserver_settings.RESOURCES if isinstance(uri, str) and uri}


def requested_resources(request) -> list[str]:
    """Every `resource` of the token request, in order (oauthlib keeps only the last one)."""
    return [value for name, value in request.decoded_body or () if name == PARAMETER]


def validate_resources(request) -> None:
    """oauthlib post-token validator: sets `request.resources` to the served identifiers asked for.

    RFC 8707 §2: each value is an absolute URI without a fragment (django-oauth-toolkit's rule,
    which also refuses userinfo), and one this server serves; anything else is `invalid_target`.
    Runs after client authentication, so an unauthenticated caller learns nothing here.
    """
    served = served_resources()
    resources: list[str] = []
    for value in requested_resources(request):
        if not is_valid_resource_uri(value):
            raise InvalidTarget(
                description="Each resource must be an absolute URI without a fragment (RFC 8707 §2).",
                request=request,
            )
        identifier = served.get(canonical(value))
        if identifier is None:
            raise InvalidTarget(
                description=f"This server issues tokens for these resources only: {' '.join(served.values())}.",
                request=request,
            )
        if identifier not in resources:
            resources.append(identifier)
    request.resources = resources


class ResourceIndicatorServer(BackendApplicationServer):
    """oauthlib's client credentials server whose grant also validates `resource` (RFC 8707) and
    holds a client registered for DPoP to sending a proof (RFC 9449 §5.2)."""

    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        self.credentials_grant.custom_validators.post_token.append(validate_resources)
        self.credentials_grant.custom_validators.post_token.append(require_dpop_for_bound_clients)
