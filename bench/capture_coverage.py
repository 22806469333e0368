"""Coverage and speed of the generic Cloud Control capture (issue 26, Benchmarks).

    python bench/capture_coverage.py [--region us-east-1] [--resources 10000] [--types 200]

1. Types covered: the types with a list handler that a capture lists (generic path + classic collectors) over all
   listable types of the region's schemas, beside Former2's 945 (figures of bench/capture_types_bench.py).
2. A stubbed estate (tests/support/cloudcontrol.py, every request checked against botocore's model) of
   ``--resources`` resources over ``--types`` types without parents: resources per second with pacing off (the
   tool's own overhead: HTTP to the local peer, parsing, secrets stripped, import document), and the wall time at the
   default pacing (measured overhead + the pacers' sleeps on a fake clock: nothing really sleeps).
3. A run whose budget is half that wall time stops incomplete with a cursor; the next run resumes and completes.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from capture_types_bench import FORMER2_SOURCE, FORMER2_TYPES, GOAL_TYPES

from failsafe.ops.capture import generic
from failsafe.ops.capture.model import DEFAULT_JITTER, DEFAULT_RATE
from failsafe.ops.capture.pacing import Budget, Pacer
from failsafe.ops.cloudcontrol_catalog import Catalog, catalog
from tests.support.cloudcontrol import CloudControlStub


def coverage(cat: Catalog, region: str) -> tuple[int, int, int]:
    listable = cat.listable_in(region)
    listings, _ = cat.plan([region])
    generic_types = {x.type.name for x in listings}
    classic = {t.name for t in listable if t.classic}  # as bench/capture_types_bench.py counts them
    return len(generic_types | classic), len(listable), len(generic_types)


MADE = itertools.count()  # never the same client twice: each carries the pacers of the run that made it


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def estate(cat: Catalog, region: str, resources: int, types: int) -> tuple[CloudControlStub, Catalog]:
    listings, _ = cat.plan([region])
    chosen = sorted({x.type.name for x in listings if not x.type.parents and len(x.type.primary_identifier) == 1})
    chosen = chosen[:types]
    stub = CloudControlStub(page_size=generic.MAX_RESULTS)
    per_type = resources // len(chosen)
    for name in chosen:
        key = cat.type(name).primary_identifier[0].split("/")[2]
        stub.seed(name, [{key: f"{key.lower()}-{i:05d}", "Tag": "x" * 40} for i in range(per_type)], [key])
    document: dict[str, Any] = {
        "format": 1,
        "inputs": cat.inputs,
        "regions": list(cat.regions),
        "partitions": {r: cat.partition(r) for r in cat.regions},
        "types": {n: cat._raw[n] for n in chosen},
    }
    return stub, Catalog(document)


def run(
    stub: CloudControlStub,
    cat: Catalog,
    region: str,
    rate: float | None,
    budget_seconds: float,
    cursor: Any = None,
) -> tuple[generic.Inventory, float, FakeClock, int]:
    fake = FakeClock()
    budget = Budget(budget_seconds, fake.clock)

    def pacer() -> Pacer:
        return Pacer(rate, DEFAULT_JITTER, clock=fake.clock, sleep=fake.sleep, budget=budget)

    def client(_: str) -> Any:  # a client per (service, region), as aws.client makes them: one pacer each
        return stub.client(user_agent_extra=f"bench-{next(MADE)}")

    lister = generic.Lister(None, cat, budget, pacer, client_factory=client)
    start = time.perf_counter()
    inventory = lister.run([region], cursor)
    generic.import_document(
        inventory.found,
        generic.native_providers("111111111111", [region], "prod", "failsafe", []),
    )
    return inventory, time.perf_counter() - start, fake, lister.calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--types", type=int, default=200)
    args = parser.parse_args(argv)
    cat = catalog()
    covered, listable, generic_types = coverage(cat, args.region)
    print(f"types covered in {args.region}: {covered} of {listable} listable ({covered / listable:.1%}); ")
    print(f"  generic Cloud Control path {generic_types}, classic collectors {covered - generic_types}")
    print(f"  goal >= {GOAL_TYPES}: {'met' if covered >= GOAL_TYPES else 'NOT met'}; Former2: {FORMER2_TYPES}")
    print(f"  ({FORMER2_SOURCE})")
    stub, small = estate(cat, args.region, args.resources, args.types)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    with stub.running():
        inventory, seconds, _, calls = run(stub, small, args.region, None, 3600)
        found = len(inventory.found)
        print(f"stubbed estate: {found} resources over {len(inventory.listings)} types, {calls} ListResources calls")
        print(f"  unpaced: {seconds:.2f} s, {found / seconds:,.0f} resources/s (the tool's own overhead)")
        _, paced_seconds, fake, _ = run(stub, small, args.region, DEFAULT_RATE, 3600)
        wall = paced_seconds + fake.slept
        print(
            f"  default pacing ({DEFAULT_RATE:g} calls/s per service, jitter {DEFAULT_JITTER:g}): "
            f"wall {wall:.1f} s ({fake.slept:.1f} s of pacing)"
        )
        half, _, _, first_calls = run(stub, small, args.region, DEFAULT_RATE, fake.slept / 2)
        done = sum(r.status == "done" for r in half.listings.values())
        print(f"  budget {fake.slept / 2:.1f} s: {'complete' if half.complete else 'INCOMPLETE'}, {done} listings done")
        resumed, _, _, second_calls = run(stub, small, args.region, DEFAULT_RATE, 3600, half.cursor())
        print(
            f"  next run from the cursor: {'complete' if resumed.complete else 'INCOMPLETE'}, "
            f"{len(resumed.found)} resources, {second_calls} calls (first run {first_calls})"
        )
    return 0 if covered >= GOAL_TYPES and resumed.complete and len(resumed.found) == found else 1


if __name__ == "__main__":
    sys.exit(main())
