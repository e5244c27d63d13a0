"""A client's credentials: its secrets and its public keys, under Okta's credentials API rules.

At most two secrets, so a second can be created, callers switched to it, and the first
deactivated and deleted without an outage; at most fifty keys. Only an inactive secret or key
can be deleted, and a client's last active secret, or a `private_key_jwt` client's last active
key, cannot be deactivated. A `private_key_jwt` client has no secret at all.
"""

import base64
import hashlib
import re

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from jwt.algorithms import get_default_algorithms
from oauth2_provider.settings import oauth2_settings

from ccproject.dpop import PRIVATE_MEMBERS  # a key carrying any of them is refused outright, never kept

from .conf import authserver_settings
from .models import STATUS_ACTIVE, STATUS_INACTIVE, Client, ClientKey, ClientSecret

MAX_SECRETS = 2
MAX_KEYS = 50
MIN_SECRET_LENGTH = 14
MAX_SECRET_LENGTH = 100
MIN_RSA_BITS = 2048
# A sane key id: printable ASCII without quotes, backslashes or spaces (as the resource server requires).
KID = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}")
# The public members a stored JWK keeps (RFC 7517 §4, RFC 7518 §6.2.1, §6.3.1, RFC 8037 §2).
PUBLIC_MEMBERS = ("kty", "kid", "alg", "use", "n", "e", "crv", "x", "y")
CURVES = {"EC": ("P-256", "P-384", "P-521"), "OKP": ("Ed25519", "Ed448")}
# The key type each signing algorithm needs (RFC 7518 §3.1, RFC 8037 §3.1), and an EC curve's one algorithm.
ALGORITHM_FAMILIES = {
    **{f"{family}{bits}": "RSA" for family in ("RS", "PS") for bits in (256, 384, 512)},
    **{f"ES{bits}": "EC" for bits in (256, 384, 512)},
    "EdDSA": "OKP",
}
CURVE_ALGORITHMS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512", "Ed25519": "EdDSA", "Ed448": "EdDSA"}

# Okta's error subjects: `Api validation failed: <subject>`.
SECRET_SUBJECT = "OAuth2ClientSecretMediated"
SECRET_VALUE_SUBJECT = "client_secret"
KEY_SUBJECT = "JsonWebKey"


class CredentialError(ValueError):
    """A credential change Okta's rules refuse; `subject` and `causes` are client-facing and hold no secret."""

    def __init__(self, subject: str, causes: list[str]):
        super().__init__(f"{subject}: {'; '.join(causes)}")
        self.subject = subject
        self.causes = causes


def _locked(client: Client) -> Client:
    # One writer per client at a time, so "at most two" and "not the last active" hold under races.
    return Client.objects.select_for_update().get(pk=client.pk)


def _save_status(credential: ClientSecret | ClientKey, status: str) -> ClientSecret | ClientKey:
    """`credential` with `status`, written only when that changes it (Okta's lifecycle calls are idempotent)."""
    if credential.status != status:
        credential.status = status
        credential.save(update_fields=["status", "updated"])
    return credential


def _delete_inactive(credential: ClientSecret | ClientKey, subject: str, refusal: str) -> None:
    """Delete `credential`, in its client's lock; an active one is refused with `refusal`."""
    rows = type(credential).objects.filter(pk=credential.pk)
    if rows.filter(status=STATUS_ACTIVE).exists():
        raise CredentialError(subject, [refusal])
    rows.delete()


# -- secrets -----------------------------------------------------------------------------------


def secret_fingerprint(secret: str) -> str:
    """Okta's `secret_hash`: 16 bytes of SHA-256, base64url; tells secrets apart, reveals nothing usable."""
    digest = hashlib.sha256(secret.encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def clean_secret_value(secret) -> str:
    """A caller-supplied secret within Okta's bounds: 14 to 100 printable ASCII characters."""
    if not isinstance(secret, str):
        raise CredentialError(SECRET_VALUE_SUBJECT, ["client_secret: must be a string."])
    if len(secret) < MIN_SECRET_LENGTH:
        raise CredentialError(
            SECRET_VALUE_SUBJECT,
            [f"client_secret: 'client_secret' must be at least '{MIN_SECRET_LENGTH}' characters long."],
        )
    if len(secret) > MAX_SECRET_LENGTH:
        raise CredentialError(
            SECRET_VALUE_SUBJECT,
            [f"client_secret: 'client_secret' can't be more than '{MAX_SECRET_LENGTH}' characters long."],
        )
    if not re.fullmatch(r"[\x20-\x7e]+", secret):
        raise CredentialError(
            SECRET_VALUE_SUBJECT, ["client_secret: 'client_secret' must only contain printable ASCII: [x20-x7E]+"]
        )
    return secret


def _store_secret(client: Client, secret: str, status: str = STATUS_ACTIVE) -> ClientSecret:
    hashed = make_password(secret, hasher=oauth2_settings.CLIENT_SECRET_HASHER)
    return ClientSecret.objects.create(
        client=client, hashed=hashed, secret_hash=secret_fingerprint(secret), status=status
    )


def add_secret(client: Client, secret: str, status: str = STATUS_ACTIVE) -> ClientSecret:
    """Give `client` another secret (generated by the caller or supplied); raises `CredentialError`."""
    with transaction.atomic():
        client = _locked(client)
        if client.uses_private_key_jwt:
            raise CredentialError(
                SECRET_VALUE_SUBJECT,
                ["'client_secret' can't be used when 'token_endpoint_auth_method' is 'private_key_jwt'."],
            )
        if client.secrets.count() >= MAX_SECRETS:
            raise CredentialError(SECRET_SUBJECT, ["You've reached the maximum number of client secrets per client."])
        return _store_secret(client, secret, status)


def set_secret_status(secret: ClientSecret, status: str) -> ClientSecret:
    """Activate or deactivate a secret (idempotent); the client's only active secret stays active."""
    with transaction.atomic():
        _locked(secret.client)
        secret = ClientSecret.objects.get(pk=secret.pk)
        others = secret.client.secrets.filter(status=STATUS_ACTIVE).exclude(pk=secret.pk)
        if status == STATUS_INACTIVE and secret.status == STATUS_ACTIVE and not others.exists():
            raise CredentialError(SECRET_SUBJECT, ["You can't deactivate the only active client secret."])
        return _save_status(secret, status)


def delete_secret(secret: ClientSecret) -> None:
    with transaction.atomic():
        _locked(secret.client)
        _delete_inactive(
            secret,
            SECRET_SUBJECT,
            "You can't delete an active client secret. Deactivate the secret before deleting it.",
        )


def set_initial_secret(client: Client, secret: str) -> ClientSecret:
    """A new client's first secret, kept hashed in its own row (nothing else holds a usable one)."""
    return _store_secret(client, secret)


def check_secret(client: Client, secret: str) -> bool:
    """Whether `secret` is one of the client's active secrets; never true for a `private_key_jwt` client."""
    if client.uses_private_key_jwt or not secret:
        return False
    hashes = ClientSecret.objects.filter(client=client, status=STATUS_ACTIVE).values_list("hashed", flat=True)
    # Every active secret is tried (at most two): which one matched is not revealed by timing.
    return sum(bool(check_password(secret, hashed)) for hashed in hashes) > 0


# -- public keys -------------------------------------------------------------------------------


def _key_error(cause: str) -> CredentialError:
    return CredentialError(KEY_SUBJECT, [cause])


def _rsa_bits(modulus: str) -> int:
    padded = modulus + "=" * (-len(modulus) % 4)
    return int.from_bytes(base64.urlsafe_b64decode(padded), "big").bit_length()


def clean_public_jwk(jwk) -> dict:
    """A client's public signing key as stored: its public members only; raises `CredentialError`.

    Refused: a private or symmetric key (nothing of it is kept, and the message does not echo
    it), a key without a sane `kid`, an encryption key, an RSA key under 2,048 bits, a key that
    does not parse.
    """
    if not isinstance(jwk, dict):
        raise _key_error("A key in the 'jwks' must be a JSON object.")
    if any(member in jwk for member in PRIVATE_MEMBERS):
        raise _key_error("The 'jwks' holds private key material: send the public key only (keep the private key).")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not KID.fullmatch(kid):
        raise _key_error("Each key in the 'jwks' needs a 'kid' of 1 to 256 printable characters.")
    kty = jwk.get("kty")
    if kty not in ("RSA", "EC", "OKP"):
        raise _key_error(f"Key {kid}: 'kty' must be RSA, EC or OKP.")
    key_ops = jwk.get("key_ops")
    if jwk.get("use", "sig") != "sig" or (
        key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops)
    ):
        raise _key_error(f"Key {kid}: only signing keys ('use': 'sig') are supported.")
    if kty in CURVES and jwk.get("crv") not in CURVES[kty]:
        raise _key_error(f"Key {kid}: unsupported curve.")
    alg = jwk.get("alg")
    if alg is not None and (
        alg not in authserver_settings.CLIENT_ASSERTION_ALGORITHMS
        or ALGORITHM_FAMILIES.get(alg) != kty
        or (kty != "RSA" and CURVE_ALGORITHMS[jwk["crv"]] != alg)
    ):
        raise _key_error(f"Key {kid}: 'alg' {alg!r} is not an allowed signing algorithm for this {kty} key.")
    cleaned = {name: jwk[name] for name in PUBLIC_MEMBERS if name in jwk}
    if not all(isinstance(value, str) for value in cleaned.values()):
        raise _key_error(f"Key {kid}: every member must be a string.")
    try:
        get_default_algorithms()["RS256" if kty == "RSA" else CURVE_ALGORITHMS[jwk["crv"]]].from_jwk(cleaned)
        bits = _rsa_bits(cleaned["n"]) if kty == "RSA" else None
    except Exception as exc:  # any malformed member
        raise _key_error(f"Key {kid}: not a valid {kty} public key.") from exc
    if bits is not None and bits < MIN_RSA_BITS:
        raise _key_error("RSA key length in the 'jwks' is less than '2,048' bits for the given key.")
    return cleaned


def clean_jwks(document, field: str = "jwks") -> list[dict]:
    """The keys of a JWKS (`{"keys": [...]}`), each cleaned, at most fifty, `kid`s unique."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list) or not document["keys"]:
        raise _key_error(f"{field}: must be a JWKS, an object with a non-empty 'keys' array.")
    keys = document["keys"]
    if len(keys) > MAX_KEYS:
        raise _key_error(
            f"You can't create a new key. You have reached the maximum number of keys allowed ({MAX_KEYS}). "
            "To add another key, you must first delete an existing one."
        )
    cleaned = [clean_public_jwk(jwk) for jwk in keys]
    if len({jwk["kid"] for jwk in cleaned}) != len(cleaned):
        raise _key_error("All keys in the 'jwks' must have a unique `kid`.")
    return cleaned


def add_key(client: Client, jwk: dict, status: str = STATUS_ACTIVE) -> ClientKey:
    """Add a cleaned public key to `client`; raises `CredentialError` (too many keys, a `kid` taken)."""
    with transaction.atomic():
        client = _locked(client)
        if client.jwks_uri:
            raise _key_error("The client publishes its keys at its jwks_uri: change them there.")
        if client.keys.count() >= MAX_KEYS:
            raise _key_error(
                f"You can't create a new key. You have reached the maximum number of keys allowed ({MAX_KEYS}). "
                "To add another key, you must first delete an existing one."
            )
        if client.keys.filter(kid=jwk["kid"]).exists():
            raise _key_error("All keys in the 'jwks' must have a unique `kid`.")
        return ClientKey.objects.create(client=client, kid=jwk["kid"], jwk=jwk, status=status)


def set_key_status(key: ClientKey, status: str) -> ClientKey:
    """Activate or deactivate a key (idempotent); a `private_key_jwt` client keeps one active key."""
    with transaction.atomic():
        client = _locked(key.client)
        key = ClientKey.objects.get(pk=key.pk)
        last = not client.keys.filter(status=STATUS_ACTIVE).exclude(pk=key.pk).exists()
        if status == STATUS_INACTIVE and key.status == STATUS_ACTIVE and client.uses_private_key_jwt and last:
            raise _key_error(
                "Can't deactivate the only active JSON Web Key when the value for "
                "`token_endpoint_auth_method` is `private_key_jwt`."
            )
        return _save_status(key, status)


def delete_key(key: ClientKey) -> None:
    with transaction.atomic():
        _locked(key.client)
        _delete_inactive(
            key, KEY_SUBJECT, "You can't delete an active JSON Web Key. Deactivate the key before deleting it."
        )


def replace_keys(client: Client, jwks: list[dict]) -> None:
    """Make `jwks` the client's whole key set (RFC 7592 update, Okta's app replace): all active."""
    with transaction.atomic():
        client = _locked(client)
        client.keys.exclude(kid__in=[jwk["kid"] for jwk in jwks]).delete()
        for jwk in jwks:
            ClientKey.objects.update_or_create(
                client=client, kid=jwk["kid"], defaults={"jwk": jwk, "status": STATUS_ACTIVE}
            )
