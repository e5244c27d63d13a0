"""The service's Prometheus metrics: every definition, and one function per event that counts it.

Call sites name an event (`token_refused(code)`, `key_set_fetched(issuer, ok)`), never a metric:
the functions here bound every label value to a fixed set (a token's claims, a client id, a URL
or any free text never becomes a label; the one URL is a configured issuer's identifier), and
none of them ever raises: a metric that cannot be written is logged, and the request goes on.
The hot path's counters are bound to their labels once, here, so counting is one `inc()`.

Under gunicorn's several workers each process counts for itself: with `PROMETHEUS_MULTIPROC_DIR`
set before the process starts, prometheus_client keeps each worker's values in files there, and
`/metrics` (ccproject/metrics_view.py) sums them whichever worker answers. Without it, the values
live in the process (runserver, tests).
"""

import logging
import os
import time
from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_multiproc_dir = os.environ.get(MULTIPROC_ENV)
if _multiproc_dir is not None and not os.path.isdir(_multiproc_dir):
    raise ImproperlyConfigured(f"{MULTIPROC_ENV} is set but {_multiproc_dir!r} is not a directory; create it.")

# Imported after the check above: prometheus_client would fail on its first metric with a bare error.
from prometheus_client import Counter, Histogram  # noqa: E402
from prometheus_client.core import GaugeMetricFamily  # noqa: E402

logger = logging.getLogger(__name__)

NAMESPACE = "ccproject"
# A failing metric is reported at most this often, seconds: a full disk must not flood the log.
REPORT_EVERY = 60.0
_reported_at = -REPORT_EVERY

# --- Bounded label values ------------------------------------------------------------------------

ACCEPTED, REFUSED, UNAVAILABLE = "accepted", "refused", "unavailable"
# The error codes the authentication class answers with (api/exceptions.py, RFC 6750 §3.1,
# RFC 9449 §7.1 and §9); any other code counts as "other".
REFUSAL_REASONS = ("invalid_request", "invalid_token", "invalid_dpop_proof", "use_dpop_nonce")
UNAVAILABLE_REASON = "temporarily_unavailable"
OTHER = "other"
# RFC 9110 §9 methods the provider backends use; anything else is "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# What a provider call ended in besides an HTTP status class.
TIMEOUT, ERROR = "timeout", "error"
KEY_SET_STATES = ("fresh", "stale", "expired", "missing")

# --- Definitions -----------------------------------------------------------------------------------

TOKEN_VALIDATIONS = Counter(
    "token_validations",
    "Requests with an access token, by outcome (accepted, refused, unavailable) and the refusal's error code.",
    ["outcome", "reason"],
    namespace=NAMESPACE,
)
TOKEN_CACHE_LOOKUPS = Counter(
    "token_cache_lookups",
    "Lookups in the verified-token cache, by result (hit: no parsing, no signature check; miss).",
    ["result"],
    namespace=NAMESPACE,
)
REPLAYS_REFUSED = Counter(
    "replays_refused",
    "One-time values refused as seen before (dpop: DPoP proofs; client_assertion: private_key_jwt assertions).",
    ["namespace"],
    namespace=NAMESPACE,
)
REPLAY_STORE_UNAVAILABLE = Counter(
    "replay_store_unavailable",
    "One-time values refused because the shared replay cache could not be asked.",
    ["namespace"],
    namespace=NAMESPACE,
)
JWKS_FETCHES = Counter(
    "jwks_fetches",
    "Key-set fetches from a trusted issuer (discovery included), by result (success, failure).",
    ["issuer", "result"],
    namespace=NAMESPACE,
)
JWKS_ADOPTIONS = Counter(
    "jwks_adoptions",
    "Key sets a worker took from the shared cache, fetched by another worker, host or `manage.py jwks refresh`.",
    ["issuer"],
    namespace=NAMESPACE,
)
REGISTRATION_ACTIONS = Counter(
    "registration_actions",
    "Client registrations and lifecycle actions, by action and outcome.",
    ["action", "outcome"],
    namespace=NAMESPACE,
)
PROVIDER_REQUEST_DURATION = Histogram(
    "provider_request_duration_seconds",
    "Requests to the registration provider's API, by provider kind, method and status class "
    "(2xx..5xx, timeout, error).",
    ["kind", "method", "status_class"],
    namespace=NAMESPACE,
    # The backends' timeouts are (3.05, 10) s by default: the last buckets see a slow provider.
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0),
)

# The hot path's children, bound once: counting is one `inc()`, and every series exists from the
# start (a rate over a counter that appears only with its first event misses that event).
_ACCEPTED = TOKEN_VALIDATIONS.labels(ACCEPTED, "none")
_REFUSED = {reason: TOKEN_VALIDATIONS.labels(REFUSED, reason) for reason in (*REFUSAL_REASONS, OTHER)}
_UNAVAILABLE = TOKEN_VALIDATIONS.labels(UNAVAILABLE, UNAVAILABLE_REASON)
_CACHE_HIT = TOKEN_CACHE_LOOKUPS.labels("hit")
_CACHE_MISS = TOKEN_CACHE_LOOKUPS.labels("miss")


def _failed(exc: Exception) -> None:
    """A metric could not be written: say so now and then, never fail the caller."""
    global _reported_at
    now = time.monotonic()
    if now - _reported_at >= REPORT_EVERY:
        _reported_at = now
        logger.warning("A metric could not be recorded (%s); requests are not affected.", type(exc).__name__)


# --- Events ----------------------------------------------------------------------------------------


def _count(metric, *labels: str) -> None:
    """One more of `metric` (a bound child, or a family and its label values); never raises."""
    try:
        (metric.labels(*labels) if labels else metric).inc()
    except Exception as exc:
        _failed(exc)


def token_accepted() -> None:
    """A request's access token (and its proof, if any) was accepted."""
    _count(_ACCEPTED)


def token_refused(code: str) -> None:
    """A request's credentials were refused with the error `code` (`invalid_token`, ...)."""
    _count(_REFUSED.get(code) or _REFUSED[OTHER])


def token_unavailable() -> None:
    """A request's token could not be checked now (no usable key, replay store down): a 503."""
    _count(_UNAVAILABLE)


def token_cache_lookup(hit: bool) -> None:
    _count(_CACHE_HIT if hit else _CACHE_MISS)


def replay_refused(namespace: str) -> None:
    """A one-time value of `namespace` (a code constant: `dpop`, `client_assertion`) was seen before."""
    _count(REPLAYS_REFUSED, namespace)


def replay_store_unavailable(namespace: str) -> None:
    _count(REPLAY_STORE_UNAVAILABLE, namespace)


def key_set_fetched(issuer: str, ok: bool) -> None:
    """A fetch of `issuer`'s key set (a configured issuer: the set is bounded) succeeded or failed."""
    _count(JWKS_FETCHES, issuer, "success" if ok else "failure")


def key_set_adopted(issuer: str) -> None:
    _count(JWKS_ADOPTIONS, issuer)


def registration_action(action: str, outcome: str) -> None:
    """A registration or lifecycle `action` ended in `outcome` (both from the audit log's fixed sets)."""
    _count(REGISTRATION_ACTIONS, action, outcome)


def status_class(status: int) -> str:
    """`2xx`..`5xx` for an HTTP status, `other` outside 100-599."""
    return f"{status // 100}xx" if 100 <= status <= 599 else OTHER


def provider_request(kind: str, method: str, outcome: str, seconds: float) -> None:
    """One request to a provider's API of `kind` (the backend's class attribute) took `seconds`.

    `outcome` is a `status_class`, `timeout` or `error` (no answer).
    """
    try:
        method = method.upper()
        PROVIDER_REQUEST_DURATION.labels(kind, method if method in METHODS else OTHER, outcome).observe(seconds)
    except Exception as exc:
        _failed(exc)


# --- Computed at scrape time ------------------------------------------------------------------------


class KeySetCollector:
    """The trusted issuers' key sets as `KeySet.status()` tells them when `/metrics` is scraped.

    `statuses` returns the status of every trusted issuer's key set; it reads the shared cache,
    so every worker answers alike. Each gauge is computed now, in the scraping process: nothing
    is written per request.
    """

    def __init__(self, statuses: Callable[[], Iterable[dict]], clock: Callable[[], float] = time.time):
        self.statuses = statuses
        self.clock = clock

    def collect(self):
        age = GaugeMetricFamily(
            f"{NAMESPACE}_jwks_age_seconds",
            "Seconds since the issuer's key set in the shared cache was fetched (absent: none yet).",
            labels=["issuer"],
        )
        state = GaugeMetricFamily(
            f"{NAMESPACE}_jwks_state",
            "1 for the key set's state: fresh, stale (served past its max-age), expired (unusable) or missing.",
            labels=["issuer", "state"],
        )
        keys = GaugeMetricFamily(
            f"{NAMESPACE}_jwks_keys", "Usable signing keys in the issuer's key set.", labels=["issuer"]
        )
        try:
            statuses = list(self.statuses())
        except Exception as exc:
            _failed(exc)
            statuses = []
        now = self.clock()
        for status in statuses:
            issuer = status["issuer"]
            if status.get("fetched_at") is not None:
                age.add_metric([issuer], max(0.0, now - status["fetched_at"]))
            for name in KEY_SET_STATES:
                state.add_metric([issuer, name], 1.0 if status.get("state") == name else 0.0)
            keys.add_metric([issuer], float(len(status.get("keys") or ())))
        yield age
        yield state
        yield keys
