"""`OktaProvider`: clients as Okta service apps through the Apps API (`/api/v1/apps`, `SSWS` auth)."""

from __future__ import annotations  # the `list` method shadows the builtin in annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

from django.conf import settings

from ..exceptions import (
    ProviderAuthenticationError,
    ProviderError,
    ProviderNotFound,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderValidationError,
)
from ..public_keys import PUBLIC_MEMBERS
from .base import BaseProvider, ClientRef, CreatedClient, ProviderClient, ProviderKey, ProviderSecret
from .http import HTTPResponse, ProviderHTTP, same_origin

APP_NAME = "oidc_client"


def okta_error(response: HTTPResponse) -> str:
    """Okta's error object (`errorCode`, `errorSummary`, `errorCauses`, `errorId`) as one line."""
    try:
        body = response.json()
    except ProviderError:
        body = None
    if not isinstance(body, dict) or "errorSummary" not in body:
        return f"HTTP {response.status} without an Okta error object"
    causes = [c.get("errorSummary") for c in body.get("errorCauses") or [] if isinstance(c, dict)]
    message = str(body["errorSummary"])
    if causes := [str(cause) for cause in causes if cause and str(cause) != message]:
        message += " (" + "; ".join(causes) + ")"
    ids = ", ".join(str(body[k]) for k in ("errorCode", "errorId") if body.get(k))
    return f"{message} [{ids}]" if ids else message


def parse_timestamp(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class OktaProvider(BaseProvider):
    """The Okta Apps API: a service app per client (`OPENID_CONNECT`, client credentials).

    OPTIONS: `ORG_URL` and `TOKEN` (default: the ORG_URL and TOKEN settings), `TIMEOUT`
    ((connect, read) seconds), `MAX_RETRIES` and `MAX_RETRY_WAIT` (429 handling), `PAGE_LIMIT`,
    `MAX_PAGES`, `TOKEN_ENDPOINT_AUTH_METHOD`. Scopes travel in `profile.scopes`: Okta keeps
    `profile` as opaque JSON (it grants scopes by authorization-server policy), the embedded
    server enforces them.
    """

    http_class = ProviderHTTP
    kind = "okta"

    def __init__(self, alias: str, options: dict):
        super().__init__(alias, options)
        self.org_url = str(options.get("ORG_URL") or settings.ORG_URL).rstrip("/")
        self.url = self.org_url
        self.token = options.get("TOKEN", settings.TOKEN)
        self.page_limit = int(options.get("PAGE_LIMIT", 200))
        self.max_pages = int(options.get("MAX_PAGES", 100))
        self.auth_method = options.get("TOKEN_ENDPOINT_AUTH_METHOD", "client_secret_basic")
        self.http = self.http_class.from_options(options, kind=self.kind)

    # --- the interface ---

    def create(self, *, label: str, scopes: list[str], jwks: list[dict] | None = None) -> CreatedClient:
        settings_oauth = {"grant_types": ["client_credentials"], "application_type": "service"}
        if jwks:
            # Okta's keyless service app: the public keys in settings.oauthClient.jwks, no secret at all.
            settings_oauth["jwks"] = {"keys": list(jwks)}
        body = {
            "name": APP_NAME,
            "label": label,
            "signOnMode": "OPENID_CONNECT",
            "credentials": {
                "oauthClient": {"token_endpoint_auth_method": "private_key_jwt" if jwks else self.auth_method}
            },
            "settings": {"oauthClient": settings_oauth},
            "profile": {"scopes": list(scopes)},
        }
        try:
            response = self._call("POST", "/api/v1/apps", json=body, params={"activate": "true"})
            app = response.json("create response")
        except ProviderError as exc:
            # No answer (timeout) or an unreadable one: the app may exist without our knowing its id.
            exc.maybe_created = isinstance(exc, ProviderTimeout | ProviderUnavailable)
            raise
        oauth = app.get("credentials", {}).get("oauthClient", {}) if isinstance(app, dict) else {}
        secret = oauth.get("client_secret") if isinstance(oauth, dict) else None
        if jwks and isinstance(app, dict) and app.get("id"):
            secret = ""  # a private_key_jwt app has none
        elif not isinstance(secret, str):
            secret = None
        if not isinstance(app, dict) or not app.get("id") or secret is None or (not jwks and not secret):
            error = ProviderUnavailable("The provider's create response lacks the app id or the client secret.")
            error.maybe_created = True
            if isinstance(app, dict) and app.get("id"):
                try:
                    self._remove(str(app["id"]))  # useless without a secret: do not leave it behind
                    error.maybe_created = False
                except ProviderError:
                    pass  # still flagged: the service searches for it and removes it
            raise error
        client = self._client(app)
        return CreatedClient(**{**client.__dict__, "client_secret": secret})

    def get(self, ref: ClientRef) -> ProviderClient:
        return self._client(self._call("GET", self._app_path(ref)).json("application"))

    def list(self, *, label_prefix: str | None = None) -> Iterator[ProviderClient]:
        params = {"limit": str(self.page_limit), "filter": f'name eq "{APP_NAME}"'}
        if label_prefix:
            params["q"] = label_prefix
        response = self._call("GET", "/api/v1/apps", params=params)
        for page in range(1, self.max_pages + 1):
            apps = response.json("application list")
            if not isinstance(apps, list):
                raise ProviderUnavailable("The provider's application list is not a JSON array.")
            yield from (self._client(app) for app in apps if isinstance(app, dict))
            # Okta pagination: follow `Link: <...>; rel="next"` as an opaque URL, on the same origin only
            # (the SSWS token must never go to another host).
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return
            if not same_origin(next_url, self.org_url):
                raise ProviderUnavailable("The provider's next-page link points to another origin.")
            if page == self.max_pages:
                break  # a page that would not be read is not fetched
            response = self._call("GET", next_url)
        raise ProviderUnavailable(f"The provider's application list has more than {self.max_pages} pages.")

    def deactivate(self, ref: ClientRef) -> None:
        self._call("POST", f"{self._app_path(ref)}/lifecycle/deactivate")

    def activate(self, ref: ClientRef) -> None:
        self._call("POST", f"{self._app_path(ref)}/lifecycle/activate")

    def delete(self, ref: ClientRef) -> None:
        self._remove(ref.reference or ref.client_id)

    # --- credentials (Okta's /credentials/secrets and /credentials/jwks) ---

    def _secret(self, body) -> ProviderSecret:
        if not isinstance(body, dict) or not body.get("id"):
            raise ProviderUnavailable("The provider described a client secret without an id.")
        return ProviderSecret(
            id=str(body["id"]),
            status=str(body.get("status", "")),
            fingerprint=str(body.get("secret_hash", "")),
            created=parse_timestamp(body.get("created")),
            client_secret=str(body.get("client_secret") or ""),
        )

    def _key(self, body) -> ProviderKey:
        if not isinstance(body, dict) or not body.get("id"):
            raise ProviderUnavailable("The provider described a key without an id.")
        public = {name: body[name] for name in PUBLIC_MEMBERS if name in body}
        return ProviderKey(
            id=str(body["id"]), kid=str(body.get("kid", "")), status=str(body.get("status", "")), jwk=public
        )

    def _list(self, path: str, what: str) -> list:
        items = self._call("GET", path).json(what)
        if not isinstance(items, list):
            raise ProviderUnavailable(f"The provider's {what} is not a JSON array.")
        return items

    def list_secrets(self, ref: ClientRef) -> list[ProviderSecret]:
        return [self._secret(item) for item in self._list(f"{self._app_path(ref)}/credentials/secrets", "secret list")]

    def create_secret(self, ref: ClientRef) -> ProviderSecret:
        try:
            response = self._call("POST", f"{self._app_path(ref)}/credentials/secrets", json={})
        except ProviderError as exc:
            exc.maybe_created = isinstance(exc, ProviderTimeout | ProviderUnavailable)
            raise
        secret = self._secret(response.json("secret"))
        if not secret.client_secret:
            raise ProviderUnavailable("The provider's new secret response lacks the client_secret.")
        return secret

    def set_secret_status(self, ref: ClientRef, secret_id: str, *, active: bool) -> ProviderSecret:
        action = "activate" if active else "deactivate"
        path = f"{self._app_path(ref)}/credentials/secrets/{quote(secret_id, safe='')}/lifecycle/{action}"
        return self._secret(self._call("POST", path).json("secret"))

    def delete_secret(self, ref: ClientRef, secret_id: str) -> None:
        self._call("DELETE", f"{self._app_path(ref)}/credentials/secrets/{quote(secret_id, safe='')}")

    def list_keys(self, ref: ClientRef) -> list[ProviderKey]:
        return [self._key(item) for item in self._list(f"{self._app_path(ref)}/credentials/jwks", "key list")]

    def add_key(self, ref: ClientRef, jwk: dict) -> ProviderKey:
        response = self._call("POST", f"{self._app_path(ref)}/credentials/jwks", json={**jwk, "status": "ACTIVE"})
        return self._key(response.json("key"))

    def set_key_status(self, ref: ClientRef, key_id: str, *, active: bool) -> ProviderKey:
        action = "activate" if active else "deactivate"
        path = f"{self._app_path(ref)}/credentials/jwks/{quote(key_id, safe='')}/lifecycle/{action}"
        return self._key(self._call("POST", path).json("key"))

    def delete_key(self, ref: ClientRef, key_id: str) -> None:
        self._call("DELETE", f"{self._app_path(ref)}/credentials/jwks/{quote(key_id, safe='')}")

    # --- helpers ---

    def _remove(self, app_id: str) -> None:
        # Okta deletes only an inactive app (E0000056 otherwise): deactivate first.
        path = f"/api/v1/apps/{quote(app_id, safe='')}"
        self._call("POST", f"{path}/lifecycle/deactivate")
        self._call("DELETE", path)

    def _app_path(self, ref: ClientRef) -> str:
        return f"/api/v1/apps/{quote(ref.reference or ref.client_id, safe='')}"

    def _client(self, app: dict) -> ProviderClient:
        oauth = (app.get("credentials") or {}).get("oauthClient") or {}
        scopes = (app.get("profile") or {}).get("scopes") or []
        if isinstance(scopes, str):
            scopes = scopes.split()
        if not app.get("id"):
            raise ProviderUnavailable("The provider described an application without an id.")
        return ProviderClient(
            client_id=str(oauth.get("client_id") or app["id"]),
            reference=str(app["id"]),
            label=str(app.get("label", "")),
            status=str(app.get("status", "")),
            scopes=[str(scope) for scope in scopes] if isinstance(scopes, list) else [],
            created=parse_timestamp(app.get("created")),
        )

    def _call(self, method: str, path: str, **kwargs) -> HTTPResponse:
        if not self.token:
            raise ProviderAuthenticationError(
                f"No API token for the provider at {self.org_url}: set TOKEN (an Okta API token)."
            )
        url = path if path.startswith(("http://", "https://")) else f"{self.org_url}{path}"
        response = self.http.request(method, url, headers={"Authorization": f"SSWS {self.token}"}, **kwargs)
        if response.status < 400:
            return response
        reason = okta_error(response)
        if response.status == 400:
            raise ProviderValidationError(f"The provider refused the request: {reason}")
        if response.status in (401, 403):
            raise ProviderAuthenticationError(
                f"The provider at {self.org_url} refused this service's API token ({reason}): "
                "check TOKEN (an API token of an administrator allowed to manage apps)."
            )
        if response.status == 404:
            raise ProviderNotFound(f"The provider has no such application: {reason}")
        raise ProviderUnavailable(f"The provider answered {method} with HTTP {response.status}: {reason}")
