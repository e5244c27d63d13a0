"""The validation policy for JWT access tokens (RFC 7519, RFC 8725, RFC 9068): pure logic, no requests."""

import binascii
import math
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple

from ccproject import metrics
from ccproject.b64url import b64url_decode
from ccproject.strict_json import loads

from .exceptions import TokenError
from .issuers import IssuerPolicy, trusted_issuers
from .jwks import get_key_set, same_key
from .keys import KID, VerificationKey
from .principal import ValidatedToken
from .profiles import STANDARD, IssuerProfile
from .token_cache import digest_of, get_token_cache

# Decoded headers of tokens that passed every check, by their encoded segment: an issuer signs
# every token of one key with the same header, so a first-seen token decodes only its claims.
# Filled after a signature check only (a flood of forged headers cannot enter), and bounded.
_KNOWN_HEADERS: dict[str, dict] = {}
MAX_KNOWN_HEADERS = 64
# RFC 7515 §4.1.9 / RFC 9068 §2.1: `typ` is a media type, compared case-insensitively.
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
ACCEPTED_TYPES = ACCESS_TOKEN_TYPES | {"jwt"}
# RFC 9068 §2.2: the claims every JWT access token carries.
RFC9068_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
# JSON numbers as the decoder makes them (a tuple: `int | float` would build a union per call).
_NUMBERS = (int, float)

KeySetLookup = Callable[[IssuerPolicy], object]


def _key_set_of(policy: IssuerPolicy):
    return get_key_set(policy.issuer, policy.jwks_uri)


class ParsedJWT(NamedTuple):
    """The parts of a compact JWS. A named tuple: built once per first-seen token, where a frozen
    dataclass's `__init__` costs twice as much (about 9,900 instructions against 4,200)."""

    header: dict
    claims: dict
    signing_input: bytes
    signature: bytes
    header_segment: str = ""


def _json_object(segment: str) -> dict:
    # RFC 7515 §5.2, RFC 7519 §7.2: the header and the claims are JSON objects in UTF-8.
    value = loads(b64url_decode(segment).decode("utf-8"))
    if not isinstance(value, dict):
        raise TokenError("The access token is malformed: its header and claims must be JSON objects.")
    return value


def parse_jwt(token: str) -> ParsedJWT:
    """Split and decode a JWS compact serialization; verify nothing. Raises `TokenError`.

    The header and claims are the caller's to read, not to change (a known header is shared).
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("The access token is malformed: it is not a signed JWT (three dot-separated parts).")
    try:
        header = _KNOWN_HEADERS.get(parts[0]) or _json_object(parts[0])
        claims = _json_object(parts[1])
        signature = b64url_decode(parts[2])
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise TokenError("The access token is malformed: a part is not base64url.") from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise TokenError("The access token is malformed: a part is not base64url-encoded JSON.") from exc
    if not signature:
        raise TokenError("The access token is not signed.")
    return ParsedJWT(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature, parts[0])


def _remember_header(jwt: ParsedJWT) -> None:
    """Keep the decoded header of a token whose signature is good (bounded: cleared when full)."""
    if jwt.header_segment not in _KNOWN_HEADERS:
        if len(_KNOWN_HEADERS) >= MAX_KNOWN_HEADERS:
            _KNOWN_HEADERS.clear()
        _KNOWN_HEADERS[jwt.header_segment] = jwt.header


def _number(claims: dict, name: str) -> float | None:
    """A NumericDate (RFC 7519 §2): a JSON number; not a string, not a boolean."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, _NUMBERS) or not math.isfinite(value):
        raise TokenError(f"The access token's '{name}' claim is not a number.")
    return float(value)


def _all_strings(values: list) -> bool:
    # A loop, not `all(<generator>)`: the generator costs more than the one or two items it checks.
    for value in values:  # noqa: SIM110
        if not isinstance(value, str):
            return False
    return True


def check_header(header: dict, policy: IssuerPolicy) -> tuple[str, str]:
    """The `(alg, kid)` of an acceptable header; raises `TokenError`.

    `jku`, `x5u`, `jwk` and `x5c` are never read: keys come only from the issuer's key set
    (RFC 8725 §3.10).
    """
    alg = header.get("alg")
    # RFC 8725 §3.1: `none` and HMAC are not in any policy's algorithms, whatever the settings.
    if not isinstance(alg, str) or alg not in policy.algorithms:
        raise TokenError("The access token is signed with an algorithm this API does not accept.")
    # RFC 7515 §4.1.11: extensions listed in `crit` must be understood; this validator knows none.
    if "crit" in header or header.get("b64", True) is not True:
        raise TokenError("The access token uses a critical header extension this API does not support.")
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYPES):
        raise TokenError("The access token has an unexpected type (typ); an access token is expected.")
    if policy.strict_rfc9068 and (typ is None or typ.lower() not in ACCESS_TOKEN_TYPES):
        raise TokenError("The token is not an RFC 9068 access token (typ must be 'at+jwt').")
    kid = header.get("kid")
    if not isinstance(kid, str) or not KID.fullmatch(kid):
        raise TokenError("The access token's header has no usable key id (kid).")
    return alg, kid


def check_claims(claims: dict, policy: IssuerPolicy, now: float) -> None:
    """Audience, time and profile claims of a token whose signature is good; raises `TokenError`."""
    profile = policy.profile
    if profile.check_audience:
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience
        if audience is None:
            raise TokenError("The access token has no audience (aud).")
        if not isinstance(audiences, list) or not _all_strings(audiences):
            raise TokenError("The access token's audience (aud) is malformed.")
        if policy.audiences.isdisjoint(audiences):
            raise TokenError("The access token is not meant for this API (wrong audience).")
    for name, value in profile.required_values:
        if claims.get(name) != value:
            raise TokenError(f"The token is not an access token: its '{name}' claim must be '{value}'.")
    for name, value in profile.expected_values:
        if name in claims and claims[name] != value:
            raise TokenError(f"The token is not an access token: its '{name}' claim must be '{value}'.")
    leeway = policy.leeway
    not_before = _number(claims, "nbf")
    if not_before is not None and now + leeway < not_before:
        raise TokenError("The access token is not valid yet (nbf).")
    issued_at = _number(claims, "iat")
    if issued_at is not None and issued_at > now + leeway:
        raise TokenError("The access token was issued in the future (iat); check the clocks.")
    if policy.max_token_age is not None:
        if issued_at is None:
            raise TokenError("The access token has no issue time (iat), which this API requires.")
        if now - issued_at > policy.max_token_age + leeway:
            raise TokenError("The access token is too old (iat); get a new one.")
    if policy.strict_rfc9068:
        missing = [name for name in RFC9068_CLAIMS if claims.get(name) in (None, "")]
        if missing or not all(isinstance(claims[name], str) for name in ("sub", "client_id", "jti")):
            raise TokenError(f"The access token lacks RFC 9068 claims: {', '.join(missing) or 'sub, client_id, jti'}.")


def client_id_of(claims: dict, profile: IssuerProfile = STANDARD) -> str:
    """The client the profile's claims name (standard: Okta's `cid`, RFC 9068's `client_id`, `azp`); they must agree."""
    names = profile.client_claims
    client_id = None
    for name in names:
        if name in claims:
            value = claims[name]
            if not isinstance(value, str) or not value or (client_id is not None and value != client_id):
                raise TokenError(f"The access token's client claims ({', '.join(names)}) are malformed or disagree.")
            client_id = value
    if client_id is None:
        raise TokenError(f"The access token names no client ({', '.join(names[:-1])} or {names[-1]}).")
    return client_id


def _scope_set(value, name: str) -> frozenset[str]:
    # RFC 9068 §2.2.3 (RFC 8693 §4.2): a space-delimited string; Okta and others send an array.
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list) and _all_strings(value):
        return frozenset(value)
    raise TokenError(f"The access token's scope claim ({name}) is malformed.")


def scopes_of(claims: dict, profile: IssuerProfile = STANDARD, roles_client: str | None = None) -> frozenset[str]:
    """The first of the profile's scope claims present (standard: Okta's `scp`, else RFC 9068's
    `scope`), with the entries of its extra scope claims and of `roles_client`'s Keycloak roles."""
    scopes = frozenset()
    found = False
    for name in profile.scope_claims:
        if name in claims:
            value = claims[name]
            # The common case first, without a call: a space-delimited string.
            scopes, found = frozenset(value.split()) if isinstance(value, str) else _scope_set(value, name), True
            break
    for name in profile.extra_scope_claims:
        if name in claims:
            scopes, found = scopes | _scope_set(claims[name], name), True
    if roles_client is not None:
        scopes |= _client_roles(claims, roles_client)
    if profile.needs_scope_claim and not found:
        names = profile.scope_claims + profile.extra_scope_claims
        raise TokenError(f"The token carries no scopes or roles ({', '.join(names)}): not an access token for an API.")
    return scopes


def _client_roles(claims: dict, client: str) -> frozenset[str]:
    """Keycloak's `resource_access.{client}.roles`: the roles the token holds on one client."""
    access = claims.get("resource_access", {})
    entry = access.get(client, {}) if isinstance(access, dict) else None
    roles = entry.get("roles", []) if isinstance(entry, dict) else None
    if not isinstance(roles, list) or not _all_strings(roles):
        raise TokenError("The access token's client roles (resource_access) are malformed.")
    return frozenset(roles)


def validate_token(
    token: str,
    *,
    issuers: Mapping[str, IssuerPolicy] | None = None,
    key_set_for: KeySetLookup | None = None,
    now: float | None = None,
) -> ValidatedToken:
    """Check a JWT access token; return it validated, or raise `TokenError` or `KeysUnavailable`.

    With the configured issuers and key sets (no `issuers`, no `key_set_for`), a token seen
    before is served from the verified-token cache (`api.token_cache`) until its deadline,
    while the key that verified it is still published: no parsing, no signature check. The
    returned object is then shared by the requests that carry the same token: read-only.
    """
    now = time.time() if now is None else now
    if issuers is not None or key_set_for is not None:
        policies = trusted_issuers() if issuers is None else issuers
        return check_token(token, policies, key_set_for or _key_set_of, now)[0]
    cache = get_token_cache()
    if not cache.enabled:
        return check_token(token, trusted_issuers(), _key_set_of, now)[0]
    digest = digest_of(token)
    validated = cache.get(digest, now, _is_published)
    metrics.token_cache_lookup(validated is not None)
    if validated is None:
        validated, policy, key = check_token(token, trusted_issuers(), _key_set_of, now)
        cache.put(
            digest, validated, key=(policy, key), deadline=deadline_of(validated, policy), size=cache.size_of(token)
        )
    return validated


def cached_validation(token: str, now: float) -> ValidatedToken | None:
    """The token as the verified-token cache holds it (validated before, still valid), else None; no check made."""
    cache = get_token_cache()
    return cache.get(digest_of(token), now, _is_published) if cache.enabled else None


def _is_published(signer: tuple[IssuerPolicy, VerificationKey]) -> bool:
    """Whether the key that verified a cached token is still in its issuer's key set (a dict lookup)."""
    policy, key = signer
    try:
        current = _key_set_of(policy).get_key(key.kid)
    except TokenError:  # retired: the cached token goes, and a full check answers for it
        return False
    return same_key(key, current)


def deadline_of(validated: ValidatedToken, policy: IssuerPolicy) -> float:
    """Until when a validated token stays valid: `exp`, and the `iat` age limit, plus leeway.

    The other time checks (`nbf`, `iat` in the future) cannot start failing later.
    """
    deadline = validated.expires_at + policy.leeway
    if policy.max_token_age is not None:
        issued_at = _number(validated.claims, "iat")
        deadline = min(deadline, issued_at + policy.max_token_age + policy.leeway)
    return deadline


def check_token(
    token: str, policies: Mapping[str, IssuerPolicy], key_set_for: KeySetLookup, now: float
) -> tuple[ValidatedToken, IssuerPolicy, VerificationKey]:
    """Every check, uncached: the validated token, the issuer's policy and the key that verified it.

    A function of the token, the trusted issuers' policies and their key sets only. Every
    check that needs no key runs first: a forged or foreign token never costs a request to
    an issuer.
    """
    jwt = parse_jwt(token)
    issuer = jwt.claims.get("iss")
    policy = policies.get(issuer) if isinstance(issuer, str) else None
    if policy is None:  # exact match only (RFC 9068 §4): no prefix, suffix or case games
        raise TokenError("The access token comes from an untrusted issuer.")
    alg, kid = check_header(jwt.header, policy)
    expires_at = _number(jwt.claims, "exp")
    if expires_at is None:
        raise TokenError("The access token has no expiry (exp).")
    if now >= expires_at + policy.leeway:
        raise TokenError("The access token expired.")
    key: VerificationKey = key_set_for(policy).get_key(kid)
    # RFC 8725 §3.1: the key decides the algorithm, not the token.
    if key.algorithm != alg:
        raise TokenError("The access token's algorithm does not match its key.")
    if not key.verify(jwt.signing_input, jwt.signature):
        raise TokenError("The access token's signature is invalid.")
    _remember_header(jwt)
    check_claims(jwt.claims, policy, now)
    client_id = client_id_of(jwt.claims, policy.profile)
    if policy.allowed_client_ids is not None and client_id not in policy.allowed_client_ids:
        raise TokenError("The access token's client may not call this API.")
    validated = ValidatedToken(
        claims=jwt.claims,
        client_id=client_id,
        scopes=scopes_of(jwt.claims, policy.profile, policy.roles_client),
        issuer=issuer,
        expires_at=expires_at,
        key_id=kid,
    )
    return validated, policy, key
