"""Throttling of registrations: `REGISTRATION["THROTTLE_RATE"]` per staff user or per client."""

from rest_framework.throttling import SimpleRateThrottle

from .conf import registration_settings
from .permissions import requester


class RegistrationThrottle(SimpleRateThrottle):
    """Limits POSTs (registrations) per requester; reads are not throttled. A rate of None disables it."""

    scope = "registration"

    def get_rate(self) -> str | None:
        return registration_settings.THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        if request.method != "POST":
            return None
        _, who = requester(request)
        return self.cache_format % {"scope": self.scope, "ident": who}
