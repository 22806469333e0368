"""What the access proofs add to `python -m failsafe check`: their time on top of planning, for dr and prod.

    python bench/access_bench.py [--repeat 5] [--buckets 2]

Plans dr and prod once (planning is what `check` pays anyway), then times the proofs alone: collecting the policies
from the plans and evaluating every catalogue path. The first run is what one `check` pays (cold evaluator caches); the
best of ``--repeat`` shows the steady cost. ``--buckets N`` plans N protected buckets to see
how the proofs grow with the estate. Target: dr and prod together under 0.5 s on 2 cores.
Not a timed test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from failsafe.tooling.access import proofs
from failsafe.tooling.cli import plan_stack, stack_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--buckets", type=int, default=0, help="plan this many protected buckets (0: the config's)")
    args = parser.parse_args()
    overrides = {"failsafe:protectedBuckets": [f"data{i:03d}" for i in range(args.buckets)]} if args.buckets else None
    started = time.perf_counter()
    dr = plan_stack("dr", overrides)
    prod = plan_stack("prod", overrides)  # plans dr again first, as `check prod` does
    planning = time.perf_counter() - started
    cases = {
        "dr": (stack_config("dr", overrides)[1], {"dr": dr}),
        "prod": (stack_config("prod", overrides)[1], {"dr": dr, "prod": prod}),
    }
    total = 0.0
    print(f"planning dr + prod: {planning:.2f} s")
    print(f"{'stack':>6} {'paths':>6} {'first s':>8} {'best s':>8} {'ms/path':>8}")
    for stack, (cfg, plans) in cases.items():
        times, count = [], 0
        for _ in range(max(args.repeat, 1)):
            start = time.perf_counter()
            count = len(proofs.prove(cfg, plans))
            times.append(time.perf_counter() - start)
        total += times[0]
        print(f"{stack:>6} {count:>6} {times[0]:>8.3f} {min(times):>8.3f} {min(times) / max(count, 1) * 1000:>8.2f}")
    print(f"proofs of dr and prod together, first run: {total:.3f} s (target < 0.5 s)")


if __name__ == "__main__":
    main()
