"""``python -m failsafe upgrade --from <your old Pulumi.yaml>``: move an estate from the 0.2 layout to today's.

Up to 0.2 a team set its estate by editing the defaults in ``Pulumi.yaml``, the product's file, so every upstream
change to that file was a merge conflict. Since 0.3 ``Pulumi.yaml`` is the product's alone and the team's values live
in the stack files it owns (README, "Configuration reference"; CHANGELOG.md, "0.3.0"). This command reads the old
``Pulumi.yaml`` (take it from your history: ``git show <your last commit before the upgrade>:Pulumi.yaml``), finds
every default the team changed from the product's, and writes each into every estate stack file that does not set
the key already, as written (quotes kept). It then reads every stack both ways, the old layout and the new, exactly
as the Pulumi CLI would, and writes nothing unless each stack's config comes out identical. Without ``--write`` it
only says what it would do.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from failsafe.settings import projectfile, stackfiles
from failsafe.settings.config import ConfigError

EXIT_OK, EXIT_DIFFERS, EXIT_USAGE = 0, 1, 2
MARK = "  # moved from Pulumi.yaml by `python -m failsafe upgrade` (0.2 layout -> 0.3)\n"


class UpgradeError(Exception):
    """One line for the person at the terminal."""


@dataclass(frozen=True)
class Move:
    key: str
    written: str  # the value as the team wrote it in the old Pulumi.yaml
    into: tuple[str, ...]  # the stack files that get it


def _project_with(pulumi_yaml: Path, stack_files: dict[str, str], into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    shutil.copy(pulumi_yaml, into / "Pulumi.yaml")
    for name, text in stack_files.items():
        (into / name).write_text(text, encoding="utf-8")
    return into


def _yaml_text(declaration: projectfile.Declaration) -> str:
    written = declaration.written.strip()
    if written and "\n" not in written:
        return written
    import json

    return json.dumps(declaration.default)  # a block value: its JSON form is the same YAML value on one line


def plan(old: Path, root: Path) -> tuple[list[Move], list[str]]:
    """The moves from ``old`` (a 0.2 ``Pulumi.yaml``) into ``root``'s stack files, and notes for the person."""
    try:
        with tempfile.TemporaryDirectory(prefix="failsafe-upgrade-") as scratch:
            before = projectfile.declarations(_project_with(old, {}, Path(scratch)))
    except projectfile.StackFileError as error:
        raise UpgradeError(f"--from {old}: {error}") from None
    now = projectfile.declarations(root)
    stacks = stackfiles.estate_stacks(root)
    if not stacks:
        raise UpgradeError(f"{root}: no estate stack file (Pulumi.<stack>.yaml) to move the values into")
    moves, notes = [], []
    for key, was in sorted(before.items()):
        if not was.has_default:
            continue
        product = now.get(key)
        if product is None:
            notes.append(f"{key}: no longer declared by the product; its old default {was.written or was.default!r} "
                         "is dropped (CHANGELOG.md says what replaced it)")  # fmt: skip
            continue
        same = product.has_default and product.value is not None and was.value is not None
        if same and product.value.text == was.value.text:  # type: ignore[union-attr]
            continue  # the product's default: nothing of the team's
        name = f"{stackfiles.project_name(root)}:{key}"
        into = tuple(f"Pulumi.{s}.yaml" for s in stacks if name not in stackfiles.stack_file(s, root).values)
        if into:
            moves.append(Move(key, _yaml_text(was), into))
    return moves, notes


def apply(moves: Sequence[Move], root: Path) -> dict[str, str]:
    """The new text of each stack file the moves touch (nothing written)."""
    texts: dict[str, str] = {}
    for move in moves:
        for name in move.into:
            text = texts.get(name) or (root / name).read_text(encoding="utf-8")
            if MARK not in text:
                text = text.rstrip("\n") + "\n" + MARK
            texts[name] = text + f"  failsafe:{move.key}: {move.written}\n"
    return texts


def verify(old: Path, root: Path, texts: dict[str, str]) -> list[str]:
    """Every estate stack read the old way (old ``Pulumi.yaml``, the stack files as they are) and the new way (the
    product's ``Pulumi.yaml``, the stack files with ``texts``): the keys whose values differ, as ``stack: key``."""
    stacks = stackfiles.estate_stacks(root)
    current = {f"Pulumi.{s}.yaml": (root / f"Pulumi.{s}.yaml").read_text(encoding="utf-8") for s in stacks}
    template = root / projectfile.TEMPLATE
    with tempfile.TemporaryDirectory(prefix="failsafe-upgrade-") as scratch:
        before_root = _project_with(old, current, Path(scratch) / "before")
        after_root = _project_with(root / "Pulumi.yaml", {**current, **texts}, Path(scratch) / "after")
        if template.is_file():
            shutil.copy(template, after_root / template.name)
        differs = []
        for stack in stacks:
            try:
                before = stackfiles.raw_config(stack, root=before_root)
            except (ConfigError, stackfiles.StackFileError) as error:
                raise UpgradeError(f"--from {old}: the old layout does not read ({error})") from None
            try:
                after = stackfiles.raw_config(stack, root=after_root)
            except (ConfigError, stackfiles.StackFileError) as error:
                raise UpgradeError(f"after the upgrade {stack} would not read: {error}") from None
            differs += [f"{stack}: {key}" for key in sorted(before) if after.get(key) != before[key]]
        return differs


def _write(texts: dict[str, str], root: Path) -> None:
    staged = []
    for name, text in texts.items():
        partial = root / f".{name}.upgrade"
        partial.write_text(text, encoding="utf-8")
        staged.append((partial, root / name))
    for partial, target in staged:  # all or nothing: every file staged before any is replaced
        os.replace(partial, target)


def run(args: argparse.Namespace) -> int:
    root: Path = args.dir or stackfiles.ROOT
    try:
        if not args.old.is_file():
            raise UpgradeError(f"--from {args.old}: no such file (e.g. `git show <old commit>:Pulumi.yaml > old.yaml`)")
        moves, notes = plan(args.old, root)
        texts = apply(moves, root)
        differs = verify(args.old, root, texts)
    except UpgradeError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for move in moves:
        print(f"move {move.key}: {move.written} -> {', '.join(move.into)}")
    for note in notes:
        print(f"note: {note}")
    if differs:
        print(f"error: the new layout would change {len(differs)} value(s): {', '.join(differs)}", file=sys.stderr)
        return EXIT_DIFFERS
    if not moves:
        print("upgrade: nothing to move; every stack reads the same in the new layout")
        return EXIT_OK
    if not args.write:
        print(f"upgrade: {len(moves)} value(s) to move; every stack reads the same after it. Run again with --write.")
        return EXIT_OK
    _write(texts, root)
    print(f"upgrade: wrote {', '.join(sorted(texts))}; every stack reads as before. Commit them.")
    return EXIT_OK


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="old", type=Path, required=True, help="your Pulumi.yaml of the 0.2 layout")
    parser.add_argument("--dir", type=Path, default=None, help="the project folder (default: this project)")
    parser.add_argument("--write", action="store_true", help="write the stack files (default: say what would move)")
