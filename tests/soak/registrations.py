"""The soak's registrations: `POST /register/` with a `clients:register` token, hostile bodies, the new
clients' own token requests, and the two-sided account at the end (201s ↔ rows ↔ apps at the provider).

The deployment's registration app has the deployment's own embedded Okta Apps API as its provider
(`ORG_URL` and `TOKEN` written by `bootstrap`), as in tests/e2e/test_scale_out.py.
"""

import random
import threading
import uuid
from dataclasses import dataclass

import requests

from tests.support.deployment import Deployment
from tests.support.okta_apps import service_app_body

APP_PREFIX = "soak-"
REGISTER_SCOPE = "clients:register"
SCOPES = ["hello:read"]
MAX_LABEL = 100  # REGISTRATION["MAX_LABEL_LENGTH"]
JSON = {"Content-Type": "application/json"}
# What a broken or hostile registrar sends: each a 400 with `error` and `error_description` (403
# for the unknown scope: a registrar grants only scopes its own token carries), and nothing
# written on either side (docs/registration.md).
HOSTILE = [
    {"json": {"label": "", "scopes": SCOPES}},
    {"json": {"label": "   ", "scopes": SCOPES}},
    {"json": {"label": APP_PREFIX + "x" * MAX_LABEL, "scopes": SCOPES}},
    {"json": {"label": APP_PREFIX + "nul\u0000", "scopes": SCOPES}},
    {"json": {"label": [APP_PREFIX + "list"], "scopes": SCOPES}},
    {"json": {"label": APP_PREFIX + "bad-scope", "scopes": ["no such scope!"]}},
    {"json": {"label": APP_PREFIX + "unknown-scope", "scopes": ["soak:unknown"]}},
    {"json": {"label": APP_PREFIX + "scopes-as-number", "scopes": 42}},
    {"data": b'{"label": "soak-truncated", "scopes": [', "headers": JSON},
    {"data": b"\xff\xfe not json", "headers": JSON},
    {"json": {"label": APP_PREFIX + "long-key", "scopes": SCOPES}, "headers": {"Idempotency-Key": "k" * 256}},
]


@dataclass(frozen=True)
class Registered:
    """A client `POST /register/` answered 201 for; the secret lives only in the soak's memory."""

    client_id: str
    client_secret: str
    label: str


class Registrations:
    """Registers through the deployment's registration API and keeps what it needs for the account."""

    def __init__(self, deployment: Deployment):
        self.d = deployment
        self.lock = threading.Lock()
        self.created: list[Registered] = []
        self.apps_before = self.provider_apps()  # the test client's and the registrar's apps
        self.bearer = {"Authorization": f"Bearer {self.registrar_token()}"}

    def registrar_token(self) -> str:
        """A client holding `clients:register` and the scopes it grants (Apps API), and an access token for it."""
        app = requests.post(
            f"{self.d.base}/api/v1/apps",
            json=service_app_body("soak registrar", [REGISTER_SCOPE, *SCOPES]),
            headers={"Authorization": f"SSWS {self.d.credentials['TOKEN']}"},
            timeout=30,
        )
        app.raise_for_status()
        oauth_client = app.json()["credentials"]["oauthClient"]
        self.apps_before[app.json()["id"]] = oauth_client["client_id"]
        token = requests.post(
            f"{self.d.issuer}/v1/token",
            data={"grant_type": "client_credentials", "scope": " ".join([REGISTER_SCOPE, *SCOPES])},
            auth=(oauth_client["client_id"], oauth_client["client_secret"]),
            timeout=30,
        )
        token.raise_for_status()
        return token.json()["access_token"]

    def register(self, session: requests.Session, rng: random.Random) -> object:
        label = f"{APP_PREFIX}{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
        response = session.post(
            f"{self.d.base}/register/", json={"label": label, "scopes": SCOPES}, headers=self.bearer, timeout=30
        )
        if response.status_code != 201:
            return response.status_code
        body = response.json()
        if (body.get("label"), body.get("scopes")) != (label, SCOPES) or not body.get("client_secret"):
            return "201 with another label, other scopes or no secret"
        with self.lock:
            self.created.append(Registered(body["client_id"], body["client_secret"], label))
        return 201

    def hostile(self, session: requests.Session, rng: random.Random) -> object:
        request = rng.choice(HOSTILE)
        headers = {**self.bearer, **request.get("headers", {})}
        body = {k: v for k, v in request.items() if k != "headers"}
        response = session.post(f"{self.d.base}/register/", headers=headers, timeout=30, **body)
        try:
            error = response.json()
        except ValueError:
            error = None
        if not isinstance(error, dict) or not error.get("error") or not error.get("error_description"):
            return f"{response.status_code} without error and error_description"
        return response.status_code

    def client_token(self, session: requests.Session, rng: random.Random) -> object:
        """A token request with a newly registered client's credentials: the secret returned works."""
        with self.lock:
            if not self.created:
                return None  # nothing registered yet: no request made
            client = rng.choice(self.created)
        response = session.post(
            f"{self.d.issuer}/v1/token",
            data={"grant_type": "client_credentials", "scope": " ".join(SCOPES)},
            auth=(client.client_id, client.client_secret),
            timeout=30,
        )
        if response.status_code == 200 and not response.json().get("access_token"):
            return "200 without access_token"
        return response.status_code

    def provider_apps(self) -> dict[str, str]:
        """Every app at the provider (app id → client id), through the Apps API's `Link` pagination."""
        apps: dict[str, str] = {}
        url = f"{self.d.base}/api/v1/apps?limit=200"
        headers = {"Authorization": f"SSWS {self.d.credentials['TOKEN']}"}
        while url:
            response = requests.get(url, headers=headers, timeout=30)
            response.raise_for_status()
            apps.update({app["id"]: app["credentials"]["oauthClient"]["client_id"] for app in response.json()})
            url = response.links.get("next", {}).get("url")
        return apps

    def account(self) -> "Account":
        """Each 201 ↔ exactly one active row ↔ exactly one new app at the provider; no secret in a row."""
        return Account(
            created=list(self.created),
            rows=self.d.query("SELECT * FROM registration_registeredclient"),
            new_apps={k: v for k, v in self.provider_apps().items() if k not in self.apps_before},
        )


@dataclass
class Account:
    created: list[Registered]
    rows: list[dict]
    new_apps: dict[str, str]

    def failures(self) -> list[str]:
        issued = [client.client_id for client in self.created]
        wanted = set(issued)
        found: list[str] = []
        if len(wanted) != len(issued):
            found.append(f"{len(issued) - len(wanted)} client ids were answered twice")
        row_ids = [row["client_id"] for row in self.rows]
        if len(row_ids) != len(issued) or set(row_ids) != wanted:
            missing, extra = sorted(wanted - set(row_ids)), sorted(set(row_ids) - wanted)
            found.append(f"{len(self.rows)} rows for {len(issued)} 201s: missing {missing}, extra {extra}")
        inactive = [(row["client_id"], row["status"]) for row in self.rows if row["status"] != "active"]
        if inactive:
            found.append(f"rows not active: {inactive[:10]}")
        app_clients = list(self.new_apps.values())
        if len(app_clients) != len(issued) or set(app_clients) != wanted:
            missing, extra = sorted(wanted - set(app_clients)), sorted(set(app_clients) - wanted)
            found.append(f"{len(app_clients)} new apps for {len(issued)} 201s: missing {missing}, extra {extra}")
        by_client = {client_id: app_id for app_id, client_id in self.new_apps.items()}
        wrong = [row["client_id"] for row in self.rows if by_client.get(row["client_id"]) != row["provider_reference"]]
        if wrong:
            found.append(f"rows whose provider_reference is not their app's id: {wrong[:10]}")
        stored = "\n".join(str(value) for row in self.rows for value in row.values())
        leaked = [client.client_id for client in self.created if client.client_secret in stored]
        if leaked:
            found.append(f"the rows hold the secret of {leaked[:10]} in clear")
        return found
