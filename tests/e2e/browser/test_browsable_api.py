"""The browsable API without a token: a readable 401 that explains how to get one."""

import pytest

from .conftest import save_screenshot, wait

pytestmark = pytest.mark.e2e


def test_unauthenticated_hello_explains_how_to_get_a_token(driver, live_server, embedded_issuer):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    driver.get(f"{live_server.url}/")
    panel = wait(driver, ec.visibility_of_element_located((By.ID, "api-error")))
    assert "401 Unauthorized" in panel.text
    assert "unauthorized" in panel.text
    how_to = driver.find_element(By.ID, "how-to-get-a-token").text
    assert "How to get a token" in how_to
    assert "manage.py get_token" in how_to
    assert f"{embedded_issuer}/v1/token" in how_to
    # The docs link leads to Swagger UI, where Authorize gets a token in the browser.
    link = driver.find_element(By.LINK_TEXT, "the API docs (Swagger UI)")
    assert link.get_attribute("href") == f"{live_server.url}/api/docs/"
    save_screenshot(driver, "browsable-api-401")
