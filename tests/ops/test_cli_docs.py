"""The CLI's documentation says what the CLI does: every ``failsafe-dr`` command written in the README, the docs and
the workflows parses with today's parser (a renamed flag in a runbook is found here, not in an incident), the
README's exit-code table is :data:`failsafe.ops.errors.EXIT_CODES`, and ``bin/failsafe-dr``'s header lists every
subcommand."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from failsafe.ops import cli
from failsafe.ops.errors import EXIT_CODES
from tests.support.opscli import commands

COMMANDS = commands()
ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / ".github/workflows").glob("*.yml"))]
INVOCATION = re.compile(r"(?:bin/failsafe-dr|python3? -m failsafe\.ops(?![.\w])|(?<![\w/.-])failsafe-dr)\s+(?=[a-z])")


def logical_lines(text: str) -> list[str]:
    """Lines with shell continuations (``\\`` at the end) joined."""
    return re.sub(r"\\\n\s*", " ", text).splitlines()


def commands(path: Path) -> list[tuple[str, str]]:
    """(where, argv text) of every failsafe-dr invocation in the file: in backticks, in code blocks, in ``run:``."""
    found = []
    for number, line in enumerate(logical_lines(path.read_text(encoding="utf-8")), 1):
        for match in INVOCATION.finditer(line):
            rest = line[match.end() :]
            rest = re.split(r"`|\s\|\s|\s&&\s|\s;\s|\s>|\s2>|\s#\s|\)\s*$|\s\(|, then|;$", rest)[0]
            found.append((f"{path.relative_to(ROOT)}:{number}", rest.strip()))
    return found


ELIDED = "ELIDED"  # an ellipsis that stands for "the rest of the command" (``restore s3 ... --execute``)


def argv_of(text: str) -> list[str]:
    """Placeholders (``<replica>``, ``"$AS_OF"``, ``[--yes]``, ``a\\|b``) become values the parser accepts; an
    ellipsis after a flag is its value, anywhere else it stands for the rest (:data:`ELIDED`)."""
    text = re.sub(r"\"\$\{\w+\[@\]\}\"", "", text)  # a shell array of optional flags: "${topic[@]}"
    text = re.sub(r"\[[^\]]*\]", "", text)  # optional parts written [--flag ...]
    text = re.sub(r"(\w+)\\?\|[\w|\\]+", r"\1", text)  # one of several: secondary\|primary
    text = re.sub(r"<[^>]*>", "PLACEHOLDER", text)
    text = re.sub(r"\"?\$\{?\w+\}?\"?", "PLACEHOLDER", text)
    argv: list[str] = []
    try:
        words = shlex.split(text.replace("…", "..."))
    except ValueError:  # a quote opened in the sentence around the command, closed after it
        words = text.replace('"', "").replace("'", "").replace("…", "...").split()
    for word in words:
        if word == "...":
            argv.append("PLACEHOLDER" if argv and argv[-1].startswith("--") else ELIDED)
            continue
        argv.append(word)
    return argv


def command_words(argv: list[str]) -> tuple[list[str], str | None]:
    """The leading words that name a subcommand (``["restore", "s3"]``) and the word after them, if any."""
    words: list[str] = []
    for word in argv:
        word = re.split(r"[/:,;.)]", word)[0]
        joined = " ".join([*words, word])
        if not any(name == joined or name.startswith(joined + " ") for name in COMMANDS):
            return words, word
        words.append(word)
    return words, None


def parse_problem(argv: list[str]) -> str | None:
    """Why the parser refuses ``argv`` (None when it parses). A mention in prose (subcommand words, no flag) must
    name a subcommand; a flag named at the end of a sentence needs no value; an elided command needs not all of
    its required flags; a placeholder stands for any choice."""
    if not any(word.startswith("-") for word in argv):
        words, after = command_words(argv)
        group = bool(words) and " ".join(words) not in COMMANDS
        if not words or (group and after is not None and re.fullmatch(r"[a-z][a-z-]*", after)):
            return f"{' '.join(argv[:2])}: names no failsafe-dr subcommand"
        return None
    elided = ELIDED in argv
    argv = [word for word in argv if word != ELIDED]
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            cli.parser().parse_args(argv)
    except SystemExit as stopped:
        if stopped.code in (0, None):
            return None
        line = err.getvalue().strip().splitlines()[-1]
        tolerated = (
            (argv[-1].startswith("--") and line.endswith("expected one argument"))
            or (elided and "the following arguments are required" in line)
            or "invalid choice: 'PLACEHOLDER'" in line
        )
        return None if tolerated else line
    return None


WRITTEN = [(where, text) for path in DOCS for where, text in commands(path)]


def test_the_docs_hold_commands_of_every_kind() -> None:
    """The extraction sees the commands (the README alone has verify, drill, restore and dns lines)."""
    tops = {argv_of(text)[0] for _, text in WRITTEN if argv_of(text)}
    assert {"verify", "drill", "restore", "dns", "fetch", "archive", "capture"} <= tops, tops


@pytest.mark.parametrize(("where", "text"), WRITTEN, ids=[w for w, _ in WRITTEN])
def test_every_written_command_parses(where: str, text: str) -> None:
    problem = parse_problem(argv_of(text))
    assert problem is None, f"{where}: failsafe-dr {text}: {problem}"


def test_a_renamed_flag_or_subcommand_is_found() -> None:
    assert parse_problem(argv_of("fetch --stack prod --bucket <archiveBucketName> --out prod.json")) is not None
    assert parse_problem(argv_of("restore objects")) is not None
    assert parse_problem(argv_of("dns wait --for secondary\\|primary --drill-dir drills")) is None
    assert parse_problem(argv_of("fetch --stack prod --archive-bucket <archiveBucketName> --out prod.json")) is None


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name} -->\n(.*?)<!-- /{name} -->", text, re.S)
    assert match, f"README.md has no <!-- {name} --> block"
    return match.group(1)


def test_the_readme_exit_codes_are_the_one_map() -> None:
    rows = re.findall(r"^\| `(\d+)` \| (.+?) \|$", readme_block("failsafe-dr:exit-codes"), re.M)
    assert [(int(code), what) for code, what in rows] == list(EXIT_CODES)


def test_the_readme_names_every_subcommand_and_the_global_options() -> None:
    block = readme_block("failsafe-dr:commands")
    missing = [name for name in COMMANDS if f"`{name}`" not in block]
    assert missing == [], f"README's failsafe-dr table lacks {missing}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(
        f"`{flag}" in readme for flag in ("--region", "--output", "--no-progress", "--profile", "--<role>-profile")
    )


def test_the_launchers_header_lists_every_subcommand() -> None:
    header = [line for line in (ROOT / "bin/failsafe-dr").read_text().splitlines()[1:] if line.startswith("#")]
    text = "\n".join(header)
    missing = [name for name in COMMANDS if not re.search(rf"^#\s+{re.escape(name)}\b", text, re.M)]
    assert missing == [], f"bin/failsafe-dr header lacks {missing}"


def test_the_group_commands_are_the_ones_of_the_tree() -> None:
    groups = {a.dest for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction)}
    assert groups == {"command"}
