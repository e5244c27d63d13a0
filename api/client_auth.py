"""`ClientCredentialsAuth`: a `requests` auth that gets, caches and presents client-credentials tokens."""

import threading
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from ccproject.dpop_signer import DPoPKey

from .private_key_jwt import AssertionSigner
from .token_request import TokenResponse, fetch_token

# Marks a request already sent again after a 401, so it is retried once at most.
_RETRIED = "_client_credentials_retried"


class ClientCredentialsAuth(AuthBase):
    """`requests.get(url, auth=ClientCredentialsAuth(...))`: the token endpoint asked only when needed.

    The token is cached (shared by every thread using this object; one fetch at a time) until
    `refresh_margin` seconds before it expires. With `dpop=True` (or a `DPoPKey`), tokens are
    DPoP-bound to an ES256 key made for this object, and every request carries a fresh proof
    (RFC 9449 §4, §7) with the server's latest `DPoP-Nonce`. A 401 is answered once: for
    `use_dpop_nonce` with the nonce the server sent, for `invalid_token` with a new token (it
    expired, or the issuer's keys rotated); anything else is returned as it came. A token
    request that fails raises `OAuthClientError` from the call that needed the token.
    """

    refresh_margin = 30.0

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str = "",
        signer: AssertionSigner | None = None,
        scope: str | None = None,
        audience: str | None = None,
        resource: Sequence[str] = (),
        dpop: bool | DPoPKey = False,
        url_setting: str = "ISSUER",
        timer: Callable[[], float] = time.time,
    ):
        self.token_url = token_url
        self._request = {
            "client_id": client_id,
            "client_secret": client_secret,
            "signer": signer,
            "scope": scope,
            "audience": audience,
            "resource": tuple(resource),
            "url_setting": url_setting,
        }
        self.dpop_key = dpop if isinstance(dpop, DPoPKey) else (DPoPKey() if dpop else None)
        self.timer = timer
        self._lock = threading.Lock()
        self._token: TokenResponse | None = None
        self._expires_at = 0.0
        self._nonces: dict[str, str] = {}  # the latest DPoP-Nonce by origin (RFC 9449 §8.2)

    def fetch(self) -> TokenResponse:
        """A new token from the token endpoint (a hook for tests); raises `OAuthClientError`."""
        return fetch_token(token_url=self.token_url, dpop_key=self.dpop_key, **self._request)

    def token(self) -> TokenResponse:
        """The cached token, or a new one when it is about to expire."""
        with self._lock:
            if self._token is None or self.timer() >= self._expires_at - self.refresh_margin:
                token = self.fetch()
                lifetime = token.expires_in if isinstance(token.expires_in, int | float) else 300
                self._token, self._expires_at = token, self.timer() + lifetime
            return self._token

    def invalidate(self, token: TokenResponse) -> None:
        """Forget `token` (refused by the API), unless another thread replaced it already."""
        with self._lock:
            if self._token is token:
                self._token = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self._present(request, self.token())
        request.register_hook("response", self._on_response)
        return request

    def _present(self, request: requests.PreparedRequest, token: TokenResponse) -> None:
        request._client_credentials_token = token
        if self.dpop_key is None:
            request.headers["Authorization"] = f"Bearer {token.access_token}"
            return
        request.headers["Authorization"] = f"DPoP {token.access_token}"
        nonce = self._nonces.get(_origin(request.url))
        request.headers["DPoP"] = self.dpop_key.proof(
            request.method, request.url, access_token=token.access_token, nonce=nonce
        )

    def _on_response(self, response: requests.Response, **kwargs) -> requests.Response:
        nonce = response.headers.get("DPoP-Nonce")
        if nonce:
            self._nonces[_origin(response.request.url)] = nonce
        if response.status_code != 401 or getattr(response.request, _RETRIED, False):
            return response
        challenge = response.headers.get("WWW-Authenticate", "")
        if 'error="use_dpop_nonce"' in challenge and nonce and self.dpop_key is not None:
            token = response.request._client_credentials_token
        elif 'error="invalid_token"' in challenge:
            self.invalidate(response.request._client_credentials_token)
            token = self.token()
        else:
            return response
        # As requests' digest auth does: consume the refusal, send a copy, keep the first in history.
        response.content  # noqa: B018
        response.close()
        retry = response.request.copy()
        setattr(retry, _RETRIED, True)
        self._present(retry, token)
        answer = response.connection.send(retry, **kwargs)
        if answer.headers.get("DPoP-Nonce"):
            self._nonces[_origin(retry.url)] = answer.headers["DPoP-Nonce"]
        answer.history.append(response)
        answer.request = retry
        return answer


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
