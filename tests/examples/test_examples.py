"""The examples in examples/ are real programs of someone else's: each is planned under the mock runtime with its
own Pulumi.yaml defaults, so an API change in the component library that breaks a user's program breaks here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from failsafe.tooling import harness

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def plan_example(folder: str, preview: bool = False) -> harness.Plan:
    project = yaml.safe_load((EXAMPLES / folder / "Pulumi.yaml").read_text(encoding="utf-8"))
    raw = {f"{project['name']}:{key}": str(spec["default"]) for key, spec in project["config"].items()}
    plan = harness.run_program(
        "dev", raw, program=EXAMPLES / folder / "__main__.py", preview=preview, project=project["name"]
    )
    assert plan.error is None, plan.error
    return plan


@pytest.mark.parametrize("preview", [False, True], ids=["up", "first-preview"])
def test_replicated_bucket_example_replicates_into_its_hand_made_replica_without_deletes(preview: bool) -> None:
    plan = plan_example("replicated-bucket", preview)
    (replication,) = plan.by_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    (rule,) = replication.inputs["rules"]
    assert rule["deleteMarkerReplication"]["status"] == "Disabled", rule
    providers = {r.urn.rsplit("::", 1)[-1]: r.inputs for r in plan.resources if r.type == "pulumi:providers:aws"}
    assert providers["source"]["allowedAccountIds"] != providers["replica"]["allowedAccountIds"]
    if not preview:  # the replica's ARN is known once it exists
        (replica,) = [b for b in plan.by_type("aws:s3/bucket:Bucket") if b.name == "replica"]
        assert rule["destination"]["bucket"] == replica.outputs["arn"]
    (source_bucket,) = [b for b in plan.by_type("aws:s3/bucket:Bucket") if b.name == "orders"]
    assert source_bucket.protect, "the component protects its bucket when the caller leaves protect unset"


def test_dns_failover_example_checks_every_primary_address_and_alarms_in_us_east_1() -> None:
    plan = plan_example("dns-failover")
    checks = plan.by_type("aws:route53/healthCheck:HealthCheck")
    assert {c.inputs.get("ipAddress") for c in checks} >= {"192.0.2.10", "192.0.2.11"}
    records = {r.inputs["failoverRoutingPolicies"][0]["type"]: r for r in plan.by_type("aws:route53/record:Record")}
    assert set(records) == {"PRIMARY", "SECONDARY"}
    assert records["SECONDARY"].inputs["records"] == ["standby.example.net"]
    (alarm,) = plan.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    metrics_provider = next(r for r in plan.resources if r.urn == alarm.provider_urn)
    assert metrics_provider.inputs["region"] == "us-east-1"
