"""Every ``failsafe-dr`` subcommand follows aws-cli's conventions (issue 21, item 2), read from the real parser tree.

aws-cli's global options (aws/aws-cli ``awscli/data/cli.json``, documented in ``awscli/examples/global_options.rst``):
``--region``, ``--output`` (json, text, table), ``--no-paginate``/``--no-cli-pager`` style switches, ``--profile``.
failsafe-dr keeps ``--region``, ``--output table|text|json`` and ``--no-progress`` on every subcommand, ``--profile``
on a command that touches one account and one ``--<role>-profile`` per account on a command that touches several
(:data:`failsafe.ops.options.ROLES`).
"""

from __future__ import annotations

import argparse
import re

import pytest

from failsafe.ops import options
from failsafe.ops.errors import EXIT_CODES
from tests.support.opscli import Parser, commands, flags, leaves

# Spellings the issue found for one concept, and the one failsafe-dr uses (issue 21, "Flags and output differ").
ONE_SPELLING = {
    "--drill-dir": ("--dir", "--drill", "--drills", "--drills-dir"),
    "--backup-profile": ("--archive-profile", "--dr-profile"),
    "--output": ("--json", "--format", "--text", "--table"),
    "--archive-bucket": ("--bucket-name", "--archive"),
    "--notes": ("--reason", "--note", "--comment"),
    "--timeout-minutes": ("--timeout", "--timeout-seconds", "--wait-minutes"),
    "--no-progress": ("--quiet", "--no-progress-bar", "--silent"),
}
# Unit or kind words a flag may end in; two flags that differ only by one name the same thing twice
# (``--drill`` / ``--drill-dir``, ``--timeout`` / ``--timeout-minutes``, ``--vault`` / ``--vault-name``).
KIND_WORDS = ("dir", "name", "id", "arn", "file", "path", "minutes", "seconds", "hours", "url")
GLOBAL = ("--region", "--output", "--no-progress")
# Plural nouns that are not several of the singular: --outputs is the stack outputs file (dr-outputs.json), which
# verify reads and fetch writes; --output is the format.
NOUNS = frozenset({"--outputs"})


def convention_problems(name: str, parser: Parser) -> list[str]:
    """What one subcommand lacks of the global options and its profile flags."""
    given = flags(parser)
    problems = [f"failsafe-dr {name}: no {f}" for f in GLOBAL if f not in given]
    if "--output" in given and tuple(given["--output"].choices or ()) != ("table", "text", "json"):
        problems.append(f"failsafe-dr {name}: --output choices {given['--output'].choices}")
    roles = parser.get_default("roles")
    if roles is None:
        return [*problems, f"failsafe-dr {name}: not made by options.command (no account roles declared)"]
    problems += [f"failsafe-dr {name}: unknown account role {r}" for r in roles if r not in options.ROLES]
    profiles = sorted(f for f in given if f.endswith("profile"))
    expected = [] if not roles else ["--profile"] if len(roles) == 1 else sorted(f"--{r}-profile" for r in roles)
    if profiles != expected:
        problems.append(f"failsafe-dr {name} touches {list(roles)}: profile flags {profiles}, expected {expected}")
    return problems


def spelling_problems(commands: dict[str, Parser]) -> list[str]:
    """A known alternate spelling; two flags that differ only by a kind word; a destination with several flags or a
    flag with several destinations; a plural flag next to its singular that takes one value."""
    problems: list[str] = []
    spellings: dict[str, set[str]] = {}
    dests: dict[str, set[str]] = {}
    for name, parser in commands.items():
        for flag, action in flags(parser).items():
            spellings.setdefault(action.dest, set()).add(flag)
            dests.setdefault(flag, set()).add(action.dest)
            problems += [
                f"failsafe-dr {name}: {flag}, spelled {one} everywhere"
                for one, others in ONE_SPELLING.items()
                if flag in others
            ]
    every = set(dests)
    for flag in sorted(every):
        for word in KIND_WORDS:
            if flag.endswith(f"-{word}") and flag.removesuffix(f"-{word}") in every:
                problems.append(f"{flag} and {flag.removesuffix(f'-{word}')}: one concept spelled two ways")
    problems += [f"{dest}: spelled {sorted(s)}" for dest, s in spellings.items() if len(s) > 1]
    problems += [f"{flag}: stored as {sorted(d)}" for flag, d in dests.items() if len(d) > 1]
    for name, parser in commands.items():
        for flag, action in flags(parser).items():
            several = action.nargs in ("+", "*") or isinstance(action, argparse._AppendAction)
            if flag.endswith("s") and flag.removesuffix("s") in every and not several and flag not in NOUNS:
                problems.append(f"failsafe-dr {name}: {flag} next to {flag.removesuffix('s')} takes one value")
    return problems


COMMANDS = commands()


def test_the_tree_holds_every_subcommand() -> None:
    """The walk must see the whole tree: the top-level commands the README lists, and the groups' leaves."""
    top = {name.split()[0] for name in COMMANDS}
    assert top == {"verify", "backfill", "archive", "fetch", "drill", "capture", "restore", "dns"}, top
    assert {"restore s3", "dns wait", "drill step add", "capture run"} <= set(COMMANDS), sorted(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_has_the_global_options_and_its_profile_flags(name: str) -> None:
    assert convention_problems(name, COMMANDS[name]) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_documents_its_exit_codes_and_json_shape(name: str) -> None:
    text = COMMANDS[name].format_help()
    for code, _ in EXIT_CODES:
        assert re.search(rf"^  {code}\s", text, re.M), f"failsafe-dr {name} --help: exit code {code} not listed"
    shape = COMMANDS[name].get_default("shape")
    assert shape and "--output json prints one object:" in text, f"failsafe-dr {name}: JSON shape undocumented"
    assert all(re.search(rf"^  {re.escape(k)}\s", text, re.M) for k in shape), f"{name}: a JSON key undocumented"


@pytest.mark.parametrize(
    "name",
    sorted(COMMANDS),
)
def test_every_subcommand_help_fits_100_columns(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # argparse wraps to the terminal's width less 2
    wide = [line for line in COMMANDS[name].format_help().splitlines() if len(line) > 100]
    assert wide == [], f"failsafe-dr {name} --help is wider than 100 columns"


def test_no_concept_is_spelled_two_ways() -> None:
    assert spelling_problems(COMMANDS) == []


def test_the_checks_find_each_broken_rule() -> None:
    """On a tree made to break every rule, each rule reports (the checks above can fail)."""
    root = Parser()
    sub = root.add_subparsers()
    bad = sub.add_parser("bad")
    bad.add_argument("--drill")
    bad.add_argument("--drill-dir", dest="where")
    bad.add_argument("--region")
    bad.add_argument("--profile")
    bad.add_argument("--regions")
    bad.set_defaults(roles=("prod", "backup"))
    worse = sub.add_parser("worse")
    worse.add_argument("--where", dest="drill")
    commands = dict(leaves(root))
    found = convention_problems("bad", commands["bad"])
    assert "failsafe-dr bad: no --output" in found and "failsafe-dr bad: no --no-progress" in found, found
    assert any("profile flags ['--profile'], expected ['--backup-profile', '--prod-profile']" in p for p in found)
    assert any("not made by options.command" in p for p in convention_problems("worse", commands["worse"]))
    spelled = spelling_problems(commands)
    assert "failsafe-dr bad: --drill, spelled --drill-dir everywhere" in spelled, spelled
    assert "--drill-dir and --drill: one concept spelled two ways" in spelled, spelled
    assert "drill: spelled ['--drill', '--where']" in spelled, spelled
    assert "failsafe-dr bad: --regions next to --region takes one value" in spelled, spelled
