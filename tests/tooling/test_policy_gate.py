"""The credential-free policy gate end to end: `python -m failsafe check <stack>` exit codes, output grouped by
resource with each policy's remediation, `--json` for machines, and its speed (one pack start per invocation)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from failsafe.tooling import cli, gate, harness, planning
from tests.support.plans import seeded as seeded_resource

ROOT = Path(__file__).resolve().parents[2]
OUTSIDER = "999999999999"


def seeded(plan: harness.Plan) -> harness.Plan:
    """``plan`` plus a role that lets an account root assume it without MFA and names an unlisted account."""
    plan = copy.deepcopy(plan)
    provider = next((r.provider for r in plan.resources if r.provider), "")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDER}:root"}}
        ],
    }
    plan.resources.append(
        harness.PlannedResource(
            urn=f"urn:pulumi:{plan.stack}::{plan.project}::aws:iam/role:Role::seeded-admin",
            type="aws:iam/role:Role",
            name="seeded-admin",
            parent="",
            provider=provider,
            custom=True,
            inputs={"assumeRolePolicy": json.dumps(trust)},
            dependencies=[],
            property_dependencies={},
            protect=False,
            retain_on_delete=False,
            delete_before_replace=False,
            ignore_changes=[],
        )
    )
    return plan


@pytest.fixture()
def seeded_dr(monkeypatch: pytest.MonkeyPatch, plan_for: Callable[[str], harness.Plan]) -> None:
    plan = seeded(plan_for("dr"))
    real = planning.plan_stack  # the org stack (its SCPs and RCPs in force in dr's proofs) is planned as it is
    monkeypatch.setattr(planning, "plan_stack", lambda stack, overrides=None: plan if stack == "dr" else real(stack))


def test_check_exits_1_and_groups_violations_by_resource_with_remediation(
    seeded_dr: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gate.check("dr", json_output=False) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next((i for i, line in enumerate(lines) if line.strip() == "seeded-admin"), None)
    assert header is not None, f"no group header for the seeded role in:\n{out}"
    group = "\n".join(lines[header : header + 6])
    for policy in ("iam-role-trust-requires-mfa", "no-hardcoded-account-ids"):
        assert f"[mandatory] {policy}" in group, f"{policy} not listed under seeded-admin:\n{out}"
    assert group.count("remediation:") >= 2 and "aws:MultiFactorAuthPresent" in group, f"remediation missing:\n{out}"
    assert "2 mandatory" in lines[-1], lines[-1]


def test_check_json_is_machine_readable_and_names_policy_urn_level_and_remediation(
    seeded_dr: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gate.check("dr", json_output=True) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["stack"] == "dr" and report["mandatory"] == 2, report
    policies = {(v["policy"], v["enforcementLevel"]) for v in report["violations"] if v["urn"].endswith("seeded-admin")}
    assert policies == {("iam-role-trust-requires-mfa", "mandatory"), ("no-hardcoded-account-ids", "mandatory")}
    assert all(report["remediation"][p] for p, _ in policies), report["remediation"]
    assert any(OUTSIDER in v["message"] for v in report["violations"]), report["violations"]


def test_check_of_an_unknown_stack_exits_2_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate.check("no-such-stack", json_output=False) == 2
    assert "no-such-stack" in capsys.readouterr().err


@pytest.mark.parametrize("stack", ["dr", "prod"])
def test_cli_check_of_a_real_stack_passes(stack: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "failsafe", "check", stack, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"{stack}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert json.loads(result.stdout)["mandatory"] == 0


def test_a_pack_that_fails_to_start_is_reported_with_its_own_error(tmp_path: Path) -> None:
    from failsafe.tooling import analyzer

    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (tmp_path / "__main__.py").write_text("raise SystemExit('broken pack: no policies here')\n")
    with pytest.raises(RuntimeError, match="broken pack: no policies here"):
        analyzer.Analyzer("failsafe", "dr", pack_dir=tmp_path)


def test_a_pack_that_prints_a_lot_does_not_block_on_a_full_pipe(tmp_path: Path) -> None:
    from failsafe.tooling import analyzer

    source = (ROOT / "policies" / "__main__.py").read_text()
    (tmp_path / "PulumiPolicy.yaml").write_text((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    noisy = f"import sys\nsys.path.insert(0, {str(ROOT / 'policies')!r})\nprint('x' * 1_000_000, file=sys.stderr)\n"
    (tmp_path / "__main__.py").write_text(noisy + source)  # 1 MB on stderr before the port: far beyond a pipe buffer
    with analyzer.Analyzer("failsafe", "dr", pack_dir=tmp_path) as pack:
        assert pack.info().name == "failsafe-guardrails"


# --- every further guardrail, seeded into every real stack, is reported at the stack's generated level ---------


def _add(
    plan: harness.Plan,
    type_: str,
    name: str,
    inputs: dict,
    protect: bool = True,
    deps: dict[str, list[str]] | None = None,
) -> str:
    resource = seeded_resource(plan, type_, name, inputs, protect, deps)
    plan.resources.append(resource)
    return resource.urn


def _seed_bucket(
    plan: harness.Plan, name: str, versioned: bool = True, pab: bool = True, sse: bool = True, lifecycle: bool = True
) -> str:
    bucket = _add(plan, "aws:s3/bucket:Bucket", name, {"bucket": name})
    link = {"bucket": [bucket]}
    if versioned:
        _add(
            plan,
            "aws:s3/bucketVersioning:BucketVersioning",
            f"{name}-v",
            {"bucket": name, "versioningConfiguration": {"status": "Enabled"}},
            deps=link,
        )
    if pab:
        _add(
            plan,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            f"{name}-pab",
            {
                "bucket": name,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
            deps=link,
        )
    if sse:
        _add(
            plan,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            f"{name}-sse",
            {"bucket": name, "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
            deps=link,
        )
    if lifecycle:
        _add(
            plan,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            f"{name}-lc",
            {
                "bucket": name,
                "rules": [{"id": "n", "status": "Enabled", "noncurrentVersionExpiration": {"noncurrentDays": 30}}],
            },
            deps=link,
        )
    return bucket


def _seed_replication(plan: harness.Plan, delete_markers: str = "Enabled", source_sse: bool = True) -> None:
    source = _seed_bucket(plan, "seeded-source", sse=source_sse)
    _seed_bucket(plan, "seeded-target")
    _add(
        plan,
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "seeded-replication",
        {
            "bucket": "seeded-source",
            "role": "r",
            "rules": [
                {
                    "id": "all",
                    "status": "Enabled",
                    "filter": {},
                    "deleteMarkerReplication": {"status": delete_markers},
                    "destination": {"bucket": "arn:aws:s3:::seeded-target"},
                }
            ],
        },
        deps={"bucket": [source]},
    )


FURTHER_SEEDS: dict[str, Callable[[harness.Plan], object]] = {
    "s3-bucket-public-access-blocked": lambda p: _seed_bucket(p, "seeded-open", pab=False),
    "lambda-function-url-requires-auth": lambda p: _add(
        p, "aws:lambda/functionUrl:FunctionUrl", "seeded-url", {"functionName": "f", "authorizationType": "NONE"}
    ),
    "resource-policy-no-star-principal": lambda p: _add(
        p,
        "aws:s3/bucketPolicy:BucketPolicy",
        "seeded-policy",
        {
            "bucket": "b",
            "policy": json.dumps(
                {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}
            ),
        },
    ),
    "resource-policy-no-allow-with-not-principal": lambda p: _add(
        p,
        "aws:s3/bucketPolicy:BucketPolicy",
        "seeded-not-principal",
        {
            "bucket": "b",
            "policy": json.dumps(
                {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "r"}, "Action": "s3:*", "Resource": "*"}]}
            ),
        },
    ),
    "iam-policy-condition-values-parse": lambda p: _add(
        p,
        "aws:s3/bucketPolicy:BucketPolicy",
        "seeded-condition-value",
        {
            "bucket": "b",
            "policy": json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": "*",
                            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.300"}},
                        }
                    ]
                }
            ),
        },
    ),
    "aws-provider-allowed-account-ids": lambda p: _add(
        p, "pulumi:providers:aws", "seeded-provider", {"region": "eu-west-1"}
    ),
    "stateful-resources-protected": lambda p: _add(p, "aws:kms/key:Key", "seeded-key", {}, protect=False),
    "route53-primary-failover-health-check": lambda p: _add(
        p,
        "aws:route53/record:Record",
        "seeded-record",
        {
            "name": "app",
            "type": "A",
            "setIdentifier": "primary",
            "records": ["192.0.2.1"],
            "failoverRoutingPolicies": [{"type": "PRIMARY"}],
        },
    ),
    "s3-replication-safe": _seed_replication,
    # a replication source without SSE-KMS; on dr (which holds no replication rules) any bucket is the backup
    "s3-replicated-bucket-sse-kms": lambda p: (
        _seed_replication(p, "Disabled", source_sse=False)
        if p.stack != "dr"
        else _seed_bucket(p, "seeded-plain", sse=False)
    ),
    "s3-noncurrent-version-lifecycle": lambda p: _seed_bucket(p, "seeded-costly", lifecycle=False),
}


# The rule itself does not apply there (the issue: function URLs with auth NONE are allowed on preview stacks).
NOT_APPLICABLE = {("lambda-function-url-requires-auth", "preview")}


@pytest.fixture(scope="module")
def shared_pack() -> Iterator[object]:
    from failsafe.tooling import analyzer

    with analyzer.Analyzer("failsafe", "prod") as pack:
        yield pack


@pytest.mark.parametrize("stack", ["prod", "dr", "pr-42"])
@pytest.mark.parametrize("policy", list(FURTHER_SEEDS))
def test_seeded_further_guardrail_is_reported_at_the_generated_level(
    shared_pack: object, plan_for: Callable[[str], harness.Plan], stack: str, policy: str
) -> None:
    from failsafe.tooling import policyconfig

    plan = copy.deepcopy(plan_for(stack))
    FURTHER_SEEDS[policy](plan)
    _, cfg = cli.stack_config(stack)
    config = policyconfig.generate(cfg)
    found, _ = gate.analyze_plan(plan, config, client=shared_pack)
    level = config[policy]["enforcementLevel"]
    if (policy, config[policy]["stackRole"]) in NOT_APPLICABLE:
        level = "disabled"
    mine = [v for v in found if v["policy"] == policy and "seeded" in v["urn"] + v["message"]]
    if level == "disabled":
        assert mine == [], f"{stack}: {policy} is disabled here but reported {mine}"
    else:
        assert mine and all(v["enforcementLevel"] == level for v in mine), (
            f"{stack}: seeded {policy} violation not reported at level {level}: {mine}"
        )


# --- exemptions come from the stack config (policyExemptions) -------------------------------------------------


def test_policy_exemptions_from_stack_config_reach_the_generated_config() -> None:
    from failsafe.tooling import policyconfig

    _, cfg = cli.stack_config(
        "dr",
        overrides={
            "failsafe:policyExemptions": [
                "s3-bucket-versioning-enabled:scratch",
                "s3-bucket-versioning-enabled:urn:pulumi:dr::failsafe::x::y",
            ]
        },
    )
    config = policyconfig.generate(cfg, exemptions={"no-hardcoded-account-ids": ["legacy"]})
    assert config["s3-bucket-versioning-enabled"]["exemptions"] == ["scratch", "urn:pulumi:dr::failsafe::x::y"]
    assert config["no-hardcoded-account-ids"]["exemptions"] == ["legacy"]
    assert config["iam-role-trust-requires-mfa"]["exemptions"] == []


@pytest.mark.parametrize(
    "entry,expected",
    [
        ("no-colon", "<policy-name>:<resource name or URN>"),
        ("Bad_Name:x", "<policy-name>:<resource name or URN>"),
        ("s3-bucket-versioning-enabled:", "<policy-name>:<resource name or URN>"),
    ],
)
def test_malformed_policy_exemption_is_a_config_error_naming_key_and_value(entry: str, expected: str) -> None:
    with pytest.raises(cli.PlanError) as error:
        cli.stack_config("dr", overrides={"failsafe:policyExemptions": [entry]})
    assert "policyExemptions" in str(error.value) and entry in str(error.value) and expected in str(error.value)


def test_duplicate_policy_exemption_is_a_config_error() -> None:
    with pytest.raises(cli.PlanError, match="each exemption listed once"):
        cli.stack_config("dr", overrides={"failsafe:policyExemptions": ["s3-bucket-versioning-enabled:a"] * 2})


def test_exemption_for_a_policy_the_pack_lacks_fails_policy_config_and_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = cli.stack_config
    monkeypatch.setattr(
        planning,
        "stack_config",
        lambda stack, overrides=None: real(stack, overrides={"failsafe:policyExemptions": ["no-such-policy:x"]}),
    )
    assert gate.check("dr", json_output=False) == 2
    assert "no-such-policy" in capsys.readouterr().err
    assert cli.main(["policy-config", "dr"]) == cli.EXIT_USAGE
    assert "a policy of failsafe-guardrails" in capsys.readouterr().err


def test_exempted_seeded_resource_is_not_reported(
    monkeypatch: pytest.MonkeyPatch, plan_for: Callable[[str], harness.Plan], capsys: pytest.CaptureFixture[str]
) -> None:
    plan = copy.deepcopy(plan_for("dr"))
    _seed_bucket(plan, "seeded-scratch", versioned=False)
    real = cli.stack_config
    real_plan = planning.plan_stack  # the org stack (its SCPs and RCPs in force in dr's proofs) is planned as it is
    monkeypatch.setattr(
        planning, "plan_stack", lambda stack, overrides=None: plan if stack == "dr" else real_plan(stack)
    )
    monkeypatch.setattr(
        planning,
        "stack_config",
        lambda stack, overrides=None: real(
            stack,
            overrides={"failsafe:policyExemptions": ["s3-bucket-versioning-enabled:seeded-scratch"]}
            if stack == "dr"
            else None,
        ),
    )
    assert gate.check("dr", json_output=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert not [v for v in report["violations"] if v["policy"] == "s3-bucket-versioning-enabled"], report


# --- break the real estate: each real resource a policy guards, broken in place, is caught --------------------


def _break_providers(plan: harness.Plan) -> list[str]:
    found = [r for r in plan.resources if r.type == "pulumi:providers:aws"]
    for r in found:
        r.inputs.pop("allowedAccountIds", None)
    return [r.urn for r in found]


def _break_primary_records(plan: harness.Plan) -> list[str]:
    found = [
        r
        for r in plan.resources
        if r.type == "aws:route53/record:Record"
        and any(str(p.get("type", "")).upper() == "PRIMARY" for p in r.inputs.get("failoverRoutingPolicies") or [])
    ]
    for r in found:
        r.inputs.pop("healthCheckId", None)
    return [r.urn for r in found]


def _break_versioning(plan: harness.Plan) -> list[str]:
    found = [
        r
        for r in plan.resources
        if r.type in ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
    ]
    for r in found:
        r.inputs["versioningConfiguration"] = {**r.inputs.get("versioningConfiguration", {}), "status": "Suspended"}
    broken = {u for r in found for u in r.property_dependencies.get("bucket", [])}
    return sorted(broken)


def _break_human_trust(plan: harness.Plan) -> list[str]:
    found = []
    for r in plan.resources:
        if r.type != "aws:iam/role:Role":
            continue
        doc = r.inputs.get("assumeRolePolicy")
        doc = json.loads(doc) if isinstance(doc, str) else doc
        if "MultiFactorAuthPresent" not in json.dumps(doc or {}):
            continue
        for statement in doc.get("Statement", []):
            statement.pop("Condition", None)
        r.inputs["assumeRolePolicy"] = json.dumps(doc)
        found.append(r.urn)
    return found


BREAKS = {
    "aws-provider-allowed-account-ids": _break_providers,
    "route53-primary-failover-health-check": _break_primary_records,
    "s3-bucket-versioning-enabled": _break_versioning,
    "iam-role-trust-requires-mfa": _break_human_trust,
}


# Which stack holds resources each break can reach (previews have no buckets and no human roles; only prod
# has the primary failover record; people assume roles only in the backup account). Declared, not
# discovered: a stack that loses its guarded resources fails here instead of silently skipping.
GUARDED = [
    ("prod", "aws-provider-allowed-account-ids"),
    ("prod", "route53-primary-failover-health-check"),
    ("prod", "s3-bucket-versioning-enabled"),
    ("dr", "aws-provider-allowed-account-ids"),
    ("dr", "s3-bucket-versioning-enabled"),
    ("dr", "iam-role-trust-requires-mfa"),
    ("pr-42", "aws-provider-allowed-account-ids"),
]


@pytest.mark.parametrize(("stack", "policy"), GUARDED)
def test_each_real_guarded_resource_broken_in_place_is_caught(
    shared_pack: object, plan_for: Callable[[str], harness.Plan], stack: str, policy: str
) -> None:
    from failsafe.tooling import policyconfig

    plan = copy.deepcopy(plan_for(stack))
    targets = BREAKS[policy](plan)
    assert targets, f"{stack} no longer has any resource {policy} guards: update GUARDED or the stack"
    _, cfg = cli.stack_config(stack)
    found, _ = gate.analyze_plan(plan, policyconfig.generate(cfg), client=shared_pack)
    caught = {v["urn"] for v in found if v["policy"] == policy and v["enforcementLevel"] == "mandatory"}
    missed = [t for t in targets if t not in caught]
    assert not missed, f"{stack}: {policy} did not catch the broken {missed}"


def test_generated_config_sets_a_level_for_every_policy_of_the_pack_on_every_role() -> None:
    import sys

    from failsafe.tooling import policyconfig

    sys.path.insert(0, str(ROOT / "policies"))
    from failsafe_guardrails import catalog as rules

    assert set(policyconfig.LEVELS) == set(rules.NAMES), (
        f"policies without a generated level: {sorted(set(rules.NAMES) - set(policyconfig.LEVELS))}; "
        f"levels for no policy: {sorted(set(policyconfig.LEVELS) - set(rules.NAMES))}"
    )
    for policy, levels in policyconfig.LEVELS.items():
        assert set(levels) == {"prod", "dr", "org", "preview"}, f"{policy}: {levels}"
        assert set(levels.values()) <= {"advisory", "mandatory", "disabled"}, f"{policy}: {levels}"
    for core in ("iam-role-trust-requires-mfa", "s3-bucket-versioning-enabled", "no-hardcoded-account-ids"):
        assert set(policyconfig.LEVELS[core].values()) == {"mandatory"}, f"{core} must be mandatory everywhere"


def test_numeric_account_id_is_caught_over_the_protocol_where_numbers_are_doubles(shared_pack: object) -> None:
    from pulumi.runtime.proto import analyzer_pb2

    from failsafe.tooling.analyzer import struct

    shared_pack.configure(
        {"no-hardcoded-account-ids": {"enforcementLevel": "mandatory", "allowedAccountIds": ["111111111111"]}}
    )
    found = shared_pack.analyze(
        analyzer_pb2.AnalyzeRequest(
            type="aws:s3/bucketPolicy:BucketPolicy",
            properties=struct({"owner": 333333333333, "port": 443, "big": 1700000000000}),
            urn="urn:x",
            name="p",
        )
    )
    messages = [d.message for d in found if d.policyName == "no-hardcoded-account-ids"]
    assert len(messages) == 1 and "333333333333 at owner" in messages[0] and "1700000000000" not in messages[0], (
        messages
    )


# --- accounts that config names are config, not literals ------------------------------------------------------


def test_an_alert_topic_in_a_central_operations_account_is_admitted_because_config_names_it(
    shared_pack: object,
) -> None:
    """A team whose alarms go to an SNS topic in its operations account sets ``alertTopicArn`` to that topic: the
    account reaches the plan through config, so ``no-hardcoded-account-ids`` must not call it a literal. The same
    account written nowhere in config stays a violation (the policy can still fail)."""
    from failsafe.tooling import policyconfig

    _, cfg = cli.stack_config("prod")
    operations = next(a for a in ("777777777777", "787878787878") if a not in cfg.accounts.all())
    topic = f"arn:aws:sns:{cfg.primary_region}:{operations}:central-alerts"
    overrides = {"failsafe:alertTopicArn": topic, "failsafe:alertSubscription": ""}
    plan = planning.plan_stack("prod", overrides=overrides)
    _, with_topic = cli.stack_config("prod", overrides=overrides)
    assert operations in policyconfig.generate(with_topic)["no-hardcoded-account-ids"]["allowedAccountIds"]
    found, _ = gate.analyze_plan(plan, policyconfig.generate(with_topic), client=shared_pack)
    assert [v for v in found if v["policy"] == "no-hardcoded-account-ids"] == []
    found, _ = gate.analyze_plan(plan, policyconfig.generate(cfg), client=shared_pack)  # config without the topic
    literal = [v for v in found if v["policy"] == "no-hardcoded-account-ids"]
    assert literal and all(operations in v["message"] for v in literal), literal
