"""``python -m failsafe recovery``: the estate's recovery numbers, credential-free, from the plans.

    python -m failsafe recovery prod                    # every store x disruption with its terms (text)
    python -m failsafe recovery --all --output table    # every estate of the project, 100 columns
    python -m failsafe recovery prod --output markdown  # the table, the worst disruption's timeline (Mermaid), terms
    python -m failsafe recovery prod --output json      # the model: what --diff and failsafe-dr verify read
    python -m failsafe recovery prod --set replicationTimeControl=false   # what-if
    python -m failsafe recovery --all --diff base.json  # what this checkout changes against another one's model
    python -m failsafe recovery prod --evidence drills --evidence restores  # measured steps replace estimates
    python -m failsafe recovery prod --evidence drills --check-evidence     # exit 1: a run outlasted its estimate

Exit codes: 0 fine, 1 a measured run exceeded its estimate (--check-evidence), 2 bad arguments, config or input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from failsafe.ops import runrecord
from failsafe.ops.runrecord import Evidence, RunRecordError
from failsafe.tooling.planning import PlanError
from failsafe.tooling.recovery import diff, estate, model, render

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack", nargs="?", help="prod (with its dr) or dr (with every prod that reads it)")
    parser.add_argument("--all", action="store_true", help="every estate of the project: each dr with its prod stacks")
    parser.add_argument(
        "--output", choices=render.OUTPUTS, default="text", help="text (default), table, json, markdown"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="plan with a config value changed (what-if)"
    )
    parser.add_argument(
        "--evidence",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="drill reports, restore run records, saved list-restore-jobs answers (file or directory; repeatable)",
    )
    parser.add_argument(
        "--check-evidence", action="store_true", help="exit 1 when a measured run exceeded its estimate"
    )
    parser.add_argument(
        "--diff", type=Path, metavar="BASE", help="compare with a model (or a directory of models) in JSON"
    )
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")


def run(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    if bool(args.stack) == bool(args.all):
        print("error: recovery: give a stack (prod or dr) or --all, not both or neither", file=sys.stderr)
        return EXIT_USAGE
    try:
        bases = diff.load(args.diff) if args.diff is not None else None  # a bad base fails before anything is planned
        evidence = runrecord.read_evidence(args.evidence) if args.evidence else Evidence()
        models = [model.build(e, evidence) for e in estate.estates(None if args.all else args.stack, overrides)]
        if args.check_evidence:
            return _check_evidence(models, evidence, args)
        if bases is not None:
            lines = diff.compare(bases, [m.to_dict() for m in models])
            text = diff.markdown(lines) if args.output == "markdown" else "\n".join(lines) or "no change"
        elif args.output == "json":
            documents = [json.loads(render.to_json(m)) for m in models]
            text = json.dumps(documents[0] if len(documents) == 1 else documents, indent=2, sort_keys=True)
        else:
            text = "\n\n".join(render.render(m, args.output).rstrip("\n") for m in models)
    except (PlanError, model.ModelError, RunRecordError, diff.DiffError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    _write(text, args.out)
    return EXIT_OK


def _check_evidence(models: list[model.Model], evidence: Evidence, args: argparse.Namespace) -> int:
    findings = [f for m in models for f in runrecord.compare(m.to_dict(), evidence)]
    lines = [f.line() for f in findings]
    measured = sum(1 for m in models for s in m.steps.values() if s.measured)
    lines.append(f"evidence: {measured} measured step(s), {len(findings)} over their estimate")
    _write("\n".join(lines), args.out)
    return EXIT_FAILED if findings else EXIT_OK


def _write(text: str, out: Path | None) -> None:
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        try:
            print(text)
        except BrokenPipeError:  # a pager or `head` stopped reading: the rest goes nowhere (Python docs, "SIGPIPE")
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
