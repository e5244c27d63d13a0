"""Request ids: taken from a trusted proxy when well formed, else generated; echoed on every response."""

import logging
import re
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.test import Client, RequestFactory
from django.urls import path

from ccproject import request_id
from ccproject.request_id import RequestIdFilter, RequestIdMiddleware
from ccproject.urls import urlpatterns as project_urlpatterns
from tests.support.form_client import FORM

GENERATED = re.compile(r"[0-9a-f]{32}")
GOOD = "lb-7f3a.9c:01_ZZ"


def show_current(request):
    return JsonResponse({"current": request_id.current(), "attribute": request.request_id})


def fail(request):
    raise RuntimeError("boom")


def forbid(request):
    raise PermissionDenied


barrier = threading.Barrier(2, timeout=30)


def wait_for_the_other_thread(request):
    before = request_id.current()
    barrier.wait()  # both requests are inside a view at once
    return JsonResponse({"before": before, "after": request_id.current()})


urlpatterns = [
    path("test/current", show_current),
    path("test/fail", fail),
    path("test/forbid", forbid),
    path("test/together", wait_for_the_other_thread),
    *project_urlpatterns,
]


def id_of(response) -> str:
    return response["X-Request-ID"]


@pytest.fixture
def trusted(settings):
    settings.REQUEST_ID_HEADER_TRUSTED = True


# --- the id of a request ---


def test_a_request_without_the_header_gets_a_fresh_id(client):
    first, second = id_of(client.get("/livez")), id_of(client.get("/livez"))
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second)
    assert first != second


def test_the_header_is_ignored_unless_the_proxy_is_trusted(client):
    response = client.get("/livez", HTTP_X_REQUEST_ID=GOOD)
    assert GENERATED.fullmatch(id_of(response))


def test_a_trusted_well_formed_header_is_taken(client, trusted):
    assert id_of(client.get("/livez", HTTP_X_REQUEST_ID=GOOD)) == GOOD
    assert id_of(client.get("/livez", HTTP_X_REQUEST_ID="x" * 128)) == "x" * 128


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "a\x00b",
        "abc\r\nSet-Cookie: x=1",
        "abc\n",
        "with space",
        "x" * 129,
        "x" * 10_000,
        "idé",
        "id\u202e",
        "١٢٣",  # Unicode digits: not ASCII
        "a,b",  # the header sent twice, as the WSGI server joins it
        "a;b",
        "<script>",
        "a/b",
    ],
)
def test_a_malformed_header_is_replaced_never_echoed(client, trusted, hostile):
    response = client.get("/livez", HTTP_X_REQUEST_ID=hostile)
    assert GENERATED.fullmatch(id_of(response))
    assert not request_id.is_well_formed(hostile)


def test_is_well_formed_bounds():
    assert request_id.is_well_formed("a") and request_id.is_well_formed("A-z_0.9:" * 16)
    assert not request_id.is_well_formed("A-z_0.9:" * 16 + "x")


def test_generated_ids_are_unique():
    assert len({request_id.generate() for _ in range(1000)}) == 1000


# --- every response carries it ---


@pytest.mark.urls(__name__)
def test_the_view_sees_its_id_as_attribute_and_context(client, trusted):
    body = client.get("/test/current", HTTP_X_REQUEST_ID=GOOD).json()
    assert body == {"current": GOOD, "attribute": GOOD}
    assert request_id.current() is None  # reset once the response was closed


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/no/such/page", 404),
        ("delete", "/livez", 405),
        ("get", "/test/fail", 500),
        ("get", "/test/forbid", 403),
        ("get", "/clients/abc%00def/", 400),  # the input guard's refusal
    ],
)
def test_error_responses_carry_the_id(trusted, method, url, status):
    client = Client(raise_request_exception=False)
    response = getattr(client, method)(url, HTTP_X_REQUEST_ID=GOOD)
    assert response.status_code == status
    assert id_of(response) == GOOD
    assert request_id.current() is None


def test_the_input_guards_413_carries_the_id(client, settings, trusted):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = b"grant_type=client_credentials&x=" + b"a" * 200
    response = client.generic("POST", "/oauth2/default/v1/token", body, content_type=FORM, HTTP_X_REQUEST_ID=GOOD)
    assert response.status_code == 413
    assert id_of(response) == GOOD


def test_the_https_redirect_carries_the_id(client, settings, trusted):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/", HTTP_X_REQUEST_ID=GOOD)
    assert response.status_code == 301
    assert id_of(response) == GOOD


def test_the_throttles_429_carries_the_id(api_client, make_token, issuer_http, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "1/hour"}}
    token = make_token()
    headers = {"HTTP_ACCEPT": "application/json", "HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert api_client.get("/", **headers).status_code == 200
    response = api_client.get("/", **headers)
    assert response.status_code == 429
    assert GENERATED.fullmatch(id_of(response))


def test_the_key_set_fetch_of_a_request_carries_its_id(api_client, make_token, issuer_http):
    response = api_client.get("/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Bearer {make_token()}")
    assert response.status_code == 200
    fetched = [call.request for call in issuer_http.calls]
    assert fetched and all(request.headers["X-Request-ID"] == id_of(response) for request in fetched)


# --- the context variable ---


def test_current_is_none_outside_a_request():
    assert request_id.current() is None
    assert request_id.outgoing_headers() == {}


def test_the_context_is_reset_when_the_response_is_closed():
    seen = []

    def view(request):
        seen.append(request_id.current())
        return HttpResponse()

    response = RequestIdMiddleware(view)(RequestFactory().get("/"))
    assert seen == [id_of(response)]
    assert request_id.current() == id_of(response)  # the server still writes its request line
    assert request_id.outgoing_headers() == {"X-Request-ID": id_of(response)}
    response.close()
    assert request_id.current() is None


def test_the_context_is_reset_when_the_chain_raises():
    def view(request):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        RequestIdMiddleware(view)(RequestFactory().get("/"))
    assert request_id.current() is None


def test_a_response_closed_in_another_thread_fails_nothing():
    response = RequestIdMiddleware(lambda request: HttpResponse())(RequestFactory().get("/"))
    errors = []
    thread = threading.Thread(target=lambda: errors.extend(_close(response)))
    thread.start()
    thread.join()
    assert errors == []
    request_id._current.set(None)  # this thread's value: its token was spent in the other thread


def _close(response) -> list[Exception]:
    try:
        response.close()
    except Exception as exc:
        return [exc]
    return []


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_in_threads_each_see_their_own_id(settings):
    settings.REQUEST_ID_HEADER_TRUSTED = True
    results = {}

    def call(name: str) -> None:
        response = Client().get("/test/together", HTTP_X_REQUEST_ID=name)
        results[name] = (response.json(), id_of(response), request_id.current())

    threads = [threading.Thread(target=call, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for name in ("first", "second"):
        body, echoed, after = results[name]
        assert body == {"before": name, "after": name}
        assert echoed == name
        assert after is None
    assert request_id.current() is None


# --- logging ---


def record(args=None) -> logging.LogRecord:
    return logging.LogRecord("x", logging.INFO, __file__, 1, "message %s", args or ("a",), None)


def test_the_filter_marks_records_outside_a_request_with_a_dash():
    entry = record()
    assert RequestIdFilter().filter(entry) is True
    assert entry.request_id == "-"


def test_the_filter_adds_the_current_id():
    token = request_id._current.set("abc")
    try:
        entry = record()
        RequestIdFilter().filter(entry)
        assert entry.request_id == "abc"
    finally:
        request_id._current.reset(token)


def test_the_filter_reads_gunicorns_response_header_atom():
    from gunicorn.glogging import SafeAtoms

    entry = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s", None, None)
    entry.args = SafeAtoms({"r": "GET / HTTP/1.1", "{x-request-id}o": "abc"})
    RequestIdFilter().filter(entry)
    assert entry.request_id == "abc"
    entry.args = SafeAtoms({"r": "GET / HTTP/1.1"})
    RequestIdFilter().filter(entry)
    assert entry.request_id == "-"


# --- calls made to serve a request ---


def test_provider_calls_carry_the_id_of_the_request_they_serve():
    from registration.providers.http import ProviderHTTP
    from tests.support.fake_okta import FakeOkta

    okta = FakeOkta(token="t", jwks={"keys": []}).start()
    try:
        http = ProviderHTTP(timeout=(5, 5))
        url = f"{okta.base}/api/v1/apps"
        http.request("GET", url, headers={"Authorization": "SSWS t"})  # outside a request: none
        token = request_id._current.set("abc123")
        try:
            http.request("GET", url, headers={"Authorization": "SSWS t"})
        finally:
            request_id._current.reset(token)
    finally:
        okta.stop()
    assert [value for _, _, value in okta.request_ids] == [None, "abc123"]
