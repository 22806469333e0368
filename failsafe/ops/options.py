"""``failsafe-dr``'s command-line conventions, after aws-cli's global options (aws/aws-cli
``awscli/examples/global_options.rst``), in one place so that every subcommand follows them:

- ``--region``, ``--output table|text|json`` and ``--no-progress`` on every subcommand;
- ``--profile`` on a command that touches one account; on one that touches several, one ``--<role>-profile`` per
  account, with the same role names everywhere (:data:`ROLES`);
- one flag name per concept (``--drill-dir``, ``--archive-bucket``, ``--stack``, ``--as-of``, ...);
- every subcommand's ``--help`` ends with the exit codes and the shape of its ``--output json`` document.

``tests/ops/test_cli_conventions.py`` walks the parser tree and holds every subcommand to this.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from failsafe.ops.errors import EXIT_CODES
from failsafe.ops.output import FORMATS

# The accounts a command can touch, by role; a multi-account command has one --<role>-profile for each.
ROLES = {
    "prod": "the prod account",
    "backup": "the backup account (the dr stack's)",
    "dns": "the hosted zone's account (failsafe:dnsAccountId)",
    "target": "the account restored into (a new or clean prod)",
    "capture": "an account to capture (repeatable)",
}
REPEATABLE = frozenset({"capture"})


def exit_codes_text() -> str:
    return "exit codes:\n" + "\n".join(f"  {code:<4} {what}" for code, what in EXIT_CODES)


def shape_text(shape: Mapping[str, str]) -> str:
    """The ``--output json`` document, one key a line, wrapped to 100 columns."""
    width = max(len(k) for k in shape)
    lines = ["--output json prints one object:"]
    for key, what in shape.items():
        lines += textwrap.wrap(what, 100, initial_indent=f"  {key:<{width}}  ", subsequent_indent=" " * (width + 4))
    return "\n".join(lines)


def command(
    sub: Any,
    name: str,
    *,
    help: str,
    shape: Mapping[str, str],
    roles: Sequence[str] = (),
    region: str = "AWS region of the calls (default: the profile's)",
    description: str | None = None,
    profile_required: bool = False,
) -> argparse.ArgumentParser:
    """A subcommand with the common options and its profile flags; ``roles`` are the accounts it touches."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown account roles {unknown}: expected {', '.join(ROLES)}")
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=description or help,
        epilog=f"{shape_text(shape)}\n\n{exit_codes_text()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    common = parser.add_argument_group("global options")
    common.add_argument("--region", help=region)
    common.add_argument("--output", choices=FORMATS, default="table", help="table (default), text or json")
    common.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    if len(roles) == 1:
        common.add_argument("--profile", required=profile_required, help=f"AWS profile for {ROLES[roles[0]]}")
    else:
        for role in roles:
            repeat = role in REPEATABLE
            common.add_argument(
                f"--{role}-profile",
                action="append" if repeat else "store",
                help=f"AWS profile for {ROLES[role]}",
            )
    parser.set_defaults(roles=tuple(roles), shape=dict(shape))
    return parser


def group(sub: Any, name: str, help: str, dest: str) -> Any:
    """A command with subcommands (``restore``, ``dns``, ``drill``, ``capture``)."""
    parser = sub.add_parser(name, help=help, description=help, allow_abbrev=False)
    return parser.add_subparsers(dest=dest, required=True, metavar="COMMAND")


def profile(args: argparse.Namespace, role: str) -> Any:
    """The profile given for ``role``: ``--profile`` on a one-account command, else ``--<role>-profile``."""
    roles = getattr(args, "roles", ())
    if role not in roles:
        raise ValueError(f"this command touches {roles}, not {role}")
    return args.profile if len(roles) == 1 else getattr(args, f"{role}_profile")


def profile_flag(args: argparse.Namespace, role: str) -> str:
    return "--profile" if len(getattr(args, "roles", ())) == 1 else f"--{role}-profile"


def add_drill_dir(parser: argparse.ArgumentParser, help: str, **kwargs: Any) -> None:
    parser.add_argument("--drill-dir", metavar="DIR", help=help, **kwargs)
