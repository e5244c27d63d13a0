"""The embedded server's clients, signing keys and admin API tokens."""

import hashlib
import secrets
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import AbstractApplication


def okta_id(prefix: str) -> str:
    """An Okta-style object id: a three-letter type prefix and 17 random characters."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(17))


def new_app_id() -> str:
    """An application id (`0oa...`)."""
    return okta_id("0oa")


def new_secret_id() -> str:
    """A client secret's id (`ocs...`), as Okta's credentials API names them."""
    return okta_id("ocs")


def new_key_id() -> str:
    """A client public key's id (`pks...`), as Okta's credentials API names them."""
    return okta_id("pks")


AUTH_METHOD_CHOICES = [
    ("client_secret_basic", "client_secret_basic"),
    ("client_secret_post", "client_secret_post"),
    ("private_key_jwt", "private_key_jwt"),
]
STATUS_ACTIVE = "ACTIVE"
STATUS_INACTIVE = "INACTIVE"
STATUS_CHOICES = [(STATUS_ACTIVE, "Active"), (STATUS_INACTIVE, "Inactive")]


class Client(AbstractApplication):
    """An OAuth client of the embedded server (django-oauth-toolkit's swappable Application).

    Adds what Okta's application model has and DOT's lacks: a lifecycle status (an
    inactive client cannot authenticate) and the scopes the client may request.
    """

    STATUS_ACTIVE = STATUS_ACTIVE
    STATUS_INACTIVE = STATUS_INACTIVE
    STATUS_CHOICES = STATUS_CHOICES
    PRIVATE_KEY_JWT = "private_key_jwt"

    app_id = models.CharField(max_length=20, unique=True, default=new_app_id, editable=False)
    status = models.CharField(max_length=8, choices=STATUS_CHOICES, default=STATUS_ACTIVE)
    allowed_scopes = models.TextField(
        blank=True, default="", help_text="Space-delimited scopes this client may request."
    )
    # RFC 7591 §2 server policy for RFC 7592 updates: what the holder of the initial access token
    # (or an administrator) granted. The client's own registration access token may narrow
    # `allowed_scopes` within it, never widen them beyond it.
    scope_ceiling = models.TextField(
        blank=True,
        default="",
        help_text="Space-delimited scopes granted at registration (or by an administrator): the most "
        "the client's own RFC 7592 updates may ask for.",
    )
    # RFC 7591 §2 metadata, echoed by the Apps API and dynamic registration. A secret client
    # may use either secret method (RFC 6749 §2.3.1); a `private_key_jwt` client authenticates
    # only by an assertion (RFC 7523 §2.2) and has no secret.
    token_endpoint_auth_method = models.CharField(
        max_length=32, choices=AUTH_METHOD_CHOICES, default="client_secret_basic"
    )
    # RFC 7591 §2: where a `private_key_jwt` client publishes its keys, instead of `ClientKey` rows.
    jwks_uri = models.URLField(max_length=2000, blank=True, default="")
    # RFC 9449 §5.2 (Okta's `settings.oauthClient.dpop_bound_access_tokens`): every token request
    # must carry a DPoP proof, so every token this client gets is bound to its key.
    dpop_bound_access_tokens = models.BooleanField(default=False)

    class Meta(AbstractApplication.Meta):
        verbose_name = "client"

    @property
    def allowed_scope_list(self) -> list[str]:
        return self.allowed_scopes.split()

    @property
    def scope_ceiling_list(self) -> list[str]:
        return self.scope_ceiling.split()

    @property
    def uses_private_key_jwt(self) -> bool:
        return self.token_endpoint_auth_method == self.PRIVATE_KEY_JWT

    def is_usable(self, request) -> bool:
        return self.status == self.STATUS_ACTIVE and super().is_usable(request)


class ClientSecret(models.Model):
    """One of a client's secrets (at most two, so one can replace the other without downtime).

    Kept only as a password hash (`hashed`); `secret_hash` is Okta's short fingerprint that lets
    an operator tell which secret a caller holds without revealing it.
    """

    secret_id = models.CharField(max_length=20, unique=True, default=new_secret_id, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="secrets")
    hashed = models.CharField(max_length=255, editable=False)
    secret_hash = models.CharField(max_length=32, editable=False)
    status = models.CharField(max_length=8, choices=STATUS_CHOICES, default=STATUS_ACTIVE)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.secret_id} ({self.status})"


class ClientKey(models.Model):
    """A public key (RFC 7517 JWK) that verifies a `private_key_jwt` client's assertions.

    `jwk` holds public members only; the `kid` is unique per client so an assertion's header
    picks exactly one key.
    """

    key_id = models.CharField(max_length=20, unique=True, default=new_key_id, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="keys")
    kid = models.CharField(max_length=256)
    jwk = models.JSONField()
    status = models.CharField(max_length=8, choices=STATUS_CHOICES, default=STATUS_ACTIVE)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [models.UniqueConstraint(fields=["client", "kid"], name="authserver_clientkey_unique_kid")]

    def __str__(self) -> str:
        return f"{self.kid} ({self.status})"


class SigningKeyQuerySet(models.QuerySet):
    def published(self, now: datetime | None = None) -> "SigningKeyQuerySet":
        """Keys whose tokens may still be in use at `now`: not retired and not past `publish_until`.

        A key past `publish_until` is out of the JWKS at that instant whether or not
        `rotate_signing_key` has retired it (erased its private key) yet: reading never writes.
        """
        now = now or timezone.now()
        return self.filter(retired_at__isnull=True).filter(Q(publish_until__isnull=True) | Q(publish_until__gt=now))


class SigningKey(models.Model):
    """A private key that signs access tokens, published in the JWKS while tokens it signed may live.

    The newest key between `activates_at` and `deactivated_at` signs. A new key is published
    before it signs, so resource servers can learn it first; a deactivated key stays published
    until `publish_until`, so the tokens it signed keep validating until they expire, and is
    then retired.
    """

    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=10, default="RS256")
    private_key_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # A rotated-in key is published first and signs only from here (null: from creation).
    activates_at = models.DateTimeField(null=True, blank=True)
    # When it stops signing (its successor's activation); may lie in the future.
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Set on deactivation: the latest `exp` a token signed by this key can carry, plus leeway.
    publish_until = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = SigningKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid}"


class RevokedToken(models.Model):
    """The `jti` of a revoked access token (RFC 7009), kept until the token would have expired anyway."""

    jti = models.CharField(max_length=100, unique=True)
    client_id = models.CharField(max_length=255, db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.client_id} {self.jti[:12]}…"


class AdminApiTokenQuerySet(models.QuerySet):
    def get_by_token(self, token: str) -> "AdminApiToken | None":
        return self.filter(digest=AdminApiToken.digest_of(token), is_active=True).first()


class AdminApiToken(models.Model):
    """An `SSWS` token for the embedded server's Apps API, kept only as a SHA-256 digest.

    The tokens are 256-bit random values, so an unsalted digest is a safe lookup key.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, help_text="The first characters, to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdminApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, token: str | None = None) -> tuple["AdminApiToken", str]:
        """Create a token record; returns it and the raw token, which is not kept anywhere."""
        raw = token or secrets.token_urlsafe(32)
        record = cls.objects.create(name=name, prefix=raw[:6], digest=cls.digest_of(raw))
        return record, raw
