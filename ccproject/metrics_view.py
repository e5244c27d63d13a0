"""`GET /metrics`: the service's Prometheus metrics, for loopback and `METRICS_ALLOWED_IPS` only.

Anyone else gets the 404 of a path that does not exist, so the endpoint is not even seen. The
caller is the peer itself (`REMOTE_ADDR`), never an address a header claims; a request a proxy
relayed (`Forwarded`, `X-Forwarded-*`, ...) is refused whatever its peer, so a proxy on the same
host cannot hand the loopback's right to the Internet. Prometheus scrapes each host directly.
"""

import ipaddress
import logging
import os
from collections.abc import Iterator
from functools import cache, lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from api.health import SAFE_METHODS, method_not_allowed
from api.issuers import trusted_issuers
from api.jwks import get_key_set

from .http import no_store
from .loopback import carries_forwarding_evidence
from .metrics import MULTIPROC_ENV, KeySetCollector
from .not_found import NO_ENDPOINT, not_found_response

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _entries(value) -> list:
    """The setting's entries: a list (a lone string counts as one entry, not as its characters)."""
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list | tuple) else [value]


def _network(entry) -> Network | None:
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except (AttributeError, TypeError, ValueError):
        return None


def invalid_entries(value) -> list:
    """The entries of `METRICS_ALLOWED_IPS` that are no address or network (system check api.E040)."""
    return [entry for entry in _entries(value) if _network(entry) is None]


@lru_cache(maxsize=8)
def _allowed_networks(entries: tuple) -> tuple[Network, ...]:
    # An entry that is no network allows nothing (fail closed); the system check names it.
    return tuple(network for network in map(_network, entries) if network is not None)


def _peer(address: str):
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return None
    if peer.version == 6 and peer.ipv4_mapped is not None:
        return peer.ipv4_mapped  # a dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d
    return peer


def may_scrape(request) -> bool:
    """Whether the request's peer is the loopback interface or in `METRICS_ALLOWED_IPS`, and no proxy."""
    if carries_forwarding_evidence(request):
        return False
    peer = _peer(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return False
    if peer.is_loopback:
        return True
    networks = _allowed_networks(tuple(_entries(getattr(settings, "METRICS_ALLOWED_IPS", []))))
    return any(peer.version == network.version and peer in network for network in networks)


def key_set_statuses() -> Iterator[dict]:
    """Every trusted issuer's key set as the shared cache has it (never a fetch)."""
    for policy in trusted_issuers().values():
        try:
            yield get_key_set(policy.issuer, policy.jwks_uri).status()
        except Exception:
            logger.warning("Metrics: the key set of %s cannot be described.", policy.issuer, exc_info=True)


@cache
def scrape_registry() -> CollectorRegistry:
    """Every worker's values summed (multiprocess mode), else this process's; and the key sets."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    registry.register(KeySetCollector(key_set_statuses))
    return registry


def render(accept: str) -> tuple[bytes, str]:
    """The exposition `accept` asks for (OpenMetrics or the text format) and its content type."""
    encoder, content_type = choose_encoder(accept)
    return encoder(scrape_registry()), content_type


@csrf_exempt  # no cookie is read, and any method but GET and HEAD is refused
def metrics(request):
    """`GET /metrics`: Prometheus' text format (OpenMetrics when asked for); 404 to a caller not allowed."""
    if not may_scrape(request):
        return not_found_response(NO_ENDPOINT)
    if request.method not in SAFE_METHODS:
        return method_not_allowed(request)
    body, content_type = render(request.META.get("HTTP_ACCEPT", ""))
    return no_store(HttpResponse(body, content_type=content_type))
