"""Bounded HTTP GETs of JSON documents from an issuer (discovery, key sets), with the `api` app's limits."""

import requests

from ccproject.remote_json import (  # noqa: F401 (the API's names for the shared fetcher)
    FetchError,
    JSONDocument,
    is_secure_url,
    parse_max_age,
)
from ccproject.remote_json import fetch_json as fetch_bounded_json

from .conf import api_settings


def fetch_json(url: str, session: requests.Session | None = None) -> JSONDocument:
    """GET `url` within `HTTP_TIMEOUT` and `MAX_RESPONSE_BYTES`; raise `FetchError` on anything but a JSON object."""
    return fetch_bounded_json(
        url, timeout=api_settings.HTTP_TIMEOUT, max_bytes=api_settings.MAX_RESPONSE_BYTES, session=session
    )
