"""DPoP at the token endpoint (RFC 9449 §5, §8): the proof binds the token to a key; an optional issuer nonce."""

import time

from django.http import HttpRequest, HttpResponse
from oauthlib.oauth2.rfc6749 import errors

from ccproject.dpop import NonceRequired, ProofError, ProofRules, check_proof
from ccproject.http import error_response
from ccproject.nonces import NonceSource
from ccproject.replay import ReplayStore, ReplayStoreUnavailable

from .conf import authserver_settings

# Where TokenView leaves the proof's key thumbprint for the token generator and the validator
# (django-oauth-toolkit copies META into oauthlib's headers).
DPOP_JKT_META_KEY = "authserver.dpop_jkt"
PROOF_HEADER = "HTTP_DPOP"
# RFC 9449 §5: the token type of a bound token.
DPOP_TOKEN_TYPE = "DPoP"

replay_store = ReplayStore("dpop")


class DPoPRequired(errors.OAuth2Error):
    """RFC 9449 §5.2: the client registered `dpop_bound_access_tokens` and sent no proof."""

    error = "invalid_dpop_proof"


def proof_rules() -> ProofRules:
    return ProofRules(
        algorithms=frozenset(authserver_settings.DPOP_ALGORITHMS),
        max_age=float(authserver_settings.DPOP_MAX_AGE),
        leeway=float(authserver_settings.DPOP_LEEWAY),
    )


def nonce_source() -> NonceSource | None:
    """The issuer's nonces (salted apart from the API's) when `DPOP_NONCE` is on."""
    if not authserver_settings.DPOP_NONCE:
        return None
    return NonceSource("issuer", lifetime=float(authserver_settings.DPOP_NONCE_LIFETIME))


def bind_token_request(request: HttpRequest, token_endpoint: str, now: float | None = None) -> HttpResponse | None:
    """Check a token request's `DPoP` header; on success leave its key's thumbprint in META.

    No header: a bearer token request (the client's registration may still require DPoP, which
    the validator decides after it knows the client). A proof that is malformed, for another
    URL or method, too old, replayed or without the issuer's nonce: the 400 error response
    (RFC 9449 §5.1, §8: `invalid_dpop_proof`, `use_dpop_nonce` with `DPoP-Nonce`).
    """
    value = request.META.get(PROOF_HEADER)
    if value is None:
        return None
    now = time.time() if now is None else now
    nonces = nonce_source()
    try:
        if "," in value:  # a JWS holds no comma: the header was sent twice (RFC 9449 §4.3 step 1)
            raise ProofError("The request carries more than one DPoP header.")
        proof = check_proof(
            value,
            method=request.method,
            url=token_endpoint,
            rules=proof_rules(),
            now=now,
            nonce_is_valid=(lambda nonce: nonces.is_valid(nonce, now)) if nonces else None,
        )
        if not replay_store.first_use(proof.thumbprint, proof.jti, window=proof_rules().replay_window):
            raise ProofError("The DPoP proof was used before; make a new one for every request.")
    except NonceRequired as exc:
        response = error_response(exc.error, "Use the issuer's DPoP nonce (the DPoP-Nonce header) in the proof.")
        response["DPoP-Nonce"] = nonces.current(now)
        return response
    except ProofError as exc:
        return error_response(exc.error, exc.description)
    except ReplayStoreUnavailable:
        response = error_response(
            "temporarily_unavailable", "DPoP proofs cannot be checked for replay right now; retry.", status=503
        )
        response["Retry-After"] = "5"
        return response
    request.META[DPOP_JKT_META_KEY] = proof.thumbprint
    return None


def bound_thumbprint(oauthlib_request) -> str | None:
    """The thumbprint the token being issued is bound to, or None for a bearer token."""
    return oauthlib_request.headers.get(DPOP_JKT_META_KEY)


def require_dpop_for_bound_clients(oauthlib_request) -> None:
    """oauthlib post-token validator: a client registered with `dpop_bound_access_tokens` sent a proof."""
    client = getattr(oauthlib_request, "client", None)
    if getattr(client, "dpop_bound_access_tokens", False) and bound_thumbprint(oauthlib_request) is None:
        raise DPoPRequired(
            description="This client must send a DPoP proof (DPoP header) with every token request.",
            request=oauthlib_request,
        )
