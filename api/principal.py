"""What an authenticated request carries: the client and its validated token."""

from dataclasses import dataclass, field

# Both classes below are frozen dataclasses with their own `__init__`: the generated one sets each
# field through `object.__setattr__`, a slot wrapper called with an argument tuple, which cost
# 27,000 instructions for a `ValidatedToken` and its principal (cachegrind), once per first-seen
# token. Their fields live in the instance dict, so `__init__` writes them there (13,500);
# assigning a field afterwards still raises `FrozenInstanceError`.


@dataclass(frozen=True, init=False)
class ValidatedToken:
    """A bearer token whose signature and claims were checked; `request.auth`.

    `principal` (`request.user`) is built with it, once: a token served from the
    verified-token cache hands every request the same read-only pair.
    """

    claims: dict = field(repr=False)
    client_id: str
    scopes: frozenset[str]
    issuer: str
    expires_at: float | None = None
    key_id: str | None = None
    principal: "ClientPrincipal" = field(init=False, repr=False, compare=False)

    def __init__(
        self,
        claims: dict,
        client_id: str,
        scopes: frozenset[str],
        issuer: str,
        expires_at: float | None = None,
        key_id: str | None = None,
    ) -> None:
        fields = self.__dict__
        fields["claims"] = claims
        fields["client_id"] = client_id
        fields["scopes"] = scopes
        fields["issuer"] = issuer
        fields["expires_at"] = expires_at
        fields["key_id"] = key_id
        fields["principal"] = ClientPrincipal(client_id, scopes, issuer, self.jkt)

    @property
    def jkt(self) -> str | None:
        """The key thumbprint the token is bound to (`cnf.jkt`, RFC 9449 §6.1); None for a bearer token."""
        cnf = self.claims.get("cnf")
        jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
        return jkt if isinstance(jkt, str) else None

    def has_scopes(self, *scopes: str) -> bool:
        return set(scopes) <= self.scopes


@dataclass(frozen=True, init=False)
class ClientPrincipal:
    """`request.user` for a client-credentials token: a client, not a database user.

    `jkt` is the thumbprint of the key the client proved possession of (DPoP), or None.
    """

    client_id: str
    scopes: frozenset[str]
    issuer: str
    jkt: str | None = None

    def __init__(self, client_id: str, scopes: frozenset[str], issuer: str, jkt: str | None = None) -> None:
        fields = self.__dict__
        fields["client_id"] = client_id
        fields["scopes"] = scopes
        fields["issuer"] = issuer
        fields["jkt"] = jkt

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    @property
    def pk(self) -> str:
        return self.client_id

    @property
    def id(self) -> str:
        return self.client_id

    def __str__(self) -> str:
        return self.client_id

    def get_username(self) -> str:
        return self.client_id

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perm_list, obj=None) -> bool:
        return False

    def has_module_perms(self, app_label) -> bool:
        return False
