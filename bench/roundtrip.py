"""The hello view behind a bearer token plus one replay-store check: a DPoP request's shared-cache round trip, alone.

`bench.dpop_throughput` serves it beside the DPoP variant, so the run shows what the one
`SET NX EX` that RFC 9449 §11.1 replay protection needs costs on the host, apart from the proof.
"""

import secrets

from rest_framework.response import Response

from api.conf import api_settings
from api.views import HelloView
from ccproject.replay import ReplayStore

# Its own namespace: the benchmark's values never meet a proof's.
STORE = ReplayStore("bench", alias=api_settings.CACHE_ALIAS)
WINDOW = 70.0  # a proof's replay window with the default settings (60 s + 2 x 5 s leeway)


class RoundTripHelloView(HelloView):
    """`HelloView` whose every answer first stores a value never used before, as a DPoP request's replay check does."""

    def get(self, request):
        if not STORE.first_use(request.auth.client_id, secrets.token_urlsafe(16), window=WINDOW):
            return Response("replayed", status=409)  # a fresh random value was seen before: the store is broken
        return super().get(request)
