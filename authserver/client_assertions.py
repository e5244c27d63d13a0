"""Client authentication by a signed JWT: `private_key_jwt` (RFC 7523 §2.2 and §3, RFC 7521 §4.2).

The assertion is judged before anything is trusted: its size, its header's algorithm (an
asymmetric one from `CLIENT_ASSERTION_ALGORITHMS`; `none` and HMAC never), `iss` = `sub` = a
client that authenticates this way, then the signature by one of that client's active keys
(the one its `kid` names, else each compatible one), then `aud`, `exp` (required, at most
`CLIENT_ASSERTION_MAX_LIFETIME` ahead), `iat`/`nbf` with leeway, and last the `jti`, remembered
cluster-wide until the assertion expires so it is accepted once. Headers that point at keys
(`jku`, `x5u`, `jwk`, `x5c`) are never followed (RFC 8725 §3.10).
"""

import json
import time
from collections.abc import Callable
from functools import lru_cache

import jwt
from jwt.algorithms import get_default_algorithms

from ccproject.errors import ClientFacingError
from ccproject.replay import ReplayStore, ReplayStoreUnavailable

from .client_jwks_uri import KeySetUnavailable, remote_keys
from .conf import authserver_settings
from .credentials import ALGORITHM_FAMILIES, CURVE_ALGORITHMS
from .models import STATUS_ACTIVE, Client, ClientKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Longer assertions are not worth parsing; real ones are well under 2 KiB.
MAX_ASSERTION_BYTES = 8192
MAX_CLAIM_LENGTH = 255

UNKNOWN_CLIENT = (
    "Client authentication failed: the assertion's iss/sub is not an active client that authenticates "
    "with private_key_jwt."
)


class AssertionRefused(ClientFacingError):
    """The assertion does not authenticate the client (RFC 6749 §5.2 `invalid_client`, 401)."""

    error = "invalid_client"


class AssertionUnverifiable(ClientFacingError):
    """Whether the assertion was used before cannot be known now (the replay store is down): retry later."""

    error = "temporarily_unavailable"


# One store for the process; its namespace keeps assertion `jti`s apart from DPoP proofs'.
replay_store = ReplayStore("client_assertion")


@lru_cache(maxsize=2048)
def _public_key(algorithm: str, jwk_json: str):
    # Keyed by content: a changed key is a new entry, and parsing (RSA above all) happens once.
    return get_default_algorithms()[algorithm].from_jwk(jwk_json)


def key_fits(jwk: dict, algorithm: str) -> bool:
    """Whether `jwk` may verify `algorithm`: its declared `alg`, else its type and curve (RFC 8725 §3.1)."""
    if jwk.get("alg") is not None:
        return jwk["alg"] == algorithm
    if ALGORITHM_FAMILIES.get(algorithm) != jwk.get("kty"):
        return False
    return jwk["kty"] == "RSA" or CURVE_ALGORITHMS.get(jwk.get("crv")) == algorithm


def client_jwks(client: Client, kid: str | None = None) -> list[dict]:
    """The client's active public keys: its `ClientKey` rows, or its `jwks_uri`'s key set.

    A `kid` the cached remote set lacks fetches it again (a rotation at the client), within the cooldown.
    """
    if not client.jwks_uri:
        return list(ClientKey.objects.filter(client=client, status=STATUS_ACTIVE).values_list("jwk", flat=True))
    try:
        keys = remote_keys(client.jwks_uri)
        if kid is not None and all(jwk["kid"] != kid for jwk in keys):
            keys = remote_keys(client.jwks_uri, refresh=True)
    except KeySetUnavailable as exc:
        raise AssertionRefused(str(exc)) from exc
    return keys


def _unverified(assertion) -> tuple[dict, dict]:
    if not isinstance(assertion, str) or not assertion or len(assertion) > MAX_ASSERTION_BYTES:
        raise AssertionRefused(f"client_assertion must be a JWT of at most {MAX_ASSERTION_BYTES} bytes.")
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError, RecursionError) as exc:
        raise AssertionRefused("client_assertion is not a well-formed signed JWT (RFC 7515 compact form).") from exc
    return header, claims


def _check_header(header: dict) -> str:
    allowed = authserver_settings.CLIENT_ASSERTION_ALGORITHMS
    algorithm = header.get("alg")
    if algorithm not in allowed:
        raise AssertionRefused(
            "The client assertion must be signed with an asymmetric algorithm this server accepts "
            f"({', '.join(allowed)}); 'none' and HMAC are refused."
        )
    if "crit" in header:
        # RFC 7515 §4.1.11: no extension is understood here, so a critical one cannot be honoured.
        raise AssertionRefused("The client assertion's header has 'crit' extensions this server does not support.")
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or len(kid) > 256):
        raise AssertionRefused("The client assertion's 'kid' must be a string of at most 256 characters.")
    return algorithm


def _subject(claims: dict, client_id_param: str | None) -> str:
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > MAX_CLAIM_LENGTH or issuer != subject:
        raise AssertionRefused("The client assertion's iss and sub must both be the client id (RFC 7523 §3).")
    if client_id_param and client_id_param != subject:
        raise AssertionRefused("client_id does not match the client assertion's sub (RFC 7521 §4.2).")
    return subject


def _signed_claims(assertion: str, algorithm: str, kid: str | None, jwks: list[dict], audiences: list[str]) -> dict:
    """The claims, verified by the one key `kid` names (else by each key that fits `algorithm`)."""
    named = [jwk for jwk in jwks if jwk.get("kid") == kid] if kid is not None else jwks
    if not named:
        raise AssertionRefused("No active key of this client has the assertion's kid.")
    candidates = [jwk for jwk in named if key_fits(jwk, algorithm)]
    if not candidates:
        raise AssertionRefused(f"No active key of this client (with the assertion's kid, if any) verifies {algorithm}.")
    leeway = authserver_settings.CLIENT_ASSERTION_LEEWAY
    options = {"require": ["exp", "iss", "sub", "aud", "jti"]}
    for jwk in candidates:
        try:
            key = _public_key(algorithm, json.dumps(jwk, sort_keys=True))
            return jwt.decode(
                assertion, key, algorithms=[algorithm], audience=audiences, leeway=leeway, options=options
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError as exc:
            raise AssertionRefused("The client assertion has expired (exp).") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AssertionRefused("The client assertion is issued in the future (iat or nbf).") from exc
        except jwt.InvalidAudienceError as exc:
            raise AssertionRefused(
                "The client assertion's aud must be this server's token endpoint URL or its issuer."
            ) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AssertionRefused(f"The client assertion lacks the required claim {exc.claim!r}.") from exc
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise AssertionRefused(f"The client assertion's claims are invalid ({type(exc).__name__}).") from exc
    raise AssertionRefused("The client assertion's signature does not verify with this client's keys.")


def verify_client_assertion(
    *,
    assertion,
    client_id_param: str | None,
    audiences: list[str],
    load_client: Callable[[str], Client | None],
    now: float | None = None,
) -> Client:
    """The client the assertion authenticates; raises `AssertionRefused` or `AssertionUnverifiable`.

    `audiences` are the values `aud` may contain (the endpoint's URL, the token endpoint's, the
    issuer); `load_client` finds a client by id (`None` when there is none).
    """
    header, unverified = _unverified(assertion)
    algorithm = _check_header(header)
    client = load_client(_subject(unverified, client_id_param))
    if client is None or client.status != Client.STATUS_ACTIVE or not client.uses_private_key_jwt:
        raise AssertionRefused(UNKNOWN_CLIENT)
    kid = header.get("kid")
    claims = _signed_claims(assertion, algorithm, kid, client_jwks(client, kid), audiences)
    now = time.time() if now is None else now
    leeway = authserver_settings.CLIENT_ASSERTION_LEEWAY
    lifetime = authserver_settings.CLIENT_ASSERTION_MAX_LIFETIME
    expires = claims["exp"]
    if not isinstance(expires, int | float) or expires - now > lifetime + leeway:
        raise AssertionRefused(
            f"The client assertion's exp lies more than {lifetime} seconds ahead: make short-lived assertions."
        )
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > MAX_CLAIM_LENGTH:
        raise AssertionRefused(f"The client assertion's jti must be a string of 1 to {MAX_CLAIM_LENGTH} characters.")
    try:
        # RFC 7523 §3 item 7: remembered until it expires, so it is accepted exactly once.
        first = replay_store.first_use(client.client_id, jti, window=expires - now + leeway)
    except ReplayStoreUnavailable as exc:
        raise AssertionUnverifiable("Client assertions cannot be checked for replay right now; retry later.") from exc
    if not first:
        raise AssertionRefused("The client assertion was already used (its jti was seen before): sign a new one.")
    return client
