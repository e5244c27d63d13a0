"""The unauthenticated hello view plus one raw RS256 verify of the request's bearer token: a verify's price in a server.

`bench.throughput` serves it with the every-token-new token file, so each request verifies a
signature never verified before, under the same load, on the same cores and between the same
gunicorn, Django and DRF work as a first-seen token's validation. What it adds to the
unauthenticated rate is one verify as the server pays for it, the reference the first-seen
token's added CPU is divided by. The only work beside `cryptography`'s verify is splitting the
token and decoding its signature; the key is looked up once per header.
"""

import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from rest_framework.response import Response

from api.issuers import trusted_issuers
from api.jwks import get_key_set
from ccproject import strict_json
from ccproject.b64url import b64url_decode

from .peers import OpenHelloView

_KEYS: dict[str, object] = {}  # header segment -> the issuer's public key for its kid


def public_key_for(header_segment: str):
    """The trusted issuer's key named by the token header's `kid` (the benchmark trusts one issuer)."""
    key = _KEYS.get(header_segment)
    if key is None:
        kid = strict_json.loads(b64url_decode(header_segment).decode())["kid"]
        policy = next(iter(trusted_issuers().values()))
        key = _KEYS[header_segment] = get_key_set(policy.issuer, policy.jwks_uri).get_key(kid).key
    return key


class RawVerifyHelloView(OpenHelloView):
    """`OpenHelloView` that first verifies the bearer token's RS256 signature, and nothing else of it."""

    def get(self, request):
        token = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        signing_input, _, signature = token.rpartition(".")
        try:
            public_key_for(signing_input.partition(".")[0]).verify(
                b64url_decode(signature), signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, binascii.Error, ValueError, KeyError, UnicodeError):
            return Response("not verified", status=401)  # the benchmark's tokens are good: this fails the run
        return super().get(request)
