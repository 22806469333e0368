"""Policy sizes as the fleet grows (issue 24): the largest document of each kind over the dr and org plans and one
member's plan, at N = 1, 10, 100, 1,000 members, in bytes/characters as AWS counts them and as a fraction of its
limit (failsafe_guardrails.limits). Goal: the same size at N = 1,000 as at N = 1, since dr and org admit the members
by organization condition, never by listing them.

    python bench/org_policy_sizes.py [--sizes 1,10,100,1000] [--buckets 2]

Not a timed test: it prints figures. Planning dr with 1,000 members (2,000 replica buckets) takes a few minutes.
"""

from __future__ import annotations

import argparse
import time

from fleet import fleet, remove

from failsafe.tooling import quotas
from failsafe.tooling.estate_check import EstatePlanner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--buckets", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    found: dict[int, dict[str, quotas.Measured]] = {}
    for n in sizes:
        root = fleet(n, args.buckets)
        try:
            started = time.perf_counter()
            planner = EstatePlanner(root)
            plans = {s: planner.plan(s) for s in ("dr", "org", "prod-m0000")}
            found[n] = quotas.largest(plans)
            resources = sum(len(p.resources) for p in plans.values())
            seconds = time.perf_counter() - started
            print(f"N = {n:>5}: planned dr, org, prod-m0000 ({resources:,} resources) in {seconds:.1f} s")
        finally:
            remove(root)
    kinds = sorted({k for f in found.values() for k in f})
    print()
    print(f"{'document (largest of its kind)':<44}" + "".join(f"{f'N = {n:,}':>22}" for n in sizes) + "  limit")
    for kind in kinds:
        cells = []
        limit = ""
        for n in sizes:
            m = found[n].get(kind)
            if m is None:
                cells.append(f"{'-':>22}")
                continue
            limit = f"{m.found.limit.limit:,} {m.found.limit.unit}"
            cells.append(f"{f'{m.found.value:,} ({m.found.fraction:.1%})':>22}")
        print(f"{kind:<44}" + "".join(cells) + f"  {limit}")
    first, last = found[sizes[0]], found[sizes[-1]]
    grew = [k for k in kinds if k in first and k in last and last[k].found.value != first[k].found.value]
    print()
    print(f"kinds whose largest document differs between N = {sizes[0]:,} and N = {sizes[-1]:,}: {grew or 'none'}")


if __name__ == "__main__":
    main()
