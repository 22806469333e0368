"""``failsafe-dr verify|capture run|restore --account <name> | --all-accounts`` against moto (issue 24, item 6).

The fleet is dr's registry (``failsafe:members``) and the members' own stack files, read by the loader the CLI uses;
nothing here names a member, an account or a bucket. Every member account is its own moto account with its own
credentials: the members are reached by assuming their read-only role from one prod-side profile (a person of the
identity account), and the registry's last member through a profile of its own. Each member's buckets exist only in
that member's account, so an implementation that reused one session for every member reads the wrong account; the
planted toy below does exactly that and the same assertions catch it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from failsafe.ops import fleet, fleet_verify, verify
from failsafe.ops.stackconfig import load_config
from tests.support.moto import BACKUP, account_session, moto_environment, write_profiles
from tests.support.opscli import Ran

DR = load_config(fleet.DR_STACK)
MEMBERS = DR.fleet.members if DR.fleet else ()
OPERATOR = "fleet-operator"  # the one prod-side profile: a person of the identity account
OWN = "member-own"  # the registry's per-member profile of the last member


def latency(name: str) -> int:
    """Each member's own replication latency (seconds), different for every member."""
    return 60 * (1 + [m.name for m in MEMBERS].index(name))


def member_cfg(name: str) -> Any:
    return load_config(f"prod-{name}")


def replication(cfg: Any, bucket: str) -> dict[str, Any]:
    return {
        "Role": cfg.role_arn(cfg.accounts.prod, cfg.replication_role_name_for(bucket)),
        "Rules": [
            {
                "ID": "to-backup-account",
                "Status": "Enabled",
                "Priority": 1,
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": f"arn:aws:s3:::{cfg.replica_bucket_name(bucket)}",
                    "Account": cfg.accounts.backup,
                    "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
                },
            }
        ],
    }


@pytest.fixture(scope="module")
def fleet_estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Three (or however many dr's registry holds) members, each with its source buckets replicating to its replicas
    in the backup account, one object each; the profiles: the operator's, the last member's own, the backup's."""
    assert len(MEMBERS) >= 3, "the example fleet has at least three members"
    with pytest.MonkeyPatch.context() as patch:
        moto_environment(patch)
        last = MEMBERS[-1]
        profiles = {OPERATOR: DR.accounts.identity, OWN: last.account, "backup": BACKUP}
        for name, value in write_profiles(tmp_path_factory.mktemp("aws"), profiles).items():
            patch.setenv(name, value)
        backup_s3 = account_session(DR.accounts.backup, DR.dr_region).client("s3")
        for member in MEMBERS:
            cfg = member_cfg(member.name)
            s3 = account_session(member.account, member.region).client("s3")
            cloudwatch = account_session(member.account, member.region).client("cloudwatch")
            for bucket in cfg.protected_buckets:
                source, replica = cfg.source_bucket_name(bucket), cfg.replica_bucket_name(bucket)
                s3.create_bucket(Bucket=source, CreateBucketConfiguration={"LocationConstraint": member.region})
                backup_s3.create_bucket(Bucket=replica, CreateBucketConfiguration={"LocationConstraint": DR.dr_region})
                s3.put_bucket_versioning(Bucket=source, VersioningConfiguration={"Status": "Enabled"})
                backup_s3.put_bucket_versioning(Bucket=replica, VersioningConfiguration={"Status": "Enabled"})
                s3.put_bucket_replication(Bucket=source, ReplicationConfiguration=replication(cfg, bucket))
                backup_s3.put_object(Bucket=replica, Key="a.txt", Body=b"a")
                s3.put_object(Bucket=source, Key="a.txt", Body=b"a")
                # S3's replication latency, in this member's own CloudWatch: a figure no other account holds
                dimensions = {"SourceBucket": source, "DestinationBucket": replica, "RuleId": "to-backup-account"}
                cloudwatch.put_metric_data(
                    Namespace="AWS/S3",
                    MetricData=[
                        {
                            "MetricName": "ReplicationLatency",
                            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                            "Value": float(latency(member.name)),
                            "Unit": "Seconds",
                            "Timestamp": datetime.now(UTC) - timedelta(minutes=5),
                        }
                    ],
                )
        yield {"own": last.name}


@pytest.fixture
def registry_profile(fleet_estate: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    """dr's registry with a ``profile`` for its last member (the optional per-member profile). S3 Control's endpoint
    rules put the account into the host name (``<account>.s3-control...``), which no name server resolves for
    127.0.0.1, so the backfill check's job listing answers "no job" here (test_verify.py covers that check)."""
    from failsafe.ops import backfill

    monkeypatch.setattr(backfill, "latest", lambda s3control, account, bucket: None)
    own = fleet_estate["own"]
    real = fleet.load_config

    def with_profile(stack: str) -> Any:
        cfg = real(stack)
        if stack != fleet.DR_STACK:
            return cfg
        members = tuple(dataclasses.replace(m, profile=OWN) if m.name == own else m for m in cfg.fleet.members)
        return dataclasses.replace(cfg, fleet=dataclasses.replace(cfg.fleet, members=members))

    monkeypatch.setattr(fleet, "load_config", with_profile)
    return own


def fleet_problems(document: dict[str, Any]) -> list[str]:
    """What is wrong with a fleet verify's JSON for this estate: every member a row of its own, with its registry
    account, every one of its replicas checked and passing (each member's buckets exist only in its own account)."""
    rows = {a["name"]: a for a in document["accounts"] or ()}
    problems = [f"no row for {m.name}" for m in MEMBERS if m.name not in rows]
    problems += [
        f"{m.name}: account {rows[m.name]['account']} != {m.account}"
        for m in MEMBERS
        if m.name in rows and rows[m.name]["account"] != m.account
    ]
    problems += [f"{m.name}: {rows[m.name]['status']}" for m in MEMBERS if rows.get(m.name, {}).get("status") != "PASS"]
    problems += [
        f"{m.name}: worst RPO seen {rows[m.name]['worst_rpo_seconds']} s, its own CloudWatch says {latency(m.name)} s"
        for m in MEMBERS
        if m.name in rows and rows[m.name]["worst_rpo_seconds"] != latency(m.name)
    ]
    status = {c["name"]: c for c in document["checks"]}
    for m in MEMBERS:
        cfg = member_cfg(m.name)
        for bucket in cfg.protected_buckets:
            source, replica = cfg.source_bucket_name(bucket), cfg.replica_bucket_name(bucket)
            name = f"{m.name}: replication {source} -> {replica}"
            if status.get(name, {}).get("status") != "PASS":
                problems.append(f"{name}: {status.get(name, {}).get('evidence', 'not run')}")
    return problems


def verify_all(failsafe_dr: Any, *extra: str) -> tuple[Ran, dict[str, Any]]:
    ran = failsafe_dr(
        "verify", "--all-accounts", "--prod-profile", OPERATOR, "--backup-profile", "backup",
        "--output", "json", "--no-progress", *extra,
    )  # fmt: skip
    return ran, json.loads(ran.out)


def test_all_accounts_reaches_each_member_through_its_own_session(
    registry_profile: str, failsafe_dr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reached: list[tuple[str, str | None]] = []
    real = fleet.session

    def recorded(member: fleet.Reach, **kwargs: Any) -> Any:
        reached.append((member.name, member.profile or kwargs["profile"]))
        return real(member, **kwargs)

    monkeypatch.setattr(fleet, "session", recorded)
    ran, document = verify_all(failsafe_dr)

    assert fleet_problems(document) == [], [c["evidence"] for c in document["checks"] if c["status"] == "FAIL"]
    assert reached == [(m.name, OWN if m.name == registry_profile else OPERATOR) for m in MEMBERS]
    rows = [a["name"] for a in document["accounts"]]
    assert rows == [*(m.name for m in MEMBERS), "backup"]
    # the backup account's own checks run once (no vault in this estate: that row fails, and so does the command)
    assert document["accounts"][-1]["status"] == "FAIL" and ran.code == 1
    assert sum(1 for c in document["checks"] if c["name"].endswith("recovery points (vault?)")) == 1


def test_a_toy_that_reuses_one_session_for_every_member_is_caught(
    registry_profile: str, failsafe_dr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planted toy: the first member's session for every member, and no account check. The fleet assertions of
    the test above must fail on it, or they could not tell one session from many."""
    real, first = fleet.session, {}

    def one_session(member: fleet.Reach, **kwargs: Any) -> Any:
        return first.setdefault("session", real(member, **kwargs))

    monkeypatch.setattr(fleet, "session", one_session)
    monkeypatch.setattr(verify, "assign_sides", lambda t, given: {side: sess for side, sess in given})
    _, document = verify_all(failsafe_dr)

    problems = fleet_problems(document)
    assert problems, "a single reused session passed the fleet assertions"
    assert all(m.name not in " ".join(problems) for m in MEMBERS[:1]), problems  # the first member really is fine


def test_the_table_has_one_row_per_account_with_its_worst_rpo_and_failing_count(
    registry_profile: str, failsafe_dr: Any
) -> None:
    ran = failsafe_dr("verify", "--all-accounts", "--prod-profile", OPERATOR, "--backup-profile", "backup")
    table = ran.out.split("\n\n")[0].splitlines()

    assert table[0].split() == ["ACCOUNT", "ACCOUNT", "ID", "WORST", "RPO", "SEEN", "FAILING", "STATUS"]
    for member in MEMBERS:
        (row,) = [line for line in table if line.startswith(f"{member.name} ")]
        rpo = fleet_verify._span(timedelta(minutes=member_cfg(member.name).recovery.rpo_minutes))
        assert member.account in row and f"(RPO {rpo})" in row and row.split()[-2:] == ["0", "PASS"], row


def test_one_failing_member_fails_its_row_only(
    registry_profile: str, failsafe_dr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = MEMBERS[1]
    cfg = member_cfg(broken.name)
    bucket = cfg.protected_buckets[0]
    s3 = account_session(broken.account, broken.region).client("s3")
    s3.delete_bucket_replication(Bucket=cfg.source_bucket_name(bucket))
    try:
        ran, document = verify_all(failsafe_dr)
    finally:
        s3.put_bucket_replication(
            Bucket=cfg.source_bucket_name(bucket), ReplicationConfiguration=replication(cfg, bucket)
        )

    rows = {a["name"]: a for a in document["accounts"]}
    assert rows[broken.name]["status"] == "FAIL" and rows[broken.name]["failing"] >= 1
    assert all(rows[m.name]["status"] == "PASS" for m in MEMBERS if m is not broken), rows
    assert ran.code == 1


def test_account_names_one_member_and_an_unknown_name_is_one_line(registry_profile: str, failsafe_dr: Any) -> None:
    member = MEMBERS[0]
    ran = failsafe_dr(
        "verify", "--account", member.name, "--prod-profile", OPERATOR, "--output", "json", "--no-progress"
    )
    document = json.loads(ran.out)
    assert [a["name"] for a in document["accounts"]] == [member.name, "backup"]
    assert document["accounts"][0]["status"] == "PASS", document["checks"]

    wrong = failsafe_dr("verify", "--account", "no-such-member", "--no-progress")
    assert wrong.code == 2 and wrong.out == ""
    (line,) = wrong.err.strip().splitlines()
    assert "--account no-such-member" in line and all(m.name in line for m in MEMBERS), line


def test_the_read_role_is_the_member_stacks_auditor_role() -> None:
    from failsafe_components.human_access import prod_auditor_role_name

    assert fleet.read_role_name(DR.name_prefix) == prod_auditor_role_name(DR.name_prefix)


def test_account_and_all_accounts_exclude_each_other(failsafe_dr: Any) -> None:
    with pytest.raises(SystemExit) as stopped:
        failsafe_dr("verify", "--account", MEMBERS[0].name, "--all-accounts")
    assert stopped.value.code == 2


def test_capture_all_accounts_captures_each_member_in_its_own_account(registry_profile: str, failsafe_dr: Any) -> None:
    from failsafe.ops import archive as archives

    archive = f"{DR.bucket_name_prefix}-fleet-capture-archive"
    backup_s3 = account_session(DR.accounts.backup, DR.dr_region).client("s3")
    backup_s3.create_bucket(Bucket=archive, CreateBucketConfiguration={"LocationConstraint": DR.dr_region})
    export = json.dumps({"deployment": {"resources": [{"urn": "urn:pulumi:dr::failsafe::pulumi:pulumi:Stack::x"}]}})
    archives.Archive(backup_s3, archive).store("dr", export.encode(), 20)
    ran = failsafe_dr(
        "capture", "run", "--all-accounts", "--capture-profile", OPERATOR, "--backup-profile", "backup",
        "--archive-bucket", archive, "--classic-only", "--services", "s3", "--regions", MEMBERS[0].region,
        "--stacks", "dr", "--rate", "0",
        "--output", "json", "--no-progress",
    )  # fmt: skip
    assert ran.out, ran.err
    runs = json.loads(ran.out)["runs"]

    assert sorted(r["account"] for r in runs) == sorted(m.account for m in MEMBERS), ran.err
    for member in MEMBERS[:2]:  # capture show --account: the same flag, a member's name or its account ID
        for given in (member.name, member.account):
            shown = failsafe_dr(
                "capture", "show", "s3", "--account", given, "--profile", "backup", "--archive-bucket", archive,
                "--output", "json",
            )  # fmt: skip
            assert shown.code == 0, shown.err
            assert json.loads(shown.out)["account"] == member.account, shown.out
    unknown = failsafe_dr("capture", "show", "s3", "--account", "nobody", "--profile", "backup",
                          "--archive-bucket", archive)  # fmt: skip
    assert unknown.code == 2 and "--account nobody: expected a 12-digit account ID or a member" in unknown.err


def test_restore_account_writes_into_that_members_bucket_only(
    registry_profile: str, failsafe_dr: Any, tmp_path: Path
) -> None:
    member = MEMBERS[1]
    cfg = member_cfg(member.name)
    bucket = cfg.protected_buckets[0]
    target = f"{cfg.source_bucket_name(bucket)}-rebuilt"
    s3 = account_session(member.account, member.region).client("s3")
    s3.create_bucket(Bucket=target, CreateBucketConfiguration={"LocationConstraint": member.region})
    ran = failsafe_dr(
        "restore", "s3", "--account", member.name, "--backup-profile", "backup", "--target-profile", OPERATOR,
        "--region", DR.dr_region, "--replica-bucket", cfg.replica_bucket_name(bucket), "--target-bucket", target,
        "--execute", "--no-progress", "--record-dir", str(tmp_path), "--state-file", str(tmp_path / "state.jsonl"),
    )  # fmt: skip

    assert ran.code == 0, ran.err
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=target).get("Contents") or ()] == ["a.txt"]
