"""The test suite's time per test file, so a slow newcomer shows before it takes the budget.

    python bench/suite_times.py [--workers 2] [--budget 60] [pytest args...]

Runs the suite once as CI does (``pytest -n <workers>``) with a JUnit XML report, then prints per test file the
summed test time (setup + call + teardown, as pytest reports it), its share of the total, and the wall time of the
run against the budget (README, "Development": at most 60 s on 2 cores). Files are sorted slowest first. Not a timed
test: the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--top", type=int, default=25)
    args, rest = parser.parse_known_args()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-n", str(args.workers), "-p", "no:cacheprovider", f"--junitxml={report}",
             *(rest or ["tests"])],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        if not report.exists():
            print(done.stdout[-2000:] + done.stderr[-2000:], file=sys.stderr)
            return 2
        per_file: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for case in ET.parse(report).getroot().iter("testcase"):
            parts = case.get("classname", "").split(".")
            while len(parts) > 1 and parts[-1][:1].isupper():  # a test class: the file is its module
                parts.pop()
            name = "/".join(parts) + ".py"
            per_file[name] += float(case.get("time", "0"))
            counts[name] += 1
    total = sum(per_file.values())
    print(f"{'test file':60} {'tests':>6} {'seconds':>8} {'share':>6}")
    for name, seconds in sorted(per_file.items(), key=lambda item: -item[1])[: args.top]:
        print(f"{name:60} {counts[name]:6d} {seconds:8.1f} {seconds / total:6.1%}")
    print(
        f"\n{len(per_file)} files, {sum(counts.values())} tests, {total:.1f} s of test time over {args.workers} workers"
    )
    print(f"wall {wall:.1f} s = {wall / args.budget:.2f} x the {args.budget:.0f} s budget (exit {done.returncode})")
    return 0 if done.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
