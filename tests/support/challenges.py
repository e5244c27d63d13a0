"""Reading `WWW-Authenticate` challenges (RFC 9110 §11.6.1) in tests: scheme and auth-params."""

import re

# The metadata URL of the default RESOURCE (RFC 9728 §3.1), which every challenge names.
RESOURCE_METADATA = "http://127.0.0.1:8000/.well-known/oauth-protected-resource"
# The `algs` of the DPoP challenge with the default DPOP_ALGORITHMS (RFC 9449 §7.1).
DPOP_ALGS = "ES256 ES384 ES512 EdDSA Ed25519 Ed448 PS256 PS384 PS512 RS256 RS384 RS512"

_PARAM = re.compile(r'\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+)\s*(?:,|$)')
_SCHEME = re.compile(r"\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s+|$)")


def parse_challenges(header: str) -> list[tuple[str, dict[str, str]]]:
    """Every challenge of a header value, in order: `[(scheme, {param: value}), ...]`."""
    challenges: list[tuple[str, dict[str, str]]] = []
    position = 0
    while position < len(header):
        scheme = _SCHEME.match(header, position)
        assert scheme, f"no auth-scheme at {header[position:]!r}"
        params: dict[str, str] = {}
        position = scheme.end()
        while (param := _PARAM.match(header, position)) is not None:
            value = param.group(2)
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            assert param.group(1) not in params, f"{param.group(1)} repeated in {header!r}"
            params[param.group(1)] = value
            position = param.end()
        challenges.append((scheme.group(1), params))
        position += len(header[position:]) - len(header[position:].lstrip(", "))
    return challenges


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """The one challenge of a header value."""
    (challenge,) = parse_challenges(header)
    return challenge


def scheme_params(response, scheme: str) -> dict[str, str]:
    """The auth-params of a response's one challenge of `scheme` (beside any of other schemes)."""
    found = [params for name, params in parse_challenges(response["WWW-Authenticate"]) if name == scheme]
    assert len(found) == 1, response["WWW-Authenticate"]
    return found[0]


def bearer_params(response) -> dict[str, str]:
    """The auth-params of a response's `Bearer` challenge."""
    return scheme_params(response, "Bearer")
