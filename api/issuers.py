"""The trusted issuers and the validation policy of each (`ISSUER`, or the `ISSUERS` mapping)."""

from collections.abc import Mapping
from dataclasses import dataclass

from .conf import ISSUER_OPTIONS, SUPPORTED_ALGORITHMS, api_settings
from .profiles import PROFILES, STANDARD, IssuerProfile


@dataclass(frozen=True)
class IssuerPolicy:
    """What a token of one issuer must satisfy; a token's `iss` selects its policy."""

    issuer: str
    audiences: frozenset[str]
    algorithms: frozenset[str]
    jwks_uri: str | None = None
    leeway: float = 60
    max_token_age: float | None = None
    strict_rfc9068: bool = False
    profile: IssuerProfile = STANDARD
    # None: any client; otherwise only these (empty: none, e.g. a `cognito` issuer without a list).
    allowed_client_ids: frozenset[str] | None = None
    roles_client: str | None = None


def _audiences(value) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    return frozenset(item for item in value or () if isinstance(item, str) and item)


def _algorithms(value) -> frozenset[str]:
    # RFC 8725 §3.1/§3.2: only asymmetric algorithms, so `none` and HMAC can never slip in.
    return frozenset(alg for alg in value or () if alg in SUPPORTED_ALGORITHMS)


def _client_ids(value) -> frozenset[str] | None:
    if isinstance(value, str):
        value = [value]
    ids = frozenset(item for item in value or () if isinstance(item, str) and item)
    return ids or None


def build_policy(issuer: str, options: Mapping | None = None, *, jwks_uri: str | None = None) -> IssuerPolicy:
    """The policy of `issuer`: its own options over the top-level settings, its profile resolved once.

    An unknown profile name counts as `standard` (system check api.E020 reports it). A profile
    whose tokens carry no audience, without `ALLOWED_CLIENT_IDS`, accepts no client: fail closed.
    """
    options = {name: options[name] for name in ISSUER_OPTIONS if options and name in options}

    def option(name: str):
        return options[name] if name in options else getattr(api_settings, name)

    profile = PROFILES.get(option("PROFILE"), STANDARD)
    allowed = _client_ids(option("ALLOWED_CLIENT_IDS"))
    if allowed is None and profile.needs_allowed_clients:
        allowed = frozenset()
    roles_client = option("RESOURCE_ACCESS_CLIENT") if profile.roles_client else None
    return IssuerPolicy(
        issuer=issuer,
        # RFC 8707 §2: a token asked for with `resource` carries this API's identifier as its `aud`.
        audiences=_audiences(option("AUDIENCE")) | _audiences(api_settings.RESOURCE),
        algorithms=_algorithms(option("ALGORITHMS")),
        jwks_uri=options.get("JWKS_URI", jwks_uri) or None,
        leeway=float(option("LEEWAY")),
        max_token_age=option("MAX_TOKEN_AGE"),
        strict_rfc9068=bool(option("STRICT_RFC9068")) or profile.strict_rfc9068,
        profile=profile,
        allowed_client_ids=allowed,
        roles_client=roles_client if isinstance(roles_client, str) and roles_client else None,
    )


_trusted: dict[str, IssuerPolicy] | None = None


def trusted_issuers() -> dict[str, IssuerPolicy]:
    """Every trusted issuer's policy by exact issuer string; memoised until settings change."""
    global _trusted
    if _trusted is None:
        configured = api_settings.ISSUERS
        if isinstance(configured, Mapping) and configured:
            _trusted = {
                issuer: build_policy(issuer, options if isinstance(options, Mapping) else None)
                for issuer, options in configured.items()
                if isinstance(issuer, str) and issuer
            }
        elif api_settings.ISSUER:
            _trusted = {api_settings.ISSUER: build_policy(api_settings.ISSUER, jwks_uri=api_settings.JWKS_URI)}
        else:
            _trusted = {}
    return _trusted


def reset_trusted_issuers() -> None:
    global _trusted
    _trusted = None


def reset_trusted_issuers_on_change(*, setting: str, **kwargs) -> None:
    """`setting_changed` receiver: the policies are built from `API_AUTH`."""
    if setting == "API_AUTH":
        reset_trusted_issuers()
