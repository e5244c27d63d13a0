"""`manage.py rotate_signing_key`: a new key signs; old keys stay published until their tokens expire, or go at once."""

from authserver.keys import (
    ALGORITHMS,
    current_signing_key,
    key_state,
    published_keys,
    replace_compromised_keys,
    retire_expired_keys,
    rotate_signing_key,
)
from authserver.models import SigningKey
from ccproject.commands import ConfigurationError, ProjectCommand


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def describe(key: SigningKey) -> dict:
    return {
        "kid": key.kid,
        "alg": key.algorithm,
        "state": key_state(key),
        "created": _iso(key.created_at),
        "signs_from": _iso(key.activates_at or key.created_at),
        "signs_until": _iso(key.deactivated_at),
        "published_until": _iso(key.publish_until),
    }


class Command(ProjectCommand):
    help = (
        "Rotate the embedded server's signing key: publish a new key at once and make it sign every "
        "token from KEY_PREPUBLISH_SECONDS (60 s) later, so resource servers can fetch it before they "
        "see it (--immediately: sign now). The previous keys stay in the JWKS "
        "until every token they signed has expired (the token lifetime plus KEY_RETIREMENT_LEEWAY), "
        "leave it then, and are retired (private key destroyed) by the next run: run --retire-only "
        "periodically (e.g. hourly) so no private key outlives its tokens by long. "
        "--compromised: the new key signs now and every other key is retired at once. "
        "With --json it prints {rotated, signing_kid, next_kid, replaced, retired, published}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--algorithm",
            choices=ALGORITHMS,
            default=None,
            help="Algorithm of the new key (default: AUTHSERVER_SIGNING_ALGORITHM, RS256).",
        )
        # One way of rotating at a time.
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--immediately",
            action="store_true",
            help="The new key signs at once (resource servers may refuse its tokens until their cooldown ends).",
        )
        mode.add_argument(
            "--compromised",
            action="store_true",
            help="A key leaked: the new key signs now, every other key leaves the JWKS at once and its "
            "private key is erased (their tokens stop verifying; then run `manage.py jwks refresh`).",
        )
        mode.add_argument(
            "--retire-only",
            action="store_true",
            help="Do not rotate: only retire the keys whose tokens have all expired, and list the rest "
            "(the periodic job).",
        )

    def handle(self, *args, algorithm: str | None, immediately: bool, compromised: bool, retire_only: bool, **options):
        self.progress("Retiring the keys whose tokens have all expired ...")
        retired = retire_expired_keys()
        new_key, replaced = None, []
        if not retire_only:
            self.progress(f"Generating a new {algorithm or 'signing'} key ...")
            try:
                if compromised:
                    new_key, pulled = replace_compromised_keys(algorithm)
                    retired += pulled
                else:
                    new_key, replaced = rotate_signing_key(algorithm, prepublish=0 if immediately else None)
            except ValueError as exc:  # only a wrong setting reaches here: --algorithm is checked by argparse
                raise ConfigurationError(str(exc), setting="AUTHSERVER_SIGNING_ALGORITHM") from exc
        published = published_keys()
        result = {
            "rotated": new_key is not None,
            "signing_kid": getattr(current_signing_key(), "kid", None),
            "next_kid": new_key.kid if new_key else None,
            "replaced": [key.kid for key in replaced],
            "retired": retired,
            "published": [describe(key) for key in published],
        }
        lines = []
        if new_key:
            lines.append(
                self.style.SUCCESS(
                    f"New signing key {new_key.kid} ({new_key.algorithm}): published now, "
                    f"signs from {new_key.activates_at.isoformat()}."
                )
            )
        if compromised:
            lines += [f"Retired {kid} at once: unpublished, private key erased." for kid in retired]
            lines.append(
                "Resource servers keep the old key set until they read it again: run `manage.py jwks refresh` "
                "where the API runs (its workers adopt it within API_AUTH JWKS_RECHECK_INTERVAL)."
            )
        else:
            lines += [f"Retired {kid}: every token it signed has expired." for kid in retired]
        for key in published:
            line = f"{key_state(key):<12} {key.kid} ({key.algorithm})"
            if key.publish_until:
                line += (
                    f", signs until {key.deactivated_at.isoformat()}, published until {key.publish_until.isoformat()}"
                )
            lines.append(line)
        self.emit(result, "\n".join(lines))
