"""Registration pages in a real browser: the admin's list of registered clients, the browsable /register/ form."""

import json
import re

import pytest
import requests

from authserver.models import AdminApiToken
from registration.services import register_client

from .conftest import save_screenshot, wait

pytestmark = pytest.mark.e2e

STAFF, PASSWORD = "ops", "staff-password-browser-1"


@pytest.fixture
def provider(live_server, embedded_issuer, settings, django_user_model):
    """The live server is the issuer, the API and the provider (its Okta Apps API, over HTTP); one staff user."""
    settings.ORG_URL = live_server.url
    settings.TOKEN = AdminApiToken.issue("browser tests")[1]
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": "default", "THROTTLE_RATE": None}
    settings.REGISTRATION_PROVIDERS = {
        "default": {"BACKEND": "registration.providers.okta.OktaProvider", "OPTIONS": {}},
        "dynamic": {"BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider", "OPTIONS": {}},
    }
    return django_user_model.objects.create_user(STAFF, "ops@example.com", PASSWORD, is_staff=True, is_superuser=True)


def log_in(driver, base: str) -> None:
    """Sign in through the admin's login form, as a person does."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(f"{base}/admin/login/?next=/admin/")
    wait(driver, ec.visibility_of_element_located((By.ID, "id_username"))).send_keys(STAFF)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    wait(driver, ec.presence_of_element_located((By.ID, "user-tools")))


def test_admin_lists_a_client_registered_in_the_test(driver, live_server, provider):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    registration = register_client(label="Billing Service", scopes=["hello:read"], created_by=provider, creator="test")
    client_id = registration.client.client_id

    log_in(driver, live_server.url)
    driver.get(f"{live_server.url}/admin/registration/registeredclient/")
    table = wait(driver, ec.visibility_of_element_located((By.ID, "result_list")))
    row = table.find_element(By.XPATH, f".//tr[contains(., '{client_id}')]")
    assert "Billing Service" in row.text
    assert "hello:read" in row.text
    assert registration.client_secret not in driver.page_source
    save_screenshot(driver, "admin-registered-clients")


def test_register_form_shows_the_new_client_id_and_secret(driver, live_server, provider, embedded_issuer):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    log_in(driver, live_server.url)
    driver.get(f"{live_server.url}/register/")
    form = wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, "#post-object-form form")))
    form.find_element(By.NAME, "label").send_keys("Reporting Service")
    form.find_element(By.NAME, "scopes").send_keys("hello:read")
    form.find_element(By.CSS_SELECTOR, "button.btn-primary").click()

    response = wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, ".response-info pre")))
    wait(driver, lambda _: "client_secret" in response.text)
    assert "HTTP 201 Created" in response.text
    body = json.loads(response.text[response.text.index("{") :])
    assert body["label"] == "Reporting Service"
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,}", body["client_id"])
    save_screenshot(driver, "browsable-api-register")

    # The id and secret the page showed really work at the issuer.
    token = requests.post(
        f"{embedded_issuer}/v1/token",
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=(body["client_id"], body["client_secret"]),
        timeout=10,
    )
    assert token.status_code == 200, token.text
