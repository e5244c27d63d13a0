"""`RegisteredClient`: the record of an API client created at a provider (never its secret)."""

from django.conf import settings
from django.db import models

from .crypto import decrypt_json, encrypt_json
from .providers import ClientRef


class RegisteredClient(models.Model):
    """One client at one provider. The secret is never stored; an RFC 7592 credential only encrypted.

    Lifecycle: `pending` (row written, provider not yet answered) → `active` or `failed`;
    `active` ⇄ `inactive`; then `deleted` (kept for the audit trail).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        DELETED = "deleted", "Deleted"
        FAILED = "failed", "Failed"

    label = models.CharField(max_length=100)
    client_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    provider = models.CharField(max_length=50, help_text="The REGISTRATION_PROVIDERS alias.")
    provider_reference = models.CharField(
        max_length=255, blank=True, default="", help_text="The provider's own id (Okta's app id)."
    )
    # Fernet ciphertext of what managing the client needs (RFC 7592 registration URI and token).
    provider_credential = models.TextField(blank=True, default="", editable=False)
    scopes = models.JSONField(default=list)
    # How the client authenticates at the token endpoint (RFC 7591 §2): a secret, or `private_key_jwt`
    # with the public keys whose `kid`s are listed here (the keys themselves live at the provider).
    auth_method = models.CharField(max_length=32, default="client_secret_basic")
    key_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    creator = models.CharField(max_length=255, blank=True, default="", help_text="Who asked: user, client or CLI.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # SHA-256 of (requester, Idempotency-Key) and of the request body: one client per key.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    request_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "registered client"

    def __str__(self) -> str:
        return f"{self.label} ({self.client_id or self.status})"

    @property
    def ref(self) -> ClientRef:
        """How the provider finds this client (the credential decrypted only here)."""
        credential = decrypt_json(self.provider_credential) if self.provider_credential else None
        return ClientRef(client_id=self.client_id or "", reference=self.provider_reference, credential=credential)

    def set_credential(self, credential: dict | None) -> None:
        self.provider_credential = encrypt_json(credential) if credential else ""

    @property
    def scope_string(self) -> str:
        return " ".join(self.scopes)

    @property
    def is_keyless(self) -> bool:
        return self.auth_method == "private_key_jwt"
