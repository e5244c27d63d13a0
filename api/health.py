"""Liveness and readiness probes for load balancers and Kubernetes: cheap, unauthenticated, no secret."""

import logging

from django.core.cache import caches
from django.db import connections
from django.http import JsonResponse

from ccproject.http import error_response, no_store

from .conf import api_settings
from .issuers import trusted_issuers
from .jwks import get_key_set

logger = logging.getLogger(__name__)

# The cache key a probe reads: a read tells whether the backend answers, and stores nothing.
PROBE_KEY = "ccp:readyz"


def database_ready() -> bool:
    """Every configured database answers a query."""
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            logger.warning("Readiness: the database %r does not answer.", alias, exc_info=True)
            return False
    return True


def cache_ready() -> bool:
    """The shared cache that holds key sets (and DPoP replays) answers a read."""
    try:
        caches[api_settings.CACHE_ALIAS].get(PROBE_KEY)
    except Exception:
        logger.warning("Readiness: the shared cache does not answer.", exc_info=True)
        return False
    return True


def keys_ready() -> bool:
    """Every trusted issuer has signing keys that can check a token now."""
    ready = True
    for policy in trusted_issuers().values():
        if not get_key_set(policy.issuer, policy.jwks_uri).ensure_ready():
            logger.warning("Readiness: no usable signing key for %s.", policy.issuer)
            ready = False
    return ready


# Named checks, in the order they run; a failure names the check only (no address, no error text).
CHECKS = {"database": database_ready, "cache": cache_ready, "keys": keys_ready}


SAFE_METHODS = ("GET", "HEAD")


def method_not_allowed(request):
    """405 in the API's error shape, with `Allow` (RFC 9110 §15.5.6)."""
    response = error_response(
        "method_not_allowed", f"Method {request.method} is not allowed here; use GET.", status=405
    )
    response["Allow"] = ", ".join(SAFE_METHODS)
    return no_store(response)


def livez(request):
    """`GET /livez`: 200 while the process serves requests; it checks nothing else on purpose."""
    if request.method not in SAFE_METHODS:
        return method_not_allowed(request)
    return no_store(JsonResponse({"status": "ok"}))


def readyz(request):
    """`GET /readyz`: 200 when the database, the shared cache and every issuer's keys are usable, else 503."""
    if request.method not in SAFE_METHODS:
        return method_not_allowed(request)
    checks = {name: "ok" if check() else "failing" for name, check in CHECKS.items()}
    failing = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "unavailable" if failing else "ok", "checks": checks}
    if failing:
        body["error"] = "not_ready"
        body["error_description"] = f"Not ready: {', '.join(failing)} failing."
    return no_store(JsonResponse(body, status=503 if failing else 200))
