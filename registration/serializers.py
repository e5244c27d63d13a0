"""Serializers of the registration API (the browsable API renders them as forms)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from .conf import registration_settings
from .models import RegisteredClient


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string", "description": "Space-delimited scope names."},
        ],
        "example": ["hello:read"],
    }
)
class ScopesField(serializers.Field):
    """Scopes as a JSON array or a space-delimited string (what an HTML form can send)."""

    default_error_messages = {"invalid": "Scopes must be an array of scope names or a space-delimited string."}

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return " ".join(dictionary.getlist(self.field_name))
        return super().get_value(dictionary)

    def to_internal_value(self, data) -> list[str]:
        if isinstance(data, str):
            data = data.split()
        if not isinstance(data, list) or not all(isinstance(scope, str) for scope in data):
            self.fail("invalid")
        return data

    def to_representation(self, value) -> list[str]:
        return list(value)


class LabelField(serializers.CharField):
    """A JSON string only: DRF's `CharField` would turn `123` or `1.5` into a label."""

    default_error_messages = {"invalid": "A label must be a string."}

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RegistrationSerializer(serializers.Serializer):
    label = LabelField(max_length=100, help_text="A name for the new API client.")
    scopes = ScopesField(help_text="Scopes the client may request, e.g. hello:read (space-delimited in this form).")
    jwks = serializers.JSONField(
        required=False,
        help_text=(
            "Optional: your PUBLIC key as a JWK or JWKS (with a kid). The client then authenticates with "
            "private_key_jwt and gets no secret. Never paste a private key here."
        ),
    )

    def validate_label(self, value: str) -> str:
        if len(value) > registration_settings.MAX_LABEL_LENGTH:
            raise serializers.ValidationError(f"At most {registration_settings.MAX_LABEL_LENGTH} characters.")
        return value


class RegisteredClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegisteredClient
        fields = [
            "client_id",
            "label",
            "scopes",
            "auth_method",
            "key_ids",
            "status",
            "provider",
            "provider_reference",
            "creator",
            "created_at",
            "updated_at",
            "last_error",
        ]
        read_only_fields = fields


class PublicKeySerializer(serializers.Serializer):
    """`POST /clients/{id}/keys/`: one public JWK (with a `kid`)."""

    jwk = serializers.JSONField(help_text="Your new PUBLIC key as a JWK with a kid; never a private key.")


class SecretSerializer(serializers.Serializer):
    """A secret at the provider: never its value."""

    id = serializers.CharField()
    status = serializers.CharField()
    fingerprint = serializers.CharField(help_text="The provider's hash of the secret, to tell secrets apart.")


class NewSecretSerializer(SecretSerializer):
    client_id = serializers.CharField()
    client_secret = serializers.CharField(help_text="Shown only in this answer; never stored.")


class KeySerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The provider's key id (retire and lifecycle paths take it).")
    kid = serializers.CharField()
    status = serializers.CharField()


def secret_data(secret) -> dict:
    """A secret at the provider, without its value (shown only when it was created)."""
    return {"id": secret.id, "status": secret.status, "fingerprint": secret.fingerprint}


def key_data(key) -> dict:
    return {"id": key.id, "kid": key.kid, "status": key.status}
