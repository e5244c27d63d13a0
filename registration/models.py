"""`RegisteredClient`: the record of an API client created at a provider (never its secret);
`AuditEvent`: who changed which client, and how it ended (never a secret either)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

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


class AuditEvent(models.Model):
    """One registration, lifecycle or credential action on a client, as it ended; written by `registration.audit`.

    Never holds a secret: no client secret, private key, token or provider API token, not even
    hashed. `credential` names a secret or key by its id at the provider (a public key also by
    its RFC 7638 thumbprint); `reason` is a short code of this service's (never provider text).
    Read-only in the admin; `manage.py prune_audit_events` removes old events.
    """

    class ActorKind(models.TextChoices):
        STAFF = "staff", "Staff user"
        CLIENT = "client", "API client"
        SYSTEM = "system", "System (command line)"

    class Action(models.TextChoices):
        REGISTER = "register", "Register"
        ACTIVATE = "activate", "Activate"
        DEACTIVATE = "deactivate", "Deactivate"
        DELETE = "delete", "Delete"
        SECRET_CREATE = "secret_create", "Secret created (rotation start)"
        SECRET_ACTIVATE = "secret_activate", "Secret activated"
        SECRET_DEACTIVATE = "secret_deactivate", "Secret deactivated"
        SECRET_DELETE = "secret_delete", "Secret deleted"
        SECRET_RETIRE = "secret_retire", "Secret retired"
        SECRET_RETIRE_OLDER = "secret_retire_older", "Older secrets retired (rotation finish)"
        KEY_ADD = "key_add", "Key added"
        KEY_ACTIVATE = "key_activate", "Key activated"
        KEY_DEACTIVATE = "key_deactivate", "Key deactivated"
        KEY_RETIRE = "key_retire", "Key retired"
        SYNC = "sync", "Reconcile with the provider"
        SYNC_SETTLE = "sync_settle", "Reconcile: interrupted registration settled"
        SYNC_DELETE = "sync_delete", "Reconcile: marked deleted (gone at the provider)"
        SYNC_ACTIVATE = "sync_activate", "Reconcile: marked active (as at the provider)"
        SYNC_DEACTIVATE = "sync_deactivate", "Reconcile: marked inactive (as at the provider)"
        SYNC_CREDENTIAL = "sync_credential", "Reconcile: rotated registration access token stored"
        REENCRYPT = "reencrypt", "Stored credentials re-encrypted"

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Refused"

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.CharField(
        max_length=255, blank=True, help_text="A username, a client id or the OS user of a command."
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    target = models.CharField(
        max_length=255, blank=True, help_text="The client id, `row N` for a record without one, or what a run covered."
    )
    credential = models.CharField(
        max_length=255, blank=True, help_text="The secret's or key's id at the provider (never its value)."
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=64, blank=True, help_text="Why it failed or was refused: a short code.")
    request_id = models.CharField(max_length=128, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.target or '-'}: {self.outcome}"
