"""What can go wrong in failsafe.ops, and the one map from an error to ``failsafe-dr``'s exit code and message.

Every error this package raises for a person derives from :class:`OpsError` and carries its exit code; AWS's and
botocore's own errors are mapped in :func:`explain`, the only place that turns an exception into an exit code (the
CLI's ``main`` and the drill timer of ``restore`` both ask it). Exit codes:

==  ==========================================================================================================
0   done; every check passed
1   a check failed, or a run is partial (some items failed, a capture is incomplete, a wait ended badly)
2   usage or config: a bad flag value, a config error, no credentials or profile, the wrong account, a refusal
    that needs a decision (``--confirm-failback``, ``--allow-shrink``)
3   AWS refused or could not be reached: access denied, still throttled after the retries, a service error
130 interrupted (Ctrl-C)
==  ==========================================================================================================

boto3 + stdlib only: this module is part of the Lambda bundle (the handlers' errors derive from it too).
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AWS = 3
EXIT_INTERRUPTED = 130

EXIT_CODES = (
    (EXIT_OK, "done; every check passed"),
    (EXIT_FAILED, "a check failed, or the run is partial (items failed, a capture incomplete, a wait failed)"),
    (EXIT_USAGE, "usage or config: a bad flag or config value, no credentials, the wrong account, a refusal"),
    (EXIT_AWS, "AWS refused or could not be reached: access denied, still throttled, a service error"),
    (EXIT_INTERRUPTED, "interrupted"),
)

# Error codes AWS answers a call it does not allow with (S3's bare 403 included).
ACCESS_DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "403", "Forbidden"}
)


class OpsError(Exception):
    """An error said for a person in one line; ``exit_code`` is what ``failsafe-dr`` exits with."""

    exit_code = EXIT_USAGE


class UsageError(OpsError):
    """Bad input or setup: the message names the flag or key, the value and what is expected."""

    exit_code = EXIT_USAGE


class CheckFailed(OpsError):
    """Something was done but ended badly (a restore job FAILED, a wait timed out): exit 1."""

    exit_code = EXIT_FAILED


class AwsRefused(OpsError):
    """AWS refused a call: exit 3."""

    exit_code = EXIT_AWS


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (None for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code")
        return str(code) if code is not None else None
    return None


def _aws_error(exc: Any) -> tuple[int, str]:
    error = exc.response.get("Error") or {}
    code, message = error_code(exc), error.get("Message") or ""
    meta = exc.response.get("ResponseMetadata") or {}
    operation = getattr(exc, "operation_name", "?")
    if code in ACCESS_DENIED:
        action = error.get("FailsafeAction") or operation
        resource = error.get("FailsafeResource") or "*"
        return EXIT_AWS, f"access denied: {action} on {resource} ({code}: {message or 'no message'})"
    tries = meta.get("RetryAttempts")
    after = f" after {int(tries) + 1} attempts" if meta.get("MaxAttemptsReached") and tries is not None else ""
    resource = error.get("FailsafeResource")
    on = f" on {resource}" if resource and resource != "*" else ""
    return EXIT_AWS, f"AWS refused {operation}{on}{after}: {code}: {message}".rstrip(": ")


def explain(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one line) for an error a person can act on; None for a bug (which keeps its traceback)."""
    if isinstance(exc, OpsError):
        return exc.exit_code, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted; a restore with --state-file resumes where it stopped"
    from botocore import exceptions as b

    if isinstance(exc, b.NoCredentialsError | b.PartialCredentialsError):
        return EXIT_USAGE, "no AWS credentials: log in (aws sso login) or pass the command's profile flag"
    if isinstance(exc, b.ProfileNotFound):
        return EXIT_USAGE, f"{exc}: expected a profile in ~/.aws/config"
    if isinstance(exc, b.NoRegionError):
        return EXIT_USAGE, "no AWS region: pass --region or set region in the profile"
    if isinstance(exc, b.ParamValidationError):
        return EXIT_USAGE, " ".join(str(exc).split())
    if isinstance(exc, b.ClientError):
        return _aws_error(exc)
    if isinstance(exc, b.BotoCoreError):
        return EXIT_AWS, f"AWS: {exc}"
    return None


def exit_code_of(exc: BaseException) -> int:
    """The exit code :func:`explain` gives ``exc`` (1 for a bug: the command did not finish)."""
    known = explain(exc)
    return known[0] if known else EXIT_FAILED
