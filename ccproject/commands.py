"""Conventions every ccproject management command follows: `--json`, one-line errors, documented exit codes.

A command subclasses `ProjectCommand` and

- prints human-readable text on stdout, or one JSON document with `--json` (errors too, shaped
  like the API's: `{"error", "error_description"}`);
- fails by raising `CommandFailed`, `ConfigurationError` (names the setting to fix) or
  `Unavailable`: the process then prints `<command>: error: <one line>` on stderr and exits
  with the code below (`--traceback` shows the stack instead);
- reports progress of long operations with `self.progress(...)` on stderr, so stdout stays
  parseable; never prints a secret or token it was not asked for.

Run from the shell, a command shows log records of level WARNING and above only (everything the
configured `LOG_LEVEL` lets through with `-v 2`, nothing below ERROR with `-v 0`): its own lines
are the interface, and a failure stays one line. A database that cannot be used exits
`EXIT_UNAVAILABLE` naming `DATABASE_URL`.
"""

import json
import logging
import sys
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, SystemCheckError
from django.db import DatabaseError

EXIT_OK = 0
# The operation was refused or failed (the issuer said invalid_client, the API said 403, ...).
EXIT_FAILED = 1
# A wrong flag or argument (argparse's own code).
EXIT_USAGE = 2
# A setting is missing or wrong; the message names it.
EXIT_CONFIG = 3
# A remote service could not be reached or answered 5xx: retrying later may work.
EXIT_UNAVAILABLE = 4
# Interrupted by the user (128 + SIGINT).
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = (
    f"Exit status: {EXIT_OK} success, {EXIT_FAILED} the operation failed or was refused, {EXIT_USAGE} wrong usage, "
    f"{EXIT_CONFIG} a setting is missing or wrong (the message names it), {EXIT_UNAVAILABLE} a remote service "
    "is unreachable or failing (retry later). Errors are one line on stderr"
)


class CommandFailed(CommandError):
    """The command could not do its job; `error` is a machine-readable code, `description` one line."""

    error = "failed"
    default_returncode = EXIT_FAILED

    def __init__(self, description: str, *, error: str | None = None, returncode: int | None = None):
        description = one_line(description)
        super().__init__(description, returncode=returncode if returncode is not None else self.default_returncode)
        self.description = description
        self.error = error or self.error


class ConfigurationError(CommandFailed):
    """A setting is missing or wrong; the message ends by naming the setting(s) to fix."""

    error = "configuration_error"
    default_returncode = EXIT_CONFIG

    def __init__(self, description: str, *, setting: str | Iterable[str]):
        names = [setting] if isinstance(setting, str) else list(setting)
        self.settings = names
        super().__init__(f"{description.rstrip('.')}: set {' and '.join(names)} (in .env or the environment).")


class Unavailable(CommandFailed):
    """A remote service is unreachable or failing; the client's request may work later."""

    error = "temporarily_unavailable"
    default_returncode = EXIT_UNAVAILABLE


def one_line(text: str) -> str:
    """Collapse whitespace so an error is exactly one line."""
    return " ".join(str(text).split())


def database_unavailable(exc: DatabaseError) -> Unavailable:
    """A database error as one line naming DATABASE_URL (drivers never put the password in messages)."""
    reason = one_line(str(exc))[:200]
    return Unavailable(
        f"The database cannot be used ({type(exc).__name__}: {reason}); check DATABASE_URL and that "
        "`manage.py migrate` has run.",
        error="database_unavailable",
    )


class ProjectCommand(BaseCommand):
    """A management command with the project's conventions (see the module docstring).

    Set `json_output = False` for a command that has nothing to print as JSON.
    """

    json_output = True
    command_name = ""
    as_json = False
    verbosity = 1
    # Set once `emit` printed: a failing command that already printed its JSON prints no second one.
    emitted = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        self.command_name = subcommand
        if self.json_output:
            parser.add_argument(
                "--json",
                action="store_true",
                help='Print one JSON document on stdout; on failure {"error": ..., "error_description": ...}.',
            )
        parser.epilog = EXIT_CODES_HELP + (", and also JSON on stdout with --json." if self.json_output else ".")
        return parser

    def execute(self, *args, **options):
        self.as_json = bool(options.get("json"))
        self.verbosity = options.get("verbosity", 1)
        self.emitted = False
        from_command_line = getattr(self, "_called_from_command_line", False) and not options.get("traceback")
        try:
            with self.console_logging(enabled=from_command_line):
                try:
                    return super().execute(*args, **options)
                except DatabaseError as exc:
                    raise database_unavailable(exc) from exc
        except SystemCheckError:
            raise
        except CommandError as exc:
            failure = exc if isinstance(exc, CommandFailed) else CommandFailed(str(exc), returncode=exc.returncode)
            if self.as_json and not self.emitted:
                self.stdout.write(json.dumps({"error": failure.error, "error_description": failure.description}))
            if not from_command_line:
                raise
            self.stderr.write(f"{self.command_name}: error: {failure.description}")
            sys.exit(failure.returncode)
        except KeyboardInterrupt:
            if not from_command_line:
                raise
            self.stderr.write(f"{self.command_name}: interrupted")
            sys.exit(EXIT_INTERRUPTED)

    @contextmanager
    def console_logging(self, *, enabled: bool):
        """From the shell, hide log records below WARNING (below ERROR with `-v 0`) unless `-v 2`."""
        previous = logging.root.manager.disable
        if enabled and self.verbosity < 2:
            logging.disable(logging.WARNING if self.verbosity == 0 else logging.INFO)
        try:
            yield
        finally:
            logging.disable(previous)

    def emit(self, data: Any, text: str) -> None:
        """Print `data` as JSON with `--json`, else `text` (once per run: scripts parse one document)."""
        self.stdout.write(json.dumps(data, indent=2, sort_keys=True) if self.as_json else text)
        self.emitted = True

    def progress(self, message: str) -> None:
        """A progress line on stderr: shown on a terminal, or always with `-v 2`; never with `-v 0`."""
        if self.verbosity >= 2 or (self.verbosity >= 1 and self.stderr.isatty()):
            self.stderr.write(message)
