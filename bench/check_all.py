"""``python -m failsafe check --all`` as the fleet grows (issue 24): seconds in all and per member at N = 1, 10, 100
members with two buckets each, in a copy of the example estate (bench/fleet.py). Goal: linear, and N = 100 at most
20 times N = 1 (dr is planned once; a fleet of 8 members or more gets a second planning process and a second pack).

    python bench/check_all.py [--sizes 1,10,100] [--buckets 2] [--repeat 3]

The first run of N = 1 also pays the one-time imports and the pack's start; sizes up to 10 print the median of
``--repeat`` runs.

Not a timed test: numbers depend on the machine (2 cores shared here).
"""

from __future__ import annotations

import argparse
import statistics
import time

from fleet import fleet, remove

from failsafe.tooling import estate_check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--buckets", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each N <= 10; the median is printed")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    seconds: dict[int, float] = {}
    print(f"{'N':>5} {'stacks':>7} {'failing':>8} {'seconds':>9} {'s/member':>9} {'x N=' + str(sizes[0]):>8}")
    for n in sizes:
        root = fleet(n, args.buckets)
        runs: list[float] = []
        try:
            for _ in range(args.repeat if n <= 10 else 1):  # small sizes vary by a second from run to run here
                started = time.perf_counter()
                report = estate_check.check_all(root)
                runs.append(time.perf_counter() - started)
        finally:
            remove(root)
        seconds[n] = statistics.median(runs)
        failing = sum(1 for r in report.results if not r.ok)
        ratio = seconds[n] / seconds[sizes[0]]
        print(f"{n:>5} {len(report.results):>7} {failing:>8} {seconds[n]:>9.1f} {seconds[n] / n:>9.2f} {ratio:>8.1f}")
        if failing or report.fleet or report.cross:
            print(estate_check.render(report).splitlines()[-1])


if __name__ == "__main__":
    main()
