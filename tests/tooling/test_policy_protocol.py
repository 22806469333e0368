"""The pack started exactly as the Pulumi CLI starts it (``python -u -m pulumi.policy <engine> policies`` with
PULUMI_PROJECT/PULUMI_STACK/PULUMI_DRY_RUN) and driven over the analyzer gRPC protocol. Started once per session."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pulumi.runtime.proto import analyzer_pb2

from failsafe.tooling import analyzer
from failsafe.tooling.analyzer import struct

PROD = "111111111111"
CONFIG = {
    "iam-role-trust-requires-mfa": {"enforcementLevel": "mandatory"},
    "s3-bucket-versioning-enabled": {"enforcementLevel": "mandatory", "stackRole": "prod"},
    "no-hardcoded-account-ids": {"enforcementLevel": "mandatory", "allowedAccountIds": [PROD]},
    "s3-bucket-public-access-blocked": {"enforcementLevel": "advisory"},
}


@pytest.fixture(scope="session")
def pack() -> Iterator[analyzer.Analyzer]:
    with analyzer.Analyzer("failsafe", "prod") as client:
        client.configure(CONFIG)
        yield client


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:prod::failsafe::{type_}::{name}"


def test_analyzer_info_names_the_pack_and_every_policy(pack: analyzer.Analyzer) -> None:
    info = pack.info()
    names = {p.name for p in info.policies}
    assert info.name == "failsafe-guardrails" and info.version
    assert {"iam-role-trust-requires-mfa", "s3-bucket-versioning-enabled", "no-hardcoded-account-ids"} <= names
    assert all(p.remediation_steps and p.description for p in info.policies)


def role_request(condition: dict | None) -> analyzer_pb2.AnalyzeRequest:
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    props = {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}
    return analyzer_pb2.AnalyzeRequest(
        type="aws:iam/role:Role", properties=struct(props), urn=urn("aws:iam/role:Role", "admin"), name="admin"
    )


def test_analyze_reports_a_role_without_mfa_as_mandatory(pack: analyzer.Analyzer) -> None:
    found = pack.analyze(role_request(None))
    assert [(d.policyName, d.enforcementLevel) for d in found] == [("iam-role-trust-requires-mfa", 1)], found


def test_analyze_passes_a_role_with_mfa(pack: analyzer.Analyzer) -> None:
    assert pack.analyze(role_request({"Bool": {"aws:MultiFactorAuthPresent": "true"}})) == []


def test_configure_reaches_the_account_policy(pack: analyzer.Analyzer) -> None:
    grant = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "s3:GetObject"}
    props = {"policy": json.dumps({"Statement": [grant]}), "bucket": f"data-{PROD}"}
    found = pack.analyze(
        analyzer_pb2.AnalyzeRequest(
            type="aws:s3/bucketPolicy:BucketPolicy", properties=struct(props), urn=urn("p", "p"), name="p"
        )
    )
    assert [d.policyName for d in found] == ["no-hardcoded-account-ids"]
    assert "account ID 999999999999" in found[0].message and f"account ID {PROD}" not in found[0].message


def stack(status: str, link_by_dependency: bool) -> list[analyzer_pb2.AnalyzerResource]:
    bucket_urn = urn("aws:s3/bucketV2:BucketV2", "data")
    bucket = analyzer_pb2.AnalyzerResource(
        type="aws:s3/bucketV2:BucketV2", urn=bucket_urn, name="data", properties=struct({"bucket": "data-bucket"})
    )
    versioning = analyzer_pb2.AnalyzerResource(
        type="aws:s3/bucketVersioning:BucketVersioning",
        urn=urn("aws:s3/bucketVersioning:BucketVersioning", "v"),
        name="v",
        properties=struct(
            {"bucket": "" if link_by_dependency else "data-bucket", "versioningConfiguration": {"status": status}}
        ),
        dependencies=[bucket_urn],
        propertyDependencies={"bucket": analyzer_pb2.AnalyzerPropertyDependencies(urns=[bucket_urn])},
    )
    return [bucket, versioning]


@pytest.mark.parametrize("by_dependency", [False, True])
def test_analyze_stack_links_versioning_by_value_or_dependency(pack: analyzer.Analyzer, by_dependency: bool) -> None:
    found = [
        d for d in pack.analyze_stack(stack("Enabled", by_dependency)) if d.policyName == "s3-bucket-versioning-enabled"
    ]
    assert found == []


def test_analyze_stack_reports_suspended_versioning_on_the_bucket(pack: analyzer.Analyzer) -> None:
    found = [d for d in pack.analyze_stack(stack("Suspended", True)) if d.policyName == "s3-bucket-versioning-enabled"]
    assert len(found) == 1 and found[0].urn.endswith("::data") and found[0].enforcementLevel == 1, found


def test_advisory_level_from_config_is_applied(pack: analyzer.Analyzer) -> None:
    found = [
        d for d in pack.analyze_stack(stack("Enabled", False)) if d.policyName == "s3-bucket-public-access-blocked"
    ]
    assert found and all(d.enforcementLevel == 0 for d in found)
