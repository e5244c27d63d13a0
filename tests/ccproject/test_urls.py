"""The URL map tries the API's own routes first: the hello view never walks the issuer's patterns."""

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLPattern

from api import urls as api_urls


@pytest.fixture
def patterns_tried(monkeypatch) -> list[str]:
    """The route of every URL pattern a resolve tries, in order."""
    tried: list[str] = []
    resolve = URLPattern.resolve

    def counting(self, path):
        tried.append(str(self.pattern))
        return resolve(self, path)

    monkeypatch.setattr(URLPattern, "resolve", counting)
    return tried


@pytest.mark.parametrize(
    ("path", "name"), [("/", "hello"), ("/.well-known/oauth-protected-resource", "resource-metadata")]
)
def test_the_apis_routes_resolve_among_the_apis_patterns_only(patterns_tried, path, name):
    assert get_resolver("ccproject.urls").resolve(path).url_name == name
    api_routes = {str(pattern.pattern) for pattern in api_urls.urlpatterns}
    assert set(patterns_tried) <= api_routes


def test_the_other_apps_routes_still_resolve(patterns_tried):
    resolver = get_resolver("ccproject.urls")
    assert resolver.resolve("/oauth2/default/v1/token").url_name == "authserver-token"
    assert resolver.resolve("/register/").url_name == "register"
    assert len(patterns_tried) > len(api_urls.urlpatterns)  # so the counting above counts
