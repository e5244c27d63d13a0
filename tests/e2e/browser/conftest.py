"""Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium, against `live_server`.

Skipped with the reason when the browser is missing on a developer's machine; a failure under
CI (`CI=true`), where `.ci/run` installs it.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from authserver.service_clients import create_service_client

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
WAIT_SECONDS = 20
# No traffic but to the live server: no sync, no component or field-trial downloads, no QUIC.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1280,1000",
]

CLIENT_ID = "browser-client"
CLIENT_SECRET = "browser-secret-" + "z" * 40

pytestmark = pytest.mark.e2e


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_browser() -> None:
    """Skip (or, under CI, fail) when Chromium, its driver or Selenium is missing."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    reason = ""
    if missing:
        reason = f"headless Chromium is not installed ({', '.join(missing)}): apt-get install chromium chromium-driver"
    else:
        try:
            import selenium  # noqa: F401
        except ImportError:
            reason = "selenium is not installed: make install-dev"
    if reason:
        if in_ci():
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture
def driver(tmp_path, request) -> Iterator:
    """A fresh headless Chromium (own profile directory); its last page is saved as a screenshot."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    service = Service(executable_path=CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    browser = webdriver.Chrome(options=options, service=service)
    browser.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield browser
    finally:
        try:
            save_screenshot(browser, request.node.name + ("" if _passed(request) else "-FAILED"))
        finally:
            browser.quit()


def _passed(request) -> bool:
    report = getattr(request.node, "rep_call", None)
    return report is not None and report.passed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def save_screenshot(browser, name: str) -> Path:
    """Save the page as `test-artifacts/<name>.png` (gitignored) and return the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name) + ".png")
    browser.save_screenshot(str(path))
    return path


def wait(browser, condition, seconds: float = WAIT_SECONDS):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds).until(condition)


@pytest.fixture
def embedded_issuer(live_server, settings) -> str:
    """The API trusts the embedded issuer of the same live server, which knows one client."""
    issuer = f"{live_server.url}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    settings.ISSUER = issuer
    create_service_client(
        label="Browser Client",
        scopes=["hello:read"],
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
    )[0]
    return issuer
