"""ccproject.metrics: each counter moves on the event it counts, and label values stay in bounded sets."""

import logging
import re
import uuid

import pytest
import requests
import responses

from api.jwks import KeySet
from api.validation import validate_token
from ccproject import metrics
from ccproject.dpop_signer import DPoPKey
from ccproject.remote_json import FetchError
from ccproject.replay import ReplayStore, ReplayStoreUnavailable
from conftest import ISSUER, KID, b64url
from registration.exceptions import ProviderTimeout, ProviderUnavailable
from registration.providers.dynamic import DynamicRegistrationProvider
from registration.providers.http import ProviderHTTP
from registration.providers.okta import OktaProvider
from tests.api.brokencache import DEAD_CACHES

ACCEPTED = {"outcome": "accepted", "reason": "none"}
INVALID_TOKEN = {"outcome": "refused", "reason": "invalid_token"}
INVALID_REQUEST = {"outcome": "refused", "reason": "invalid_request"}
UNAVAILABLE = {"outcome": "unavailable", "reason": "temporarily_unavailable"}
# Every (outcome, reason) the token counter may ever carry.
VALIDATION_LABELS = {
    ("accepted", "none"),
    ("unavailable", "temporarily_unavailable"),
    *(("refused", reason) for reason in (*metrics.REFUSAL_REASONS, metrics.OTHER)),
}


def value(metric, suffix: str = "_total", **labels) -> float:
    """The current value of one series of `metric` (0 when it has none yet)."""
    for family in metric.collect():
        for sample in family.samples:
            if sample.name == family.name + suffix and sample.labels == labels:
                return sample.value
    return 0.0


def label_sets(metric) -> list[dict]:
    return [sample.labels for family in metric.collect() for sample in family.samples]


class Delta:
    """What a block added to one series of `metric`."""

    def __init__(self, metric, suffix: str = "_total", **labels):
        self.metric, self.suffix, self.labels = metric, suffix, labels
        self.start = value(metric, suffix, **labels)

    def __call__(self) -> float:
        return value(self.metric, self.suffix, **self.labels) - self.start


def hello(api_client, header: str | None = None, **extra):
    headers = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return api_client.get("/", HTTP_ACCEPT="application/json", **headers, **extra)


# --- token validations -------------------------------------------------------------------------------


def test_an_accepted_token_is_counted_once(api_client, make_token, issuer_http):
    accepted = Delta(metrics.TOKEN_VALIDATIONS, **ACCEPTED)
    assert hello(api_client, f"Bearer {make_token()}").status_code == 200
    assert accepted() == 1


@pytest.mark.parametrize(
    ("header", "query", "labels"),
    [
        ("Bearer not-a-jwt", "", INVALID_TOKEN),
        ("Bearer a b", "", INVALID_REQUEST),
        ("Bearer\tabc", "", INVALID_REQUEST),
        (None, "access_token=abc", INVALID_REQUEST),
    ],
    ids=["malformed token", "two tokens", "tab", "token in the query"],
)
def test_each_refusal_is_counted_under_its_error_code(api_client, header, query, labels):
    refused = Delta(metrics.TOKEN_VALIDATIONS, **labels)
    response = hello(api_client, header, QUERY_STRING=query)
    assert response.json()["error"] == labels["reason"]
    assert refused() == 1


def test_an_expired_token_is_invalid_token(api_client, make_token, issuer_http):
    refused = Delta(metrics.TOKEN_VALIDATIONS, **INVALID_TOKEN)
    assert hello(api_client, f"Bearer {make_token(exp=1)}").status_code == 401
    assert refused() == 1


def test_no_credentials_is_no_validation(api_client):
    before = [value(metrics.TOKEN_VALIDATIONS, outcome=o, reason=r) for o, r in VALIDATION_LABELS]
    assert hello(api_client).status_code == 401
    assert hello(api_client, "Basic dXNlcjpwYXNz").status_code == 401
    assert [value(metrics.TOKEN_VALIDATIONS, outcome=o, reason=r) for o, r in VALIDATION_LABELS] == before


def test_keys_that_cannot_be_had_count_as_unavailable(api_client, make_token):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(re.compile(r"https://issuer\.test/.*"), status=500)
        unavailable = Delta(metrics.TOKEN_VALIDATIONS, **UNAVAILABLE)
        assert hello(api_client, f"Bearer {make_token()}").status_code == 503
    assert unavailable() == 1


def test_a_replayed_dpop_proof_is_counted_as_a_replay_and_a_refusal(api_client, make_token, issuer_http):
    key = DPoPKey()
    token = make_token(cnf={"jkt": key.thumbprint})
    proof = key.proof("GET", "http://testserver/", access_token=token)
    replays = Delta(metrics.REPLAYS_REFUSED, namespace="dpop")
    refused = Delta(metrics.TOKEN_VALIDATIONS, outcome="refused", reason="invalid_dpop_proof")
    accepted = Delta(metrics.TOKEN_VALIDATIONS, **ACCEPTED)
    assert hello(api_client, f"DPoP {token}", HTTP_DPOP=proof).status_code == 200
    response = hello(api_client, f"DPoP {token}", HTTP_DPOP=proof)
    assert response.json()["error"] == "invalid_dpop_proof"
    assert (accepted(), refused(), replays()) == (1, 1, 1)


def test_hostile_tokens_never_become_label_values(api_client, make_token, issuer_http, rsa_key):
    """Random kids, foreign issuers, client ids, garbage and NUL bytes: only the fixed labels appear."""
    marker = uuid.uuid4().hex
    hostile = [
        make_token(headers={"kid": f"kid-{marker}"}),
        make_token(iss=f"https://evil-{marker}.test/"),
        make_token(cid=f"client-{marker}", sub=f"client-{marker}"),
        make_token(aud=f"aud-{marker}"),
        f"{b64url({'alg': 'RS256', 'kid': marker})}.{b64url({'iss': marker})}.{b64url(marker)}",
        f"garbage{marker}",
        "a" * 9000,
        f"{marker}\x00",
    ]
    for token in hostile:
        hello(api_client, f"Bearer {token}")
        hello(api_client, f"DPoP {token}", HTTP_DPOP=f"proof{marker}")
    families = [
        metrics.TOKEN_VALIDATIONS,
        metrics.TOKEN_CACHE_LOOKUPS,
        metrics.REPLAYS_REFUSED,
        metrics.REPLAY_STORE_UNAVAILABLE,
        metrics.JWKS_FETCHES,
        metrics.JWKS_ADOPTIONS,
    ]
    seen = [labels for family in families for labels in label_sets(family)]
    assert not [labels for labels in seen if marker in str(labels) or "a" * 100 in str(labels)]
    validations = {(labels["outcome"], labels["reason"]) for labels in label_sets(metrics.TOKEN_VALIDATIONS)}
    assert validations <= VALIDATION_LABELS
    assert {labels["result"] for labels in label_sets(metrics.TOKEN_CACHE_LOOKUPS)} <= {"hit", "miss"}


def test_an_unknown_error_code_counts_as_other():
    other = Delta(metrics.TOKEN_VALIDATIONS, outcome="refused", reason="other")
    metrics.token_refused(f"made_up_{uuid.uuid4().hex}")
    assert other() == 1


def test_a_failing_metric_never_fails_the_request(api_client, make_token, issuer_http, monkeypatch, caplog):
    class Broken:
        def inc(self, amount=1):
            raise OSError("no space left on device")

    monkeypatch.setattr(metrics, "_ACCEPTED", Broken())
    monkeypatch.setattr(metrics, "_CACHE_MISS", Broken())
    monkeypatch.setattr(metrics, "_reported_at", -metrics.REPORT_EVERY)
    with caplog.at_level(logging.WARNING, logger="ccproject.metrics"):
        assert hello(api_client, f"Bearer {make_token()}").status_code == 200
        assert hello(api_client, f"Bearer {make_token()}").status_code == 200
    reports = [record for record in caplog.records if record.name == "ccproject.metrics"]
    assert len(reports) == 1, "a failing metric is reported once a minute, not per request"
    assert "OSError" in reports[0].getMessage()


# --- the verified-token cache --------------------------------------------------------------------------


def test_cache_lookups_count_misses_then_hits(make_token, issuer_http):
    token = make_token()
    hits, misses = Delta(metrics.TOKEN_CACHE_LOOKUPS, result="hit"), Delta(metrics.TOKEN_CACHE_LOOKUPS, result="miss")
    for _ in range(4):
        validate_token(token)
    # Admitted on its second validation (the doorkeeper), served from the cache after that.
    assert (misses(), hits()) == (2, 2)


def test_without_the_cache_nothing_is_looked_up(make_token, issuer_http, settings):
    settings.API_AUTH = {**settings.API_AUTH, "TOKEN_CACHE_MAX_ENTRIES": 0}
    hits, misses = Delta(metrics.TOKEN_CACHE_LOOKUPS, result="hit"), Delta(metrics.TOKEN_CACHE_LOOKUPS, result="miss")
    validate_token(make_token())
    assert (misses(), hits()) == (0, 0)


# --- the replay store --------------------------------------------------------------------------------


def test_replays_are_counted_by_namespace():
    store = ReplayStore("client_assertion")
    replays = Delta(metrics.REPLAYS_REFUSED, namespace="client_assertion")
    assert store.first_use("client-1", "jti-1", window=60) is True
    assert store.first_use("client-1", "jti-1", window=60) is False
    assert store.first_use("client-1", "jti-1", window=60) is False
    assert replays() == 2


def test_an_unreachable_replay_store_is_counted(settings):
    settings.CACHES = {**settings.CACHES, "dead": DEAD_CACHES["broken backend"]}
    unavailable = Delta(metrics.REPLAY_STORE_UNAVAILABLE, namespace="dpop")
    with pytest.raises(ReplayStoreUnavailable):
        ReplayStore("dpop", alias="dead").first_use("thumbprint", "jti", window=60)
    assert unavailable() == 1


# --- key sets ------------------------------------------------------------------------------------------

JWKS_URI = f"{ISSUER}/v1/keys"


def test_a_fetch_and_a_failed_fetch_are_counted_by_issuer(jwks):
    success = Delta(metrics.JWKS_FETCHES, issuer=ISSUER, result="success")
    failure = Delta(metrics.JWKS_FETCHES, issuer=ISSUER, result="failure")
    key_set = KeySet(ISSUER, JWKS_URI)
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URI, json=jwks)
        key_set.refresh_now()
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URI, status=500)
        with pytest.raises(FetchError):
            key_set.refresh_now()
    assert (success(), failure()) == (1, 1)


def test_a_key_set_another_worker_fetched_is_counted_as_adopted(jwks):
    adopted = Delta(metrics.JWKS_ADOPTIONS, issuer=ISSUER)
    fetched = Delta(metrics.JWKS_FETCHES, issuer=ISSUER, result="success")
    fetcher, other = KeySet(ISSUER, JWKS_URI), KeySet(ISSUER, JWKS_URI)
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URI, json=jwks)
        fetcher.refresh_now()
    with responses.RequestsMock():  # the other worker asks nobody: the shared cache has the keys
        assert other.get_key(KID).kid == KID
        other.get_key(KID)
    assert (fetched(), adopted()) == (1, 1)


def test_the_key_set_collector_reports_age_state_and_keys():
    statuses = [
        {"issuer": "https://a.test", "fetched_at": 1000.0, "state": "fresh", "keys": [{}, {}]},
        {"issuer": "https://b.test", "fetched_at": None, "state": "missing", "keys": []},
    ]
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in metrics.KeySetCollector(lambda: statuses, clock=lambda: 1042.5).collect()
        for sample in family.samples
    }
    assert samples[("ccproject_jwks_age_seconds", (("issuer", "https://a.test"),))] == 42.5
    assert ("ccproject_jwks_age_seconds", (("issuer", "https://b.test"),)) not in samples
    assert samples[("ccproject_jwks_state", (("issuer", "https://a.test"), ("state", "fresh")))] == 1
    assert samples[("ccproject_jwks_state", (("issuer", "https://a.test"), ("state", "stale")))] == 0
    assert samples[("ccproject_jwks_state", (("issuer", "https://b.test"), ("state", "missing")))] == 1
    assert samples[("ccproject_jwks_keys", (("issuer", "https://a.test"),))] == 2


def test_a_failing_status_source_yields_empty_families():
    def broken():
        raise ConnectionError("the shared cache is down")

    families = list(metrics.KeySetCollector(broken).collect())
    assert [family.samples for family in families] == [[], [], []]


# --- provider calls -------------------------------------------------------------------------------------

PROVIDER = "https://provider.test/api/v1/apps"


def observed(kind: str, method: str, status_class: str) -> Delta:
    return Delta(metrics.PROVIDER_REQUEST_DURATION, "_count", kind=kind, method=method, status_class=status_class)


@pytest.mark.parametrize(("status", "status_class"), [(200, "2xx"), (404, "4xx"), (302, "3xx"), (503, "5xx")])
def test_provider_calls_are_timed_by_kind_method_and_status_class(status, status_class):
    count = observed("okta", "POST", status_class)
    with responses.RequestsMock() as mock:
        mock.post(PROVIDER, status=status, json={})
        try:
            ProviderHTTP(kind="okta").request("post", PROVIDER, headers={})
        except ProviderUnavailable:
            assert status >= 300
    assert count() == 1


@pytest.mark.parametrize(
    ("error", "raised", "outcome"),
    [
        (requests.ConnectTimeout(), ProviderTimeout, "timeout"),
        (requests.ConnectionError(), ProviderUnavailable, "error"),
    ],
)
def test_a_provider_that_does_not_answer_is_timed_too(error, raised, outcome):
    count = observed("dynamic", "GET", outcome)
    with responses.RequestsMock() as mock:
        mock.get(PROVIDER, body=error)
        with pytest.raises(raised):
            ProviderHTTP(kind="dynamic").request("GET", PROVIDER, headers={})
    assert count() == 1


def test_provider_labels_stay_bounded():
    count = observed("okta", "other", "other")
    metrics.provider_request("okta", f"BREW{uuid.uuid4().hex}", metrics.status_class(999), 0.1)
    assert count() == 1


def test_each_backend_names_its_kind(settings):
    assert OktaProvider("default", {}).http.kind == "okta"
    assert DynamicRegistrationProvider("dynamic", {}).http.kind == "dynamic"


def test_the_hot_path_series_exist_before_their_first_event():
    """A rate over a counter that appears with its first event misses that event: they start at 0."""
    names = {
        (sample.name, tuple(sample.labels.values()))
        for family in metrics.TOKEN_VALIDATIONS.collect()
        for sample in family.samples
    }
    for outcome, reason in VALIDATION_LABELS:
        assert ("ccproject_token_validations_total", (outcome, reason)) in names
