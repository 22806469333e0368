"""Config validation: every invalid value gets one clear error naming the key, the value and what is
expected; in the program it stops the run before any resource exists, with no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from failsafe.settings import stackfiles
from failsafe.settings.config import SHARED_KEYS, ConfigError, Role, load, load_mapping
from failsafe.tooling import harness
from tests.support.estates import REPO
from tests.support.plans import ROOT, cached_plan, values_of


def valid(stack: str = "prod") -> dict[str, str]:
    return values_of(stack)


# (stack, key, bad value or None to unset, text the message must contain)
INVALID = [
    ("prod", "prodAccountId", "12345", "12-digit AWS account ID"),
    ("prod", "backupAccountId", "22222222222a", "12-digit AWS account ID"),
    ("prod", "identityAccountId", "3333333333333", "12-digit AWS account ID"),
    ("prod", "primaryRegion", "eu-west-9", "AWS region name"),
    ("prod", "drRegion", "EU-CENTRAL-1", "AWS region name"),
    ("prod", "drRegion", "eu-west-1", "other than primaryRegion"),
    ("prod", "backupAccountId", "111111111111", "other than prodAccountId"),
    ("prod", "role", None, "one of prod, dr, preview"),
    ("prod", "role", "staging", "one of prod, dr, preview"),
    ("prod", "prodAccountId", None, "12-digit AWS account ID"),
    ("prod", "drStackName", "", "<org>/<project>/<stack>"),
    ("prod", "protectedBuckets", "[]", "at least one bucket"),
    ("prod", "protectedBuckets", '["Assets"]', "lowercase S3 name parts"),
    ("prod", "protectedBuckets", '["logs", "logs"]', "each bucket listed once"),
    ("prod", "noncurrentTransitionDays", "10", "from 30 to 36500"),
    ("prod", "noncurrentExpirationDays", "30", "more days than noncurrentTransitionDays"),
    ("prod", "objectLockRetentionDays", "0", "from 1 to 36500"),
    ("prod", "objectLockMode", "governance", "one of GOVERNANCE, COMPLIANCE"),
    ("prod", "vaultMaxRetentionDays", "3", "at least vaultMinRetentionDays"),
    ("prod", "vaultMinRetentionDays", "0", "from 1 to 36500"),
    ("prod", "vaultLockChangeableForDays", "2", "at least 3"),
    ("prod", "humanSessionSeconds", "600", "from 3600 to 43200"),
    ("prod", "mfaMaxAgeSeconds", "100000", "from 900 to 43200"),
    ("prod", "replicationMetrics", "false", "true when replicationTimeControl is true"),
    ("prod", "replicationStorageClass", "COLD", "one of STANDARD"),
    ("prod", "dnsHealthCheckInterval", "20", "10 or 30"),
    ("prod", "dnsHealthCheckThreshold", "11", "from 1 to 10"),
    ("prod", "dnsHealthCheckThreshold", "0", "from 1 to 10"),
    ("prod", "dnsTtl", "61", "from 0 to 60"),
    ("prod", "dnsHealthCheckRegions", '["us-east-1"]', "at least 3 regions"),
    ("prod", "dnsPrimaryTarget", "primary.example.com", "'cname:<host>'"),
    ("prod", "dnsSecondaryTarget", "cname:primary.app.example.com", "different from dnsPrimaryTarget"),
    ("prod", "dnsZoneId", "not-a-zone", "hosted zone ID"),
    ("prod", "dnsZoneName", None, "the hosted zone's name"),
    ("prod", "dnsRecordName", "app.example.org", "a name inside dnsZoneName example.com"),
    ("prod", "dnsAlarmSubscription", None, "for the created alarm topic"),
    ("prod", "dnsAlarmSubscription", "pager:oncall", "'email:<address>'"),
    ("prod", "dnsAlarmSubscription", "email:not-an-address", "'email:<address>'"),
    ("prod", "dnsAlarmTopicArn", "arn:aws:sns:eu-west-1:111111111111:ops", "a topic in us-east-1"),
    ("prod", "dnsSwitchRegion", "eu-west-1", "other than primaryRegion"),
    ("prod", "dnsSwitchRegion", "us-isob-east-9", "AWS region name"),
    ("prod", "metricsRegion", "eu-west-2", "us-east-1 while dnsRecordName is set"),
    ("prod", "githubRepository", "no-slash", "owner/repository"),
    ("prod", "bucketNamePrefix", "x" * 50, "S3 bucket name"),
    ("pr-42", "prNumber", None, "pull request number of this preview stack"),
    ("pr-42", "prNumber", "43", "the number in the stack name"),
    ("pr-42", "previewMemoryMb", "64", "from 128 to 10240"),
    ("pr-42", "previewLogRetentionDays", "8", "one of CloudWatch's values"),
    ("pr-42", "previewImageUri", "example.com/app:latest", "pinned by digest"),
    ("pr-42", "previewArchitecture", "arm", "one of arm64, x86_64"),
]


@pytest.mark.parametrize(("stack", "key", "bad", "expected"), INVALID, ids=[f"{c[1]}={c[2]}" for c in INVALID])
def test_invalid_value_is_refused_with_key_value_and_expectation(stack, key, bad, expected):
    values = valid(stack)
    if bad is None:
        values.pop(key, None)
    else:
        values[key] = bad
    with pytest.raises(ConfigError) as caught:
        load_mapping(stack, values)
    message = str(caught.value)
    assert f"failsafe:{key}" in message, f"error does not name the key {key}: {message}"
    assert expected in message, f"error for {key}={bad!r} does not say what is expected: {message}"
    if bad:
        # as written in the stack file: a YAML list in flow style, not a Python list (issue 22, item 6)
        shown = "[" + ", ".join(json.loads(bad)) + "]" if bad.startswith("[") else bad
        assert shown in message, f"error does not show the bad value {shown!r}: {message}"


# DNS combinations Route 53 would refuse (or that would not fail over): (overrides, key named, expected text)
DNS_COMBINATIONS = [
    ({"dnsRecordName": "example.com"}, "dnsPrimaryTarget", "apex of its zone, where DNS allows no CNAME"),
    (
        {
            "dnsRecordName": "example.com",
            "dnsPrimaryTarget": "ip:192.0.2.1",
            "dnsSecondaryTarget": "cname:dr.example.net",
        },
        "dnsSecondaryTarget",
        "apex of its zone, where DNS allows no CNAME",
    ),
    (
        {"dnsPrimaryTarget": "alias:Z2FDTNDATAQYW2:d1.cloudfront.net", "dnsSecondaryTarget": "ip:192.0.2.1"},
        "dnsSecondaryTarget",
        "needs an AAAA secondary",
    ),
    ({"dnsZoneId": "", "dnsZoneName": ""}, "dnsZoneId", "a hosted zone ID"),
    # health checkers and clients are on the internet: a private target can never be checked or reached
    ({"dnsPrimaryTarget": "ip:10.0.0.5,192.0.2.1"}, "dnsPrimaryTarget", "cannot reach 10.0.0.5"),
    ({"dnsSecondaryTarget": "ip:172.16.4.4"}, "dnsSecondaryTarget", "cannot reach 172.16.4.4"),
    # regions from Route 53's own model (HealthCheckRegion), not a hand-copied list
    (
        {"dnsHealthCheckRegions": '["us-east-1", "eu-west-1", "eu-central-1"]'},
        "dnsHealthCheckRegions",
        "eu-central-1 is not one",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "key", "expected"), DNS_COMBINATIONS, ids=[f"{c[1]}-{i}" for i, c in enumerate(DNS_COMBINATIONS)]
)
def test_invalid_dns_combination_is_refused_naming_the_key(overrides, key, expected):
    values = {**valid("prod"), **overrides}
    with pytest.raises(ConfigError) as caught:
        load_mapping("prod", values)
    message = str(caught.value)
    assert f"failsafe:{key}" in message and expected in message, message
    assert "\n" not in message, f"not one line: {message!r}"


def test_alias_targets_without_ipv6_may_fail_over_to_an_ip_target():
    values = {
        **valid("prod"),
        "dnsPrimaryTarget": "alias:Z2FDTNDATAQYW2:d1.cloudfront.net",
        "dnsSecondaryTarget": "ip:192.0.2.1",
        "dnsAliasIpv6": "false",
    }
    assert load_mapping("prod", values).dns.alias_ipv6 is False


def test_a_given_alarm_topic_needs_no_subscription():
    values = {**valid("prod"), "dnsAlarmTopicArn": "arn:aws:sns:us-east-1:111111111111:ops", "dnsAlarmSubscription": ""}
    dns = load_mapping("prod", values).dns
    assert dns.alarm_subscription is None and dns.alarm_topic_arn.endswith(":ops")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email:oncall@example.com", ("email", "oncall@example.com")),
        ("https://hooks.example.com/dns", ("https", "https://hooks.example.com/dns")),
        ("sqs:arn:aws:sqs:us-east-1:111111111111:pager", ("sqs", "arn:aws:sqs:us-east-1:111111111111:pager")),
    ],
)
def test_alarm_subscription_forms(text, expected):
    assert load_mapping("prod", {**valid("prod"), "dnsAlarmSubscription": text}).dns.alarm_subscription == expected


def test_dns_switch_is_named_from_config_in_the_dr_region():
    cfg = load_mapping("prod", valid("prod"))
    switch = cfg.dns.switch
    assert switch.region == cfg.dr_region
    assert (switch.namespace, switch.metric_name, switch.dimension_value) == (
        "Failsafe/DnsSwitch",
        "HoldOnDr",
        cfg.dns.record_name,
    )
    assert switch.alarm_name == f"{cfg.name_prefix}-dns-hold-dr-{cfg.dns.record_name}"


def test_invalid_dns_combination_stops_the_plan_with_one_line_and_exit_2():
    command = [sys.executable, "-m", "failsafe", "plan", "prod", "--set", "dnsRecordName=example.com"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "failsafe:dnsPrimaryTarget" in lines[0], done.stderr


def test_role_preview_on_a_stack_not_named_pr_n_is_refused():
    values = valid("pr-42")
    with pytest.raises(ConfigError, match="only on stacks named pr-<number>"):
        load_mapping("staging", values)


@pytest.mark.parametrize("stack", ["prod", "dr", "pr-42"])
def test_real_stack_configs_are_valid(stack):
    cfg = load_mapping(stack, valid(stack))
    assert cfg.role is {"prod": Role.PROD, "dr": Role.DR, "pr-42": Role.PREVIEW}[stack]
    assert cfg.primary_region != cfg.dr_region
    assert cfg.accounts.backup not in (cfg.accounts.prod, cfg.accounts.preview)


def test_every_key_the_loader_reads_is_declared_in_pulumi_yaml():
    declared = set(stackfiles.declarations())
    read: set[str] = set()
    for stack in ("prod", "dr", "pr-42"):
        values = valid(stack)

        def get(key: str, values: dict[str, str] = values) -> str | None:
            read.add(key)
            return values.get(key)

        load(stack, get)
    undeclared = read - declared
    assert not undeclared, f"config keys read but not declared in Pulumi.yaml: {sorted(undeclared)}"
    unread = declared - read
    assert not unread, f"keys declared in Pulumi.yaml that nothing reads: {sorted(unread)}"


def test_every_stack_file_disables_default_providers():
    for path in [*ROOT.glob("Pulumi.*.yaml")]:
        document = stackfiles.stack_document(path.name.split(".")[1]) if "template" not in path.name else None
        if document is None:
            document = stackfiles.render_preview(1)
        assert document["config"].get("pulumi:disable-default-providers") == ["*"], (
            f"{path.name} must set pulumi:disable-default-providers: ['*'] so no resource can use ambient credentials"
        )


def test_the_repositorys_own_stack_files_are_a_valid_estate():
    """Only what every valid estate has: each stack file of the repository (whatever estate a team wrote into it)
    reads without error as the CLI reads it, its shared keys agree across the estate's stacks, and dr and prod are
    there. The suite's other tests run against fixture estates (tests/support/estates.py), so a team's own values
    never turn them red; `./dev.sh check` in CI checks this estate's plans."""
    stacks = stackfiles.estate_stacks(REPO)
    assert {"dr", "prod"} <= set(stacks), stacks
    configs = {s: stackfiles.raw_config(s, root=REPO) for s in stacks}
    for stack, raw in configs.items():
        load_mapping(stack, stackfiles.unnamespaced(raw))
    dr, prod = configs["dr"], configs["prod"]
    differing = [k for k in sorted(SHARED_KEYS) if dr.get(f"failsafe:{k}") != prod.get(f"failsafe:{k}")]
    assert not differing, f"dr and prod disagree on {differing}"


def test_wrongly_typed_stack_value_is_refused_like_the_cli_does():
    with pytest.raises(ConfigError, match="declared type integer"):
        stackfiles.raw_config("prod", overrides={"failsafe:dnsTtl": "soon"})


def test_undeclared_key_in_a_stack_file_is_refused():
    with pytest.raises(ConfigError, match=r"declared in Pulumi\.yaml"):
        stackfiles.raw_config("prod", overrides={"failsafe:dnsTTL": 30})


@pytest.mark.parametrize(
    ("key", "bad"), [("drRegion", "eu-west-1"), ("prodAccountId", "1234"), ("vaultMaxRetentionDays", "1")]
)
def test_program_stops_with_run_error_before_creating_anything(key, bad):
    raw = stackfiles.raw_config("dr")
    raw[f"failsafe:{key}"] = bad
    plan = harness.run_program("dr", raw)
    assert plan.error is not None and f"failsafe:{key}" in plan.error
    assert "Traceback" not in plan.error
    assert plan.resources == [], f"half-created: {[r.urn for r in plan.resources]}"


def test_plan_command_prints_one_clear_line_and_exits_2_on_bad_config():
    result = subprocess.run(
        [sys.executable, "-m", "failsafe", "plan", "prod", "--set", "drRegion=eu-west-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, f"expected one line, got: {result.stderr}"
    assert "failsafe:drRegion = 'eu-west-1'" in result.stderr
    assert result.stdout == ""


def test_preview_config_writes_nothing_when_the_commit_is_bad(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "failsafe", "preview-config", "7", "--commit", "not-a-sha", "--dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "failsafe:previewCommit" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_preview_config_keeps_hostile_branch_names_as_data(tmp_path):
    branch = 'x"\n  failsafe:previewPublicUrl: true\n#'
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "failsafe",
            "preview-config",
            "7",
            "--branch",
            branch,
            "--commit",
            "abc1234",
            "--dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    import yaml

    config = yaml.safe_load((tmp_path / "Pulumi.pr-7.yaml").read_text())["config"]
    assert config["failsafe:previewBranch"] == branch
    assert config["failsafe:previewPublicUrl"] is False
    assert config["failsafe:prNumber"] == 7


def test_readme_documents_every_config_key():
    readme = (ROOT / "README.md").read_text()
    missing = [key for key in stackfiles.declarations() if f"| `{key}` |" not in readme]
    assert not missing, f"README's configuration reference lacks {missing}"


def test_the_program_refuses_drs_endpoint_of_another_record_type_in_one_line() -> None:
    """Under ``pulumi up`` prod sees dr's drEndpoint only as a StackReference output; the failover pair rule (Route 53
    Developer Guide, "Values specific for failover records" -> "Record type": the same value for both records;
    "Supported DNS record types" -> CNAME: no other record beside it) applies there too, as a RunError: no
    traceback."""
    raw = stackfiles.raw_config("prod")
    cfg = load_mapping("prod", stackfiles.unnamespaced(raw))
    assert cfg.dns is not None and cfg.dns.primary.kind == "cname" and cfg.dns.secondary is None
    outputs = {**cached_plan("dr").outputs, "drEndpoint": {"kind": "alias", "value": "dr.example.net", "zoneId": "Z1"}}
    plan = harness.run_program("prod", raw, {cfg.dr_stack_name: outputs})
    assert plan.error is not None, "prod accepted an alias secondary beside its CNAME primary"
    assert plan.error.startswith("invalid config failsafe:drEndpoint = 'alias:Z1:dr.example.net': "), plan.error
    assert "dnsPrimaryTarget" in plan.error and "Traceback" not in plan.error and "\n" not in plan.error
