"""Swagger UI in a real browser: Authorize with client credentials, call `GET /`, read the greeting."""

import pytest

from .conftest import CLIENT_ID, CLIENT_SECRET, save_screenshot, wait

pytestmark = pytest.mark.e2e


def test_authorize_and_call_hello(driver, live_server, embedded_issuer):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(f"{live_server.url}/api/docs/")
    wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()

    # The Authorize dialog of the oauth2 scheme: the clientCredentials flow and its scope.
    wait(driver, ec.visibility_of_element_located((By.ID, "client_id_clientCredentials")))
    # One container per scheme (the session's cookieAuth too): the oauth2 one has the client id field.
    modal = driver.find_element(
        By.XPATH, "//div[contains(@class, 'auth-container')][.//input[@id='client_id_clientCredentials']]"
    )
    assert f"{embedded_issuer}/v1/token" in modal.text
    driver.find_element(By.ID, "client_id_clientCredentials").send_keys(CLIENT_ID)
    driver.find_element(By.ID, "client_secret_clientCredentials").send_keys(CLIENT_SECRET)
    driver.find_element(By.CSS_SELECTOR, 'label[for="hello:read-clientCredentials-checkbox-oauth2"]').click()
    save_screenshot(driver, "swagger-ui-authorize")
    modal.find_element(By.CSS_SELECTOR, "button.modal-btn.authorize").click()
    # Swagger UI shows "Logout" once the issuer has answered with a token.
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, 'button[aria-label="Remove authorization"]')))
    assert "Authorized" in modal.text
    driver.find_element(By.CSS_SELECTOR, "button.btn-done").click()

    operation = wait(driver, ec.element_to_be_clickable((By.ID, "operations-default-hello")))
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "#operations-default-hello .try-out__btn"))).click()
    wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "#operations-default-hello button.execute"))).click()

    body = wait(
        driver,
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, "#operations-default-hello .live-responses-table .response-col_description pre")
        ),
    )
    wait(driver, lambda _: "Hello World!" in body.text)
    status = driver.find_element(
        By.CSS_SELECTOR, "#operations-default-hello .live-responses-table tbody .response-col_status"
    )
    assert status.text.strip() == "200"
    assert body.text.strip() == '"Hello World!"'
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", body)
    save_screenshot(driver, "swagger-ui-hello")
