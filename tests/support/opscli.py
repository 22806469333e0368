"""What the operations tests share besides fixtures: the recorded retry delays, a finished ``failsafe-dr`` run, and
the CLI's parser tree (every subcommand that runs something)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Parser = argparse.ArgumentParser


@dataclass
class Backoff:
    """botocore's retry delays, computed as botocore computes them but at the upper bound of the jitter (the random
    factor is 1), recorded, and not slept: ``on_sleep`` gets each one (a fake clock can advance by it)."""

    delays: list[float] = field(default_factory=list)
    on_sleep: Callable[[float], None] | None = None


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def leaves(parser: Parser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Parser]]:
    """(``"restore s3"``, its parser) for every subcommand that runs something."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield " ".join(path), parser
    for group in groups:
        for name, child in group.choices.items():
            yield from leaves(child, (*path, name))


def flags(parser: Parser) -> dict[str, argparse.Action]:
    """Every long option of a parser but --help, with its action."""
    return {o: a for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"}


def commands() -> dict[str, Parser]:
    """``failsafe-dr``'s subcommands by name, from the real parser."""
    from failsafe.ops import cli

    return dict(leaves(cli.parser()))
