"""Policy pack timing over the analyzer protocol (not a test; run ``python bench/policy_bench.py``).

1. Time per resource: ``Analyze`` of a realistic IAM role against the protocol's floor, an empty call
   (``GetPluginInfo``: one gRPC round trip, no policy code).
2. ``AnalyzeStack`` as stacks grow to 10,000 resources (bucket + versioning + public access block + lifecycle):
   prints time per resource and the ratio to the previous size; linear growth keeps time per resource flat.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from failsafe.tooling import analyzer
from failsafe.tooling.analyzer import struct

ACCOUNT = "111111111111"
CONFIG = {
    "no-hardcoded-account-ids": {"enforcementLevel": "mandatory", "allowedAccountIds": [ACCOUNT]},
    "stateful-resources-protected": {"enforcementLevel": "advisory", "stackRole": "prod"},
}


def timed(call, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - start) / repeat


def role_request() -> analyzer_pb2.AnalyzeRequest:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    return analyzer_pb2.AnalyzeRequest(
        type="aws:iam/role:Role",
        urn="urn:pulumi:prod::failsafe::aws:iam/role:Role::r",
        name="r",
        properties=struct({"assumeRolePolicy": json.dumps(trust), "name": "operator", "tags": {"a": "b"}}),
    )


def stack(n: int) -> list[analyzer_pb2.AnalyzerResource]:
    out = []
    for i in range(n // 4):
        name = f"bucket-{i}"
        urn = f"urn:pulumi:prod::failsafe::aws:s3/bucketV2:BucketV2::{name}"
        deps = {"bucket": analyzer_pb2.AnalyzerPropertyDependencies(urns=[urn])}
        out.append(
            analyzer_pb2.AnalyzerResource(
                type="aws:s3/bucketV2:BucketV2",
                urn=urn,
                name=name,
                properties=struct({"bucket": f"{name}-{ACCOUNT}"}),
                options=analyzer_pb2.AnalyzerResourceOptions(protect=True),
            )
        )
        out.append(
            analyzer_pb2.AnalyzerResource(
                type="aws:s3/bucketVersioning:BucketVersioning",
                urn=f"{urn}-v",
                name=f"{name}-v",
                dependencies=[urn],
                propertyDependencies=deps,
                properties=struct({"bucket": f"{name}-{ACCOUNT}", "versioningConfiguration": {"status": "Enabled"}}),
            )
        )
        out.append(
            analyzer_pb2.AnalyzerResource(
                type="aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                urn=f"{urn}-pab",
                name=f"{name}-pab",
                dependencies=[urn],
                propertyDependencies=deps,
                properties=struct(
                    {
                        "bucket": f"{name}-{ACCOUNT}",
                        "blockPublicAcls": True,
                        "blockPublicPolicy": True,
                        "ignorePublicAcls": True,
                        "restrictPublicBuckets": True,
                    }
                ),
            )
        )
        out.append(
            analyzer_pb2.AnalyzerResource(
                type="aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                urn=f"{urn}-lc",
                name=f"{name}-lc",
                dependencies=[urn],
                propertyDependencies=deps,
                properties=struct(
                    {
                        "bucket": f"{name}-{ACCOUNT}",
                        "rules": [
                            {
                                "id": "noncurrent",
                                "status": "Enabled",
                                "noncurrentVersionExpiration": {"noncurrentDays": 90},
                            }
                        ],
                    }
                ),
            )
        )
    return out


def main() -> None:
    start = time.perf_counter()
    with analyzer.Analyzer("failsafe", "prod") as pack:
        print(f"pack start (python -u -m pulumi.policy ...): {time.perf_counter() - start:.2f} s")
        pack.configure(CONFIG)
        floor = timed(lambda: pack.stub.GetPluginInfo(empty_pb2.Empty()), 300)
        request = role_request()
        per = timed(lambda: pack.analyze(request), 300)
        print(f"empty call (protocol floor): {floor * 1e3:.3f} ms")
        print(
            f"Analyze one role:            {per * 1e3:.3f} ms  ({per / floor:.1f}x the floor, "
            f"policy work {max(per - floor, 0) * 1e3:.3f} ms)"
        )
        print(f"{'resources':>10} {'AnalyzeStack s':>15} {'ms/resource':>12} {'ratio to previous':>18}")
        previous = None
        for n in (400, 1200, 3000, 6000, 10000):
            resources = stack(n)
            elapsed = timed(lambda r=resources: pack.analyze_stack(r), 1)
            violations = pack.analyze_stack(resources[:4])
            ratio = "" if previous is None else f"time x{elapsed / previous[1]:.2f} for size x{n / previous[0]:.2f}"
            print(f"{n:>10} {elapsed:>15.3f} {elapsed / n * 1e3:>12.4f} {ratio:>18}")
            assert not violations, violations
            previous = (n, elapsed)
    in_process()


def in_process() -> None:
    """The same AnalyzeStack in this process (the SDK's servicer, no gRPC) under three collector settings: CPython's
    defaults, the pack's (policies/__main__.py: larger thresholds) and the collector off. With it off, time per
    resource stays flat, so the rules and the SDK are linear and any drift is the collector rescanning a heap that
    grows with the stack."""
    import gc

    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    sys.path.insert(0, str(analyzer.PACK_DIR))
    from failsafe_guardrails.catalog import POLICIES

    servicer = _PolicyAnalyzerServicer("failsafe-guardrails", "bench", POLICIES, EnforcementLevel.ADVISORY)
    default = gc.get_threshold()
    settings = {"default GC": default, "pack's GC": (100_000, 50, 1000), "GC off": None}
    print(f"{'in-process':>10} " + " ".join(f"{name + ' ms/res':>18}" for name in settings))
    for n in (1200, 3000, 10000, 30000):
        request = analyzer_pb2.AnalyzeStackRequest(resources=stack(n))
        row = []
        for threshold in settings.values():
            gc.collect()
            if threshold is None:
                gc.disable()
            else:
                gc.set_threshold(*threshold)
            row.append(timed(lambda r=request: servicer.AnalyzeStack(r, None), 1) / n * 1e3)
            gc.enable()
            gc.set_threshold(*default)
        print(f"{n:>10} " + " ".join(f"{ms:>18.4f}" for ms in row))


if __name__ == "__main__":
    main()
