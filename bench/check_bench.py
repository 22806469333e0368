"""What `python -m failsafe check <stack>` costs end to end, per stack (the timing the tests used to assert).

    python bench/check_bench.py [--repeat 3]

Runs the real command in a fresh interpreter (as a user or CI does: import, plan, start the pack, analyze) and
prints the best wall time per stack and its ratio to the cheapest stack. Not a timed test: compare the ratios
between changes, and the absolute numbers only on the same machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def best_of(stack: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        command = [sys.executable, "-m", "failsafe", "check", stack, "--json"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True)
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"check {stack} failed to run: {done.stderr.decode()[-400:]}")
        best = min(best, elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stacks", default="dr,prod,pr-42")
    args = parser.parse_args()
    times = {stack: best_of(stack, args.repeat) for stack in args.stacks.split(",")}
    floor = min(times.values())
    for stack, seconds in times.items():
        print(f"check {stack:6s} {seconds:6.2f} s   x{seconds / floor:.2f}")


if __name__ == "__main__":
    main()
