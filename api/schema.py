"""OpenAPI for bearer-protected views: the `oauth2` client-credentials scheme and RFC 6750 error responses."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .conf import api_settings
from .discovery import token_endpoint
from .dpop import DISABLED, REQUIRED, view_policy
from .resource import metadata_url

SCHEME_NAME = "oauth2"
DPOP_SCHEME_NAME = "dpop"
ERROR_SCHEMA = "OAuthError"

# The error responses of a bearer-protected operation (RFC 6750 §3.1), each with an example
# taken from what the API really answers.
ERROR_RESPONSES: dict[str, dict[str, Any]] = {
    "400": {
        "description": "Malformed `Authorization` header (RFC 6750 §3.1 `invalid_request`).",
        "header": "WWW-Authenticate",
        "example": {
            "error": "invalid_request",
            "error_description": "The Authorization header must be 'Bearer' followed by exactly one token.",
        },
    },
    "401": {
        "description": (
            'No bearer token (a bare `Bearer realm="api"` challenge, `error` is `unauthorized`), or a token '
            "that is invalid: bad signature, expired, wrong issuer or audience, unknown key (`invalid_token`)."
        ),
        "header": "WWW-Authenticate",
        "example": {"error": "invalid_token", "error_description": "The access token expired."},
    },
    "403": {
        "description": "The token lacks a scope this operation needs (RFC 6750 §3.1 `insufficient_scope`).",
        "header": "WWW-Authenticate",
        "example": {
            "error": "insufficient_scope",
            "error_description": "The access token lacks a scope this request needs: hello:read.",
            "scope": "hello:read",
        },
    },
    "503": {
        "description": "The issuer's signing keys cannot be had right now; the token is not at fault. Retry later.",
        "header": "Retry-After",
        "example": {
            "error": "temporarily_unavailable",
            "error_description": "The issuer's signing keys are unavailable: connection refused",
        },
    },
}

HEADERS = {
    "WWW-Authenticate": {
        "description": 'The RFC 6750 §3 challenge, e.g. `Bearer realm="api", error="invalid_token", ...`.',
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
}


def required_scopes(view) -> list[str]:
    """The scopes a view's permissions require (those with `get_scopes`, like `TokenHasScope`)."""
    scopes: list[str] = []
    for permission in view.get_permissions():
        get_scopes = getattr(permission, "get_scopes", None)
        if get_scopes is not None:
            scopes.extend(get_scopes(None, view))
    return sorted(set(scopes))


class OAuthClientCredentialsScheme(OpenApiAuthenticationExtension):
    """`OAuthClientCredentialsAuthentication` as an OAuth 2.0 `clientCredentials` security scheme.

    Each operation requires the scopes its permissions name; `postprocess_oauth2` then lists
    every such scope in the scheme, so Swagger UI's Authorize dialog offers exactly those.
    """

    target_class = "api.authentication.OAuthClientCredentialsAuthentication"
    name = [SCHEME_NAME, DPOP_SCHEME_NAME]
    match_subclasses = True

    def get_security_definition(self, auto_schema) -> list[dict]:
        oauth2 = {
            "type": "oauth2",
            "description": (
                "OAuth 2.0 client credentials (RFC 6749 §4.4): the client gets an access token (a JWT) from the "
                f"issuer {api_settings.ISSUER} and sends it as `Authorization: Bearer <token>`. "
                "Swagger UI's Authorize posts the client id and secret to the token endpoint from this page: "
                "open the page on the token endpoint's origin, or let the issuer allow this page's origin (CORS). "
                f"Clients discover all of this from the protected resource metadata (RFC 9728) at {metadata_url()}."
            ),
            "flows": {"clientCredentials": {"tokenUrl": token_endpoint(), "scopes": {}}},
            # RFC 9728 §5.1's `resource_metadata`, for tools that read the schema rather than a 401.
            "x-resource-metadata": metadata_url(),
        }
        dpop = {
            "type": "http",
            "scheme": "DPoP",
            "description": (
                "A DPoP-bound access token (RFC 9449) from the same token endpoint, sent as "
                "`Authorization: DPoP <token>` with a `DPoP` header: a proof signed by the client's key "
                f"({', '.join(api_settings.DPOP_ALGORITHMS)}), new for every request, naming the method, the URL "
                "without query and the token's hash (`ath`). A token bound to a key (`cnf.jkt`) is refused as Bearer."
            ),
        }
        return [oauth2, dpop]

    def get_security_requirement(self, auto_schema) -> list[dict]:
        """Bearer or DPoP as the view's `dpop` policy allows (alternatives: a list of requirements)."""
        policy = view_policy(auto_schema.view)
        requirements = []
        if policy != REQUIRED:
            requirements.append({SCHEME_NAME: required_scopes(auto_schema.view)})
        if policy != DISABLED:
            requirements.append({DPOP_SCHEME_NAME: []})
        return requirements


def postprocess_oauth2(result: dict, generator, request, public: bool, **kwargs) -> dict:
    """Fill the scheme's scopes and add the RFC 6750 error responses to every protected operation."""
    components = result.setdefault("components", {})
    scheme = components.get("securitySchemes", {}).get(SCHEME_NAME)
    if scheme is None:
        return result
    scopes: dict[str, list[str]] = {}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            requirements = [req for req in operation.get("security", []) if SCHEME_NAME in req]
            if not requirements:
                continue
            needed = sorted({scope for req in requirements for scope in req[SCHEME_NAME]})
            for scope in needed:
                scopes.setdefault(scope, []).append(f"{method.upper()} {path}")
            _add_error_responses(operation, with_scope=bool(needed))
    scheme["flows"]["clientCredentials"]["scopes"] = {
        scope: "Required by " + ", ".join(operations) for scope, operations in sorted(scopes.items())
    }
    components.setdefault("schemas", {})[ERROR_SCHEMA] = {
        "type": "object",
        "description": "An RFC 6750 §3 / RFC 6749 §5.2 error; never echoes the token.",
        "properties": {
            "error": {"type": "string", "description": "A machine-readable error code."},
            "error_description": {"type": "string", "description": "What went wrong and how to fix it."},
        },
        "required": ["error", "error_description"],
    }
    return result


def _add_error_responses(operation: dict, *, with_scope: bool) -> None:
    responses = operation.setdefault("responses", {})
    for status, spec in ERROR_RESPONSES.items():
        if status in responses or (status == "403" and not with_scope):
            continue
        responses[status] = {
            "description": spec["description"],
            "headers": {spec["header"]: HEADERS[spec["header"]]},
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"},
                    "example": spec["example"],
                }
            },
        }
