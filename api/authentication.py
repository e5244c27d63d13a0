"""`OAuthClientCredentialsAuthentication`: DRF authentication by a locally validated JWT (RFC 6750, RFC 9449)."""

import re
import time

from django.utils.encoding import escape_uri_path
from rest_framework.authentication import BaseAuthentication

from ccproject import metrics
from ccproject.dpop import NonceRequired, Proof, ProofError, check_proof, known_proof_id
from ccproject.replay import PendingUse, ReplayStoreUnavailable

from . import dpop
from .conf import api_settings
from .exceptions import (
    BearerError,
    InvalidDPoPProof,
    InvalidRequest,
    InvalidToken,
    KeysUnavailable,
    MalformedRequest,
    ServiceUnavailable,
    TokenError,
    UseDPoPNonce,
    render_challenge,
)
from .permissions import view_scopes
from .principal import ValidatedToken
from .validation import cached_validation, validate_token

# RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
BEARER_SCHEME = re.compile(r"(?:^|,)\s*(?:bearer|dpop)(?:\s|$)", re.IGNORECASE)
# RFC 6750 §2.2 and §2.3: the other two ways to send a token, which this API refuses.
TOKEN_PARAMETER = "access_token"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


class OAuthClientCredentialsAuthentication(BaseAuthentication):
    """Authenticate a request by an access token: `Authorization: Bearer <jwt>`, or `DPoP <jwt>` with a proof.

    Returns `(ClientPrincipal, ValidatedToken)` for a valid token and `None` when the
    request carries no credentials of a scheme the view accepts (so the view answers 401 with
    a bare challenge). Raises `InvalidRequest` (400) for a malformed header or a token sent
    another way, `InvalidToken` (401) for a token that fails validation or whose key binding
    (`cnf`) the request does not prove, `InvalidDPoPProof`/`UseDPoPNonce` (401) for a DPoP proof
    that is not acceptable (RFC 9449 §7.1), and `ServiceUnavailable` (503) when no key can be had
    or a proof's replay cannot be ruled out. The view's `dpop` attribute (`allowed`, `required`,
    `disabled`; default: the `DPOP` setting) says which schemes it accepts.
    Hooks: `keyword`, `dpop_keyword`, `timer`, `validate`, `check_proof`, `get_token`,
    `get_proof` and `get_certificate_thumbprint`.
    """

    keyword = "Bearer"
    dpop_keyword = "DPoP"
    # RFC 9449 §4.1: the proof's request header, as WSGI names it.
    proof_header = "HTTP_DPOP"
    timer = staticmethod(time.time)
    validate = staticmethod(validate_token)
    check_proof = staticmethod(check_proof)

    @property
    def www_authenticate_realm(self) -> str:
        return api_settings.REALM

    def authenticate(self, request):
        """`check_credentials`, its outcome counted (`ccproject.metrics`: accepted, or the refusal's error code)."""
        try:
            result = self.check_credentials(request)
        except BearerError as exc:
            metrics.token_refused(exc.error_code)
            raise
        except ServiceUnavailable:
            metrics.token_unavailable()
            raise
        if result is not None:
            metrics.token_accepted()
        return result

    def check_credentials(self, request):
        """`(ClientPrincipal, ValidatedToken)` for the request's acceptable token, `None` without credentials."""
        try:
            credentials = self.get_credentials(request)
        except (InvalidRequest, InvalidToken) as exc:
            self.told(exc, request)
            raise
        if credentials is None:
            return None
        scheme, token = credentials
        policy = self.get_dpop_policy(request)
        proof = replay = None
        if scheme == self.dpop_keyword:
            if policy == dpop.DISABLED:
                return None  # a scheme this view does not take: the bare challenge names the one it does
            replay = self.start_replay_check(request, token)
        elif policy == dpop.REQUIRED:
            raise self.error(
                InvalidToken, "This API requires DPoP: send 'Authorization: DPoP <token>' and a proof.", request
            )
        try:
            if scheme == self.dpop_keyword:
                proof = self.get_proof(request, token)
            now = self.timer()
            try:
                validated: ValidatedToken = self.validate(token, now=now)
                dpop.check_binding(
                    dpop.confirmation(validated.claims),
                    proof_thumbprint=proof.thumbprint if proof else None,
                    certificate_thumbprint=self.get_certificate_thumbprint(request, validated),
                )
            except KeysUnavailable as exc:
                raise ServiceUnavailable(exc.description, retry_after=exc.retry_after) from exc
            except TokenError as exc:
                raise self.error(InvalidToken, exc.description, request, scheme) from exc
            if proof is not None:
                self.remember_proof(proof, request, replay)
        finally:
            if replay is not None:
                replay.close()  # refused before its answer was needed: read and dropped
        return validated.principal, validated

    def get_credentials(self, request) -> tuple[str, str] | None:
        """`(scheme, token)` of the `Authorization` header (`keyword` or `dpop_keyword`); `None` without."""
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if self.has_other_token(request):
            raise InvalidRequest(
                "Send the access token only in the Authorization header, not in the URL or the body.",
                realm=self.www_authenticate_realm,
            )
        # The common case, "Bearer <b64token>", answered as `read_credentials` would answer it
        # (a b64token holds no comma and no space), with fewer steps; anything else goes there.
        for keyword in (self.keyword, self.dpop_keyword):
            if header.startswith(keyword + " "):
                token = header[len(keyword) + 1 :]
                if len(token) <= api_settings.MAX_TOKEN_BYTES and B64TOKEN.fullmatch(token):
                    return keyword, token
        return self.read_credentials(header)

    def get_token(self, request) -> str | None:
        """The token of the `Authorization` header, whichever the scheme; `None` without credentials.

        RFC 6750 §2: a client must use one method only. A token in the URI query or a form
        body is refused with `invalid_request` (URIs end up in logs, RFC 6750 §5.3), whether
        or not the header carries one too.
        """
        credentials = self.get_credentials(request)
        return None if credentials is None else credentials[1]

    def read_authorization(self, header: str) -> str | None:
        """The token of an `Authorization` header value, every case of RFC 6750 §2.1 considered."""
        credentials = self.read_credentials(header)
        return None if credentials is None else credentials[1]

    def read_credentials(self, header: str) -> tuple[str, str] | None:
        """`(scheme, token)` of an `Authorization` header value (RFC 6750 §2.1, RFC 9449 §7.1)."""
        # A b64token holds no comma, but servers join a repeated header with one (RFC 9110 §5.3).
        if "," in header and BEARER_SCHEME.search(header):
            raise InvalidRequest(
                "The Authorization header was sent more than once, or holds more than one token.",
                realm=self.www_authenticate_realm,
            )
        scheme, _, credentials = header.partition(" ")
        for keyword in (self.keyword, self.dpop_keyword):
            if scheme[: len(keyword) + 1].rstrip().lower() == keyword.lower() != scheme.lower():
                # "Bearer\t<token>": RFC 6750 §2.1 separates scheme and token by spaces only.
                raise InvalidRequest(
                    f"The Authorization header must be '{keyword}', one space, then the token.",
                    realm=self.www_authenticate_realm,
                    scheme=keyword,
                )
        keyword = {self.keyword.lower(): self.keyword, self.dpop_keyword.lower(): self.dpop_keyword}.get(scheme.lower())
        if keyword is None:
            return None
        try:
            return keyword, self.parse_credentials(credentials, keyword)
        except MalformedRequest as exc:
            raise InvalidRequest(exc.description, realm=self.www_authenticate_realm, scheme=keyword) from exc
        except TokenError as exc:
            raise InvalidToken(exc.description, realm=self.www_authenticate_realm, scheme=keyword) from exc

    def get_dpop_policy(self, request) -> str:
        """`allowed`, `required` or `disabled`: the view's `dpop`, else the `DPOP` setting."""
        return dpop.view_policy((getattr(request, "parser_context", None) or {}).get("view"))

    def get_proof(self, request, token: str) -> Proof:
        """The checked `DPoP` proof for `token` (RFC 9449 §4.3, §7.1); raises `InvalidDPoPProof`, `UseDPoPNonce`."""
        value = request.META.get(self.proof_header)
        now = self.timer()
        try:
            if not value:
                raise ProofError("The request has no DPoP proof (DPoP header).")
            if "," in value:  # a JWS holds no comma: the header was sent twice (RFC 9449 §4.3 step 1)
                raise ProofError("The request carries more than one DPoP header.")
            django_request = getattr(request, "_request", request)
            nonces = dpop.nonce_source()
            return self.check_proof(
                value,
                method=request.method,
                url=django_request.build_absolute_uri(escape_uri_path(django_request.path)),
                rules=dpop.proof_rules(),
                now=now,
                access_token=token,
                nonce_is_valid=(lambda nonce: nonces.is_valid(nonce, now)) if nonces else None,
            )
        except NonceRequired as exc:
            headers = {"DPoP-Nonce": nonces.current(now)}
            raise self.error(UseDPoPNonce, exc.description, request, self.dpop_keyword, headers=headers) from exc
        except ProofError as exc:
            raise self.error(InvalidDPoPProof, exc.description, request, self.dpop_keyword) from exc

    def start_replay_check(self, request, token: str) -> PendingUse | None:
        """The proof's replay question, asked before the proof is checked, for a client seen before; else None.

        RFC 9449 §11.1's check is one shared-cache round trip a request. Asked here, Redis answers
        while this worker verifies the proof's signature (`remember_proof` reads the answer). Only
        when the proof's key signed a good proof in this process before and the token, validated
        before, is bound to that key (`cnf.jkt`): nobody without such a token can write into the
        store ahead of the checks. Every other request asks after them. Naming the entry decodes the
        proof's claims and digests the token once more (~3.6 µs) before the question leaves: paid
        only where the store sends ahead (Redis), so that the verify then overlaps the round trip.
        """
        store = dpop.replay_store()
        if not store.sends_ahead:
            return None
        proof_id = known_proof_id(request.META.get(self.proof_header) or "")
        if proof_id is None:
            return None
        validated = cached_validation(token, self.timer())
        if validated is None or validated.jkt != proof_id[0]:
            return None
        return store.start(*proof_id, window=dpop.proof_rules().replay_window)

    def remember_proof(self, proof: Proof, request, replay: PendingUse | None = None) -> None:
        """Refuse a proof seen before anywhere in the cluster (RFC 9449 §11.1); 503 when that cannot be known.

        `replay`, when given, is the question `start_replay_check` asked ahead: its answer counts
        only for the very proof checked (the same key thumbprint and `jti`).
        """
        try:
            if replay is not None and (replay.scope, replay.value) == (proof.thumbprint, proof.jti):
                first = replay.first()
            else:
                first = dpop.replay_store().first_use(
                    proof.thumbprint, proof.jti, window=dpop.proof_rules().replay_window
                )
        except ReplayStoreUnavailable as exc:
            raise ServiceUnavailable(
                "DPoP proofs cannot be checked for replay right now; retry.", retry_after=5
            ) from exc
        if not first:
            raise self.error(
                InvalidDPoPProof,
                "The DPoP proof was used before; make a new one for every request.",
                request,
                self.dpop_keyword,
            )

    def get_certificate_thumbprint(self, request, validated: ValidatedToken) -> str | None:
        """`x5t#S256` of the client certificate a trusted proxy forwarded, for a token bound to one; else None."""
        header = api_settings.MTLS_CERTIFICATE_HEADER
        cnf = validated.claims.get("cnf")
        if not header or not isinstance(cnf, dict) or dpop.X5T_S256 not in cnf:
            return None
        if not dpop.is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            return None
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"))
        return dpop.certificate_thumbprint(value) if value else None

    def error(self, cls, description: str, request, scheme: str | None = None, **kwargs):
        """`cls(description)` told under `scheme`, beside the bare challenges of the other schemes the view takes."""
        exc = cls(description, realm=self.www_authenticate_realm, scheme=scheme or self.keyword, **kwargs)
        return self.told(exc, request)

    def told(self, exc: BearerError, request) -> BearerError:
        """`exc` told under a scheme the view takes, the bare challenges of its other schemes beside it.

        RFC 9449 §7.1: a view that requires DPoP tells every error under `DPoP`, never under a
        scheme it refuses; the challenge's `algs` come with the scheme (`render_challenge`).
        """
        if exc.scheme == self.keyword and self.get_dpop_policy(request) == dpop.REQUIRED:
            exc.scheme = self.dpop_keyword
        exc.others = tuple(challenge for name, challenge in self.challenges(request) if name != exc.scheme)
        return exc

    def challenges(self, request, params: dict | None = None) -> list[tuple[str, str]]:
        """`(scheme, bare challenge)` for each scheme the view accepts (RFC 9449 §7.1), with `params`."""
        policy = self.get_dpop_policy(request)
        realm = {"realm": self.www_authenticate_realm, **(params or {})}
        challenges = []
        if policy != dpop.REQUIRED:
            challenges.append((self.keyword, render_challenge(self.keyword, realm)))
        if policy != dpop.DISABLED:
            challenges.append((self.dpop_keyword, render_challenge(self.dpop_keyword, realm)))
        return challenges

    def has_other_token(self, request) -> bool:
        """An `access_token` in the query (RFC 6750 §2.3) or a form-encoded body (§2.2)."""
        django_request = getattr(request, "_request", request)
        # An empty query string holds no parameter: skip building the `QueryDict` (every call).
        if django_request.META.get("QUERY_STRING") and TOKEN_PARAMETER in django_request.GET:
            return True
        content_type = django_request.META.get("CONTENT_TYPE", "")
        if not content_type:
            return False
        content_type = content_type.split(";")[0].strip().lower()
        return content_type == FORM_MEDIA_TYPE and TOKEN_PARAMETER in django_request.POST

    def parse_credentials(self, credentials: str, keyword: str | None = None) -> str:
        """Exactly one b64token (RFC 6750 §2.1) within the size cap."""
        keyword = keyword or self.keyword
        credentials = credentials.lstrip(" ")
        if not credentials.strip(" "):
            raise MalformedRequest(f"The Authorization header has no token after '{keyword}'.")
        credentials = credentials.rstrip(" ")
        if len(credentials) > api_settings.MAX_TOKEN_BYTES:
            raise TokenError("The access token is too large.")
        if not B64TOKEN.fullmatch(credentials):
            raise MalformedRequest(f"The Authorization header must be '{keyword}' followed by exactly one token.")
        return credentials

    def authenticate_header(self, request) -> str:
        """The 401 challenges: the realm, the `scope` the view needs (RFC 6750 §3) and `resource_metadata`."""
        return ", ".join(challenge for _, challenge in self.challenges(request, challenge_scope(request)))


def challenge_scope(request) -> dict[str, str]:
    """`{"scope": ...}` naming what the request's view requires, or `{}` when it names nothing."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    scopes = view_scopes(request, view)
    return {"scope": " ".join(sorted(scopes))} if scopes else {}
