"""What `/readyz` must answer, for Django's test client and for `requests` over real HTTP alike."""

CHECKS = ("database", "cache", "keys")


def assert_ready(response) -> None:
    assert response.status_code == 200, (response.status_code, response.content)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json() == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}


def assert_not_ready(response, *failing: str) -> dict:
    """503 naming exactly the `failing` checks, in the error shape; the body, for further checks."""
    assert response.status_code == 503, (response.status_code, response.content)
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"status", "checks", "error", "error_description"}, body
    assert body["status"] == "unavailable"
    assert body["error"] == "not_ready"
    assert body["checks"] == {name: "failing" if name in failing else "ok" for name in CHECKS}, body
    for name in failing:
        assert name in body["error_description"]
    return body
