"""Every access-proof path of dr and prod with its outcome, to compare an evaluator change against the published ones.

    python bench/access_outcomes.py before.json          # before the change: write path -> status, decision, reason
    python bench/access_outcomes.py after.json --diff before.json

A path is (catalogue entry, who, action, resource), as `check dr` / `check prod` count them. ``--diff`` prints every
path whose status, decision or reason changed and exits 1 if any status or decision did. Not a test: it plans the
real stacks (a few seconds) and is meant for the engineer changing ``failsafe/tooling/access``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from failsafe.tooling.access import proofs
from failsafe.tooling.cli import plan_stack


def outcomes() -> dict[str, dict[str, dict[str, str]]]:
    found: dict[str, dict[str, dict[str, str]]] = {}
    for stack in ("dr", "prod"):
        found[stack] = {
            f"{o.entry.id} | {o.who} | {o.action} | {o.resource}": {
                "status": o.status,
                "decision": o.decision,
                "reason": o.reason,
            }
            for o in proofs.prove_stack(stack, plan_stack)
        }
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="where to write this run's outcomes (JSON)")
    parser.add_argument("--diff", type=Path, help="an earlier run to compare with")
    args = parser.parse_args()
    now = outcomes()
    args.out.write_text(json.dumps(now, indent=1, sort_keys=True), encoding="utf-8")
    for stack, paths in now.items():
        counts = {
            s: sum(1 for p in paths.values() if p["status"] == s) for s in (proofs.PROVEN, proofs.FAILING, "unknown")
        }
        print(f"{stack}: {len(paths)} paths {counts}")
    if args.diff is None:
        return 0
    before = json.loads(args.diff.read_text(encoding="utf-8"))
    changed = 0
    for stack in now:
        old, new = before.get(stack, {}), now[stack]
        for path in sorted(set(old) | set(new)):
            a, b = old.get(path), new.get(path)
            if a == b:
                continue
            if a is None or b is None or (a["status"], a["decision"]) != (b["status"], b["decision"]):
                changed += 1
            print(f"{stack}: {path}\n  before: {a}\n  after:  {b}")
    print(f"{changed} path(s) changed status or decision")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
