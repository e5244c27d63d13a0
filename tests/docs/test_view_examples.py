"""The views the README and docs/protect-your-view.md show run as written, with real tokens."""

import re
import types
from pathlib import Path

import pytest
from django.urls import path
from rest_framework.views import APIView

ROOT = Path(__file__).resolve().parents[2]


def example_views(page: str) -> dict[str, type[APIView]]:
    """Execute every Python block of a page as one module; its APIView subclasses by name."""
    text = (ROOT / page).read_text()
    module = types.ModuleType(f"docs_example_{Path(page).stem.replace('-', '_')}")
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        exec(compile(block, page, "exec"), module.__dict__)
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, APIView) and value is not APIView
    }


README_VIEWS = example_views("README.md")
GUIDE_VIEWS = example_views("docs/protect-your-view.md")
urlpatterns = [
    path("orders/", README_VIEWS["OrdersView"].as_view()),
    path("reports/", GUIDE_VIEWS["ReportsView"].as_view()),
]


@pytest.fixture(autouse=True)
def _urls(settings, issuer_http):
    settings.ROOT_URLCONF = __name__


def call(api_client, method: str, url: str, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(api_client, method)(url, **headers)


def test_the_readme_view_takes_per_method_scopes(api_client, make_token):
    response = call(api_client, "get", "/orders/", make_token(scp=["orders:read"]))
    assert response.status_code == 200
    assert response.json() == {"client": "client-1", "scopes": ["orders:read"]}
    refused = call(api_client, "post", "/orders/", make_token(scp=["orders:read"]))
    assert refused.status_code == 403
    assert refused.json()["scope"] == "orders:write"
    assert 'scope="orders:write"' in refused["WWW-Authenticate"]
    anonymous = call(api_client, "get", "/orders/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith('Bearer realm="api"')


def test_the_guides_view_takes_any_of_its_scopes(api_client, make_token):
    response = call(api_client, "get", "/reports/", make_token(scp=["reports:admin"]))
    assert response.status_code == 200
    assert response.json()["client"] == "client-1"
    refused = call(api_client, "get", "/reports/", make_token(scp=["hello:read"]))
    assert refused.status_code == 403
    assert refused.json()["error_description"].endswith("one of reports:admin reports:read.")


def test_the_guides_403_body_is_what_the_api_answers(api_client, make_token):
    import json

    text = (ROOT / "docs/protect-your-view.md").read_text()
    shown = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    refused = call(api_client, "post", "/orders/", make_token(scp=["orders:read"]))
    assert refused.json() == shown
