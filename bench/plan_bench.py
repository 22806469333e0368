"""How the credential-free plan grows with the estate: time per protected bucket.

    python bench/plan_bench.py [--sizes 1,10,40] [--repeat 3]

Prints the plan time of prod (which plans dr first) for each number of protected buckets, the time per
resource, and the growth ratio against the smallest size. Linear growth keeps the per-resource time flat.
Not a timed test: numbers depend on the machine; the ratios are what to compare between changes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from failsafe.tooling.cli import plan_stack


def measure(buckets: int, repeat: int) -> tuple[float, int]:
    names = [f"data{i:03d}" for i in range(buckets)]
    best = float("inf")
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        plan = plan_stack("prod", {"failsafe:protectedBuckets": names})
        best = min(best, time.perf_counter() - start)
        count = len(plan.resources)
    return best, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,40")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    baseline: float | None = None
    print(f"{'buckets':>8} {'resources':>10} {'seconds':>8} {'ms/resource':>12} {'x smallest':>11}")
    for size in sizes:
        seconds, resources = measure(size, args.repeat)
        per = seconds / max(resources, 1) * 1000
        baseline = baseline or per
        print(f"{size:>8} {resources:>10} {seconds:>8.2f} {per:>12.2f} {per / baseline:>11.2f}")


if __name__ == "__main__":
    main()
