"""The soak's registration account itself: each way a registration can go unaccounted for is reported."""

from tests.soak.registrations import Account, Registered

ONE = Registered("0oaone", "secret-one-" + "s" * 30, "soak-one")
TWO = Registered("0oatwo", "secret-two-" + "t" * 30, "soak-two")


def row(client: Registered, **changes) -> dict:
    return {
        "client_id": client.client_id,
        "label": client.label,
        "status": "active",
        "provider_reference": f"app-{client.client_id}",
        "provider_credential": "",
        **changes,
    }


def apps(*clients: Registered) -> dict[str, str]:
    return {f"app-{client.client_id}": client.client_id for client in clients}


def test_a_balanced_account_has_no_failure():
    assert Account([ONE, TWO], [row(ONE), row(TWO)], apps(ONE, TWO)).failures() == []


def test_a_201_without_a_row_or_an_app():
    failures = Account([ONE, TWO], [row(ONE)], apps(ONE)).failures()
    assert len(failures) == 2
    assert "1 rows for 2 201s: missing ['0oatwo']" in failures[0]
    assert "1 new apps for 2 201s: missing ['0oatwo']" in failures[1]


def test_a_row_or_an_app_without_a_201():
    failures = Account([ONE], [row(ONE), row(TWO, status="failed")], apps(ONE, TWO)).failures()
    assert any("extra ['0oatwo']" in failure and "rows" in failure for failure in failures)
    assert any("extra ['0oatwo']" in failure and "apps" in failure for failure in failures)
    assert any("not active: [('0oatwo', 'failed')]" in failure for failure in failures)


def test_a_client_id_answered_twice():
    failures = Account([ONE, ONE], [row(ONE)], apps(ONE)).failures()
    assert "1 client ids were answered twice" in failures


def test_a_row_pointing_at_another_app():
    failures = Account([ONE], [row(ONE, provider_reference="app-other")], apps(ONE)).failures()
    assert failures == ["rows whose provider_reference is not their app's id: ['0oaone']"]


def test_a_secret_stored_in_clear():
    failures = Account([ONE], [row(ONE, last_error=f"oops {ONE.client_secret}")], apps(ONE)).failures()
    assert failures == ["the rows hold the secret of ['0oaone'] in clear"]
