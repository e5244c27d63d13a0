"""Client.scope_ceiling: what a client's own RFC 7592 updates may ask for; existing clients keep what they have."""

from django.db import migrations, models
from django.db.models import F


def ceiling_from_allowed_scopes(apps, schema_editor):
    apps.get_model("authserver", "Client").objects.update(scope_ceiling=F("allowed_scopes"))


class Migration(migrations.Migration):
    dependencies = [
        ("authserver", "0005_client_dpop_bound_access_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="scope_ceiling",
            field=models.TextField(
                blank=True,
                default="",
                help_text="Space-delimited scopes granted at registration (or by an administrator): the most the "
                "client's own RFC 7592 updates may ask for.",
            ),
        ),
        migrations.RunPython(ceiling_from_allowed_scopes, migrations.RunPython.noop),
    ]
