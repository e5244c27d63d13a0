"""DPoP at the resource server (RFC 9449 §7): view policy, proof rules, nonces, replay store and token binding."""

import base64
import binascii
import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from functools import cache
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ccproject.dpop import ProofRules, b64url_encode
from ccproject.nonces import NonceSource
from ccproject.replay import ReplayStore

from .conf import api_settings
from .exceptions import TokenError

ALLOWED, REQUIRED, DISABLED = "allowed", "required", "disabled"
POLICIES = (ALLOWED, REQUIRED, DISABLED)
# RFC 8705 §3.1: the certificate thumbprint confirmation member.
X5T_S256 = "x5t#S256"
# A forwarded certificate larger than this is not a client certificate a proxy would pass on.
MAX_CERTIFICATE_BYTES = 16384


def view_policy(view) -> str:
    """The view's `dpop` attribute (`allowed`, `required`, `disabled`), else the `DPOP` setting."""
    return getattr(view, "dpop", None) or api_settings.DPOP


@cache
def proof_rules() -> ProofRules:
    return ProofRules(
        algorithms=frozenset(api_settings.DPOP_ALGORITHMS),
        max_age=float(api_settings.DPOP_MAX_AGE),
        leeway=float(api_settings.DPOP_LEEWAY),
        min_rsa_bits=int(api_settings.MIN_RSA_BITS),
    )


@cache
def nonce_source() -> NonceSource | None:
    """The API's nonces when `DPOP_NONCE` is on, else None (no nonce asked for)."""
    if not api_settings.DPOP_NONCE:
        return None
    return NonceSource("api", lifetime=float(api_settings.DPOP_NONCE_LIFETIME))


@cache
def replay_store() -> ReplayStore:
    """Proof `jti`s, scoped by key thumbprint, in the shared cache every host of the API uses."""
    return ReplayStore("dpop", alias=api_settings.CACHE_ALIAS)


def reset_dpop_on_change(*, setting: str, **kwargs) -> None:
    """`setting_changed` receiver: the rules, nonces and replay store follow API_AUTH, CACHES and SECRET_KEY."""
    if setting in ("API_AUTH", "CACHES", "SECRET_KEY"):
        proof_rules.cache_clear()
        nonce_source.cache_clear()
        replay_store.cache_clear()


def confirmation(claims: Mapping) -> dict | None:
    """The token's `cnf` (RFC 7800 §3.1): None when absent; `TokenError` when it is no usable object."""
    cnf = claims.get("cnf")
    if cnf is None:
        return None
    if not isinstance(cnf, dict) or not cnf or not all(isinstance(value, str) for value in cnf.values()):
        raise TokenError("The access token's confirmation (cnf) claim is malformed.")
    return cnf


def check_binding(cnf: dict | None, *, proof_thumbprint: str | None, certificate_thumbprint: str | None) -> None:
    """The token's key binding against what the request proved; raises `TokenError`.

    RFC 9449 §7.1: a DPoP request's token must be bound to the proof's key (`cnf.jkt`). A bound
    token is worth nothing without its key (RFC 9449 §7.2), so `jkt` without a proof is refused,
    and so is any member this API cannot verify: `x5t#S256` (RFC 8705 §3) only when the
    certificate came through a trusted proxy, anything else never.
    """
    if cnf is None:
        if proof_thumbprint is not None:
            raise TokenError("The access token is not bound to a DPoP key (no cnf.jkt); send it as a Bearer token.")
        return
    for member, value in cnf.items():
        if member == "jkt":
            if proof_thumbprint is None:
                raise TokenError(
                    "The access token is bound to a DPoP key: send it with 'Authorization: DPoP' and a proof."
                )
            if not hmac.compare_digest(value.encode(), proof_thumbprint.encode()):
                raise TokenError("The access token is bound to another key than the DPoP proof's (cnf.jkt).")
        elif member == X5T_S256:
            if certificate_thumbprint is None:
                raise TokenError("The access token is bound to a client certificate this API cannot verify.")
            if not hmac.compare_digest(value.encode(), certificate_thumbprint.encode()):
                raise TokenError("The access token is bound to another client certificate (cnf x5t#S256).")
        else:
            raise TokenError("The access token is bound to a key in a way this API cannot verify (cnf).")
    if proof_thumbprint is not None and "jkt" not in cnf:
        raise TokenError("The access token is not bound to a DPoP key (no cnf.jkt).")


def is_trusted_proxy(address: str) -> bool:
    """Whether the peer `address` is one of `MTLS_TRUSTED_PROXIES` (addresses or networks)."""
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(network, strict=False) for network in api_settings.MTLS_TRUSTED_PROXIES)


def certificate_thumbprint(value: str) -> str | None:
    """RFC 8705 §3.1 `x5t#S256` of a forwarded certificate, or None when it is not one.

    Accepts RFC 9440's `Client-Cert` (`:base64 DER:`) and a URL-encoded PEM (nginx's
    `$ssl_client_escaped_cert`).
    """
    if not value or len(value) > MAX_CERTIFICATE_BYTES:
        return None
    try:
        if value.startswith(":") and value.endswith(":"):
            der = base64.b64decode(value[1:-1], validate=True)
        else:
            der = x509.load_pem_x509_certificate(unquote(value).encode("ascii")).public_bytes(Encoding.DER)
        x509.load_der_x509_certificate(der)
    except (ValueError, binascii.Error, UnicodeError, TypeError):
        return None
    return b64url_encode(hashlib.sha256(der).digest())
