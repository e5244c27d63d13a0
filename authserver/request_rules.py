"""The OAuth endpoints' request rules, checked before django-oauth-toolkit sees a request (RFC 6749 §3.2).

Token, introspection and revocation requests are `application/x-www-form-urlencoded` POST
bodies in UTF-8 (RFC 6749 §4.4.2 and Appendix B, RFC 7662 §2.1, RFC 7009 §2.1) whose
parameters never repeat (RFC 6749 §3.2) and never travel in the URL (§2.3.1, §3.2). The token
endpoint dispatches only the grant types this server has. Extensions add what they define:
`grant_types` for a new grant, `repeatable` for a parameter allowed more than once (RFC 8707
§2's `resource`).
"""

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from django.http import HttpRequest
from django.utils.http import parse_header_parameters

from ccproject.middleware import FORM_MEDIA_TYPE
from ccproject.text import control_character_problem


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused, as RFC 6749 §5.2 says it: `error`, a client-facing description, a status."""

    error: str
    description: str
    status: int = 400


@dataclass(frozen=True)
class FormRequestRules:
    """The rules every OAuth endpoint of this server applies; `refusal()` returns `None` for a good request."""

    # Parameters that may appear more than once (RFC 6749 §3.2 forbids it for everything else).
    repeatable: frozenset[str] = field(default_factory=frozenset)

    def refusal(self, request: HttpRequest) -> Refusal | None:
        return (
            self.media_type_refusal(request)
            or self.query_refusal(request)
            or self.repetition_refusal(request)
            or self.basic_credentials_refusal(request)
        )

    def media_type_refusal(self, request: HttpRequest) -> Refusal | None:
        # Multipart and JSON are not defined here; a charset other than UTF-8 (RFC 6749
        # Appendix B) never gets this far: ccproject.middleware.InputGuardMiddleware refuses it.
        media_type, _params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
        if media_type != FORM_MEDIA_TYPE:
            return Refusal("invalid_request", f"The request body must be {FORM_MEDIA_TYPE} (RFC 6749 §3.2).")
        return None

    def query_refusal(self, request: HttpRequest) -> Refusal | None:
        if request.META.get("QUERY_STRING"):
            # A secret in the URL ends up in logs and histories (RFC 6749 §2.3.1).
            return Refusal("invalid_request", "Parameters must be sent in the request body, not in the URL.")
        return None

    def repetition_refusal(self, request: HttpRequest) -> Refusal | None:
        repeated = sorted(
            name for name, values in request.POST.lists() if len(values) > 1 and name not in self.repeatable
        )
        if repeated:
            return Refusal("invalid_request", f"Parameters must not repeat (RFC 6749 §3.2): {', '.join(repeated)}.")
        return None

    def basic_credentials_refusal(self, request: HttpRequest) -> Refusal | None:
        """RFC 6749 §2.3.1: the form-encoded client id and secret inside `Basic`, held to the text rule."""
        scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None  # Not credentials at all: client authentication fails with invalid_client.
        problem = control_character_problem(unquote_plus(decoded))
        if problem:
            return Refusal("invalid_request", f"The Basic credentials contain {problem}.")
        return None


@dataclass(frozen=True)
class TokenRequestRules(FormRequestRules):
    """The token endpoint's rules: also the grant types it dispatches (RFC 6749 §4.4 only, here)."""

    grant_types: frozenset[str] = frozenset({"client_credentials"})

    def refusal(self, request: HttpRequest) -> Refusal | None:
        return super().refusal(request) or self.grant_type_refusal(request)

    def grant_type_refusal(self, request: HttpRequest) -> Refusal | None:
        grant_type = request.POST.get("grant_type")
        if not grant_type:
            return Refusal("invalid_request", "The grant_type parameter is required (RFC 6749 §4.4.2).")
        if grant_type not in self.grant_types:
            return Refusal(
                "unsupported_grant_type",
                f"This server supports the grant types: {', '.join(sorted(self.grant_types))}.",
            )
        return None
