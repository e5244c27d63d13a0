"""The migration to `ClientSecret` rows: a client's existing secret keeps authenticating."""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from authserver.credentials import check_secret
from authserver.models import Client, ClientSecret

BEFORE = [("authserver", "0003_signing_key_activation")]
AFTER = [("authserver", "0004_client_credentials")]


@pytest.mark.django_db(transaction=True)
def test_existing_secrets_move_into_client_secret_rows():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    OldClient = old_apps.get_model("authserver", "Client")
    OldClient.objects.create(
        name="Legacy",
        app_id="0oalegacy",
        client_id="legacy",
        client_secret=make_password("legacy-secret-0123456789", hasher="ccp_sha256"),
        client_type="confidential",
        authorization_grant_type="client-credentials",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    client = Client.objects.get(client_id="legacy")
    assert ClientSecret.objects.filter(client=client, status="ACTIVE").count() == 1
    assert check_secret(client, "legacy-secret-0123456789")
    assert not check_secret(client, "wrong-secret-0123456789")
