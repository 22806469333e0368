"""A stand-in for the ``pulumi`` CLI on ``PATH`` (the CLI cannot run here): it records each call's argv as a JSON line
in ``$FAKE_PULUMI_LOG`` and refuses, as the real CLI does, a subcommand or flag the real CLI does not have.

The subcommands, flags and argument counts below are the real CLI's, each checked against pulumi/pulumi's cobra
definitions at commit 1b5949891b3c (2026-08-21; the runbook pins CLI 3.272): every flag admitted here is declared there
(a subset: only what the docs use, and its short forms):

- root persistent flags: ``pkg/cmd/pulumi/pulumi.go`` (``--cwd``/``-C``, ``--non-interactive``, ``--color``,
  ``--logflow``, ``--verbose``/``-v``, ``--emoji``, ``--profiling``, ``--tracing``, ``--disable-integrity-checking``,
  ``--logtostderr``, ``--memprofilerate``, ``--fully-qualify-stack-names``, ``--otel-traces``);
- ``stack select``, ``stack import``, ``stack output``, ``stack export``, ``stack change-secrets-provider``:
  ``pkg/cmd/pulumi/stack/stack_select.go``, ``stack_import.go``, ``stack_output.go``, ``stack_export.go``,
  ``stack_change_secrets_provider.go`` (arguments: ``constrictor.AttachArguments``: select and output at most one,
  change-secrets-provider one, import and export none);
- ``up``, ``refresh``, ``import``: ``pkg/cmd/pulumi/operations/up.go`` (one optional ``[template|url]``),
  ``refresh.go`` (no argument unless ``--remote``), ``import.go`` (``import [type] [name] [id]``).

Only the flags the runbook and restore.md use, and their siblings listed above, are admitted: a flag outside this
list is refused even if a newer CLI has it (add it here with its source line). Answers: ``stack output`` prints
``$FAKE_PULUMI_STATE/<stack>.outputs.json`` (one output's value with a name), ``stack export`` prints
``$FAKE_PULUMI_STATE/<stack>.export.json``, ``stack import --file`` must be given a JSON deployment.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

GLOBAL = {"--cwd": True, "-C": True, "--non-interactive": False, "--color": True, "--logflow": False,
          "--verbose": True, "-v": True, "--emoji": False, "--profiling": True, "--tracing": True,
          "--disable-integrity-checking": False, "--logtostderr": False, "--memprofilerate": True,
          "--fully-qualify-stack-names": False, "--otel-traces": True, "--help": False, "-h": False}  # fmt: skip
STACK = {"--stack": True, "-s": True}
# subcommand -> (flag -> takes a value, how many positional arguments at most)
COMMANDS: dict[tuple[str, ...], tuple[dict[str, bool], int]] = {
    ("up",): ({**STACK, "--refresh": False, "--yes": False, "-y": False, "--skip-preview": False, "-f": False,
               "--diff": False, "--target": True, "-t": True, "--message": True, "-m": True,
               "--parallel": True, "-p": True, "--config-file": True, "--secrets-provider": True}, 1),
    ("refresh",): ({**STACK, "--yes": False, "-y": False, "--skip-preview": False, "-f": False, "--diff": False,
                    "--target": True, "-t": True, "--message": True, "-m": True, "--config-file": True}, 0),
    ("import",): ({**STACK, "--file": True, "-f": True, "--yes": False, "-y": False, "--out": True, "-o": True,
                   "--protect": False, "--skip-preview": False, "--generate-code": False}, 3),
    ("stack", "select"): ({**STACK, "--create": False, "-c": False, "--secrets-provider": True}, 1),
    ("stack", "import"): ({**STACK, "--force": False, "-f": False, "--file": True}, 0),
    ("stack", "export"): ({**STACK, "--file": True, "--version": True, "--show-secrets": False}, 0),
    ("stack", "output"): ({**STACK, "--json": False, "-j": False, "--show-secrets": False, "--shell": False}, 1),
    ("stack", "change-secrets-provider"): (dict(STACK), 1),
}  # fmt: skip


def refuse(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 255  # the CLI's exit code on a command error (os.Exit(-1))


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_PULUMI_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    words = [w for w in argv if not w.startswith("-")]
    path = next((p for p in sorted(COMMANDS, key=len, reverse=True) if tuple(words[: len(p)]) == p), None)
    if not words and argv and argv[0] in ("--help", "-h"):
        print("Usage: pulumi [command]")
        return 0
    if path is None:
        return refuse(f"unknown command {' '.join(words[:2])!r} for pulumi (this stub knows {sorted(COMMANDS)})")
    flags, most = COMMANDS[path]
    allowed = {**GLOBAL, **flags}
    values: dict[str, str] = {}
    positional: list[str] = []
    rest = list(argv)
    for word in path:
        rest.remove(word)
    while rest:
        word = rest.pop(0)
        name, _, inline = word.partition("=")
        if word.startswith("-"):
            if name not in allowed:
                return refuse(f"unknown flag: {name} (pulumi {' '.join(path)})")
            if allowed[name]:
                if not inline and not rest:
                    return refuse(f"flag needs an argument: {name}")
                values[name] = inline or rest.pop(0)
            else:
                values[name] = "true"
        else:
            positional.append(word)
    if len(positional) > most:
        return refuse(f"pulumi {' '.join(path)} accepts at most {most} arg(s), received {len(positional)}")
    if "--help" in values or "-h" in values:
        print(f"Usage: pulumi {' '.join(path)} [flags]")
        return 0
    stack = values.get("--stack") or values.get("-s") or os.environ.get("FAKE_PULUMI_SELECTED", "")
    state = Path(os.environ.get("FAKE_PULUMI_STATE", "."))
    short = stack.rsplit("/", 1)[-1]
    if path == ("stack", "output"):
        outputs = json.loads((state / f"{short}.outputs.json").read_text(encoding="utf-8"))
        if positional:
            if positional[0] not in outputs:
                return refuse(f"current stack does not have output property '{positional[0]}'")
            value = outputs[positional[0]]
            print(json.dumps(value) if "--json" in values or not isinstance(value, str) else value)
        else:
            print(json.dumps(outputs, indent=4))
    elif path == ("stack", "export"):
        sys.stdout.write((state / f"{short}.export.json").read_text(encoding="utf-8"))
    elif path == ("stack", "import"):
        source = values.get("--file")
        json.loads(Path(source).read_text(encoding="utf-8") if source else sys.stdin.read())
        print("Import complete.")
    elif path == ("import",) and ("--file" in values or "-f" in values):
        json.loads(Path(values.get("--file") or values["-f"]).read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
