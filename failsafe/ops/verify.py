"""``failsafe-dr verify``: read-only checks of the live estate against the stacks' declared intent and RPO.

Each check is a function returning :class:`Check` (name, ok, evidence): the evidence is what an operator
needs to believe the verdict without re-running anything. Checks read only (Get/List/Describe), so they
run with the read-only roles. Inputs come from the stack config (:func:`failsafe.settings.config.load`) and the dr
stack's outputs (``pulumi stack output --json -s dr``); flags override the outputs.

Which account a check reads:
- prod (``--prod-profile``): replication rules of the source buckets, the source side of replica lag;
- the DNS account (``--dns-profile``, :mod:`failsafe.ops.dns`): the health checks, the traffic switch and whether
  the secondary answers;
- backup (``--backup-profile``): replica versioning and freshness, recovery points, snapshot copies,
  the configuration archive, MFA on the human roles.
A side without credentials is reported as SKIP (not a pass); at least one side must be present.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from failsafe.ops import aws, backfill, runrecord
from failsafe.ops.archive import KEY, KEY_TIME
from failsafe.ops.capture import model as capture_model
from failsafe.ops.capture import reading as capture_reading
from failsafe.ops.capture import store as capture_store
from failsafe.ops.copier import COPIED_AT_TAG, COPIED_BY_TAG, COPIED_BY_VALUE, UNSHAREABLE, parse_time
from failsafe.ops.errors import EXIT_FAILED, EXIT_OK, UsageError
from failsafe.ops.output import Report, Table, render
from failsafe.ops.progress import Progress
from failsafe.ops.restore.testing import restore_test_results
from failsafe_guardrails import mfa

ARCHIVE_MAX_AGE_HOURS = 26  # the archive workflow runs daily; two missed runs are a failure
REPLICA_SCAN_LIMIT = 10_000  # objects listed per bucket to find the newest (evidence says when capped)
HEALTHY_FRACTION = 0.18  # Route 53 calls an endpoint healthy when more than 18% of checkers do


class VerifyError(UsageError):
    """A problem that stops verify before any check (credentials, account): one line for a person."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: skipped (no credentials for that account)
    evidence: str
    age: timedelta | None = None  # how far behind the data this check saw is (what the fleet table's RPO column shows)

    @property
    def status(self) -> str:
        return {True: "PASS", False: "FAIL", None: "SKIP"}[self.ok]


@dataclass(frozen=True)
class Targets:
    """What to check, from config + dr outputs (+ flags)."""

    source_buckets: Mapping[str, str]  # replica bucket -> source bucket
    prod_account: str
    backup_account: str
    identity_account: str
    rpo: timedelta
    stacks: tuple[str, ...] = ("dr", "prod")
    vault_name: str | None = None
    archive_bucket: str | None = None
    health_check_id: str | None = None
    archive_max_age: timedelta = timedelta(hours=ARCHIVE_MAX_AGE_HOURS)
    rto: timedelta | None = None
    drills_dir: str | None = None  # where `failsafe-dr drill finish` writes reports
    restore_testing_plan_arn: str | None = None  # dr output restoreTestingPlanArn (AWS Backup restore testing)
    recovery_model: str | None = None  # `python -m failsafe recovery --output json` saved to a file
    evidence: tuple[str, ...] = ()  # run records, drill reports, saved list-restore-jobs answers (files or dirs)

    @classmethod
    def from_config(cls, cfg: Any, outputs: Mapping[str, Any] | None = None, **overrides: Any) -> Targets:
        out = dict(outputs or {})

        def first(*names: str) -> str | None:
            for name in names:
                value = out.get(name)
                if isinstance(value, str) and value:
                    return value
            return None

        values: dict[str, Any] = {
            "source_buckets": {cfg.replica_bucket_name(b): cfg.source_bucket_name(b) for b in cfg.protected_buckets},
            "prod_account": cfg.accounts.prod,
            "backup_account": cfg.accounts.backup,
            "identity_account": cfg.accounts.identity,
            "rpo": timedelta(minutes=cfg.recovery.rpo_minutes),
            "rto": timedelta(minutes=cfg.recovery.rto_minutes),
            "vault_name": first("vaultName", "backupVaultName"),
            "archive_bucket": first("archiveBucketName", "archiveBucket"),
            "health_check_id": first("healthCheckId", "failoverHealthCheckId", "primaryHealthCheckId"),
            "restore_testing_plan_arn": first("restoreTestingPlanArn"),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class Sides:
    """boto3 sessions per account side; ``None`` when that side was not given."""

    prod: Any | None
    backup: Any | None
    prod_region: str
    backup_region: str
    overrides: dict[tuple[str, str], Any] = field(default_factory=dict)  # tests put stubs here
    made: dict[tuple[str, str], Any] = field(default_factory=dict)  # one client per side and service

    def client(self, side: str, service: str) -> Any:
        """One client per (side, service), made on first use: making a client costs a tenth of a second or more
        (botocore builds its service model and endpoint rules per session), and a fleet run makes sessions by the
        dozen."""
        if (side, service) in self.overrides:
            return self.overrides[(side, service)]
        if (side, service) not in self.made:
            sess = self.prod if side == "prod" else self.backup
            region = self.prod_region if side == "prod" else self.backup_region
            self.made[(side, service)] = aws.client(sess, service, region)
        return self.made[(side, service)]


def _age(now: datetime, moment: datetime) -> str:
    minutes = int((now - moment).total_seconds() // 60)
    return (
        f"{minutes // 1440}d{minutes % 1440 // 60}h{minutes % 60}m"
        if minutes >= 1440
        else (f"{minutes // 60}h{minutes % 60}m" if minutes >= 60 else f"{minutes}m")
    )


def one_line(text: str, limit: int = 300) -> str:
    """Evidence as one line: an error body in HTML (a proxy, an outage page) loses its tags and line breaks."""
    flat = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    return flat if len(flat) <= limit else f"{flat[: limit - 3]}..."


def _error(exc: Exception) -> str:
    return one_line(aws.describe(exc))


# --- the checks ------------------------------------------------------------------------------------------


def check_replication(sides: Sides, t: Targets, replica: str) -> Check:
    """Source bucket replicates to the replica in the backup account, delete markers NOT replicated."""
    source = t.source_buckets[replica]
    name = f"replication {source} -> {replica}"
    try:
        config = sides.client("prod", "s3").get_bucket_replication(Bucket=source)["ReplicationConfiguration"]
    except Exception as exc:
        return Check(name, False, f"no replication configuration readable on {source}: {_error(exc)}")
    rules = [r for r in config.get("Rules") or () if r.get("Status") == "Enabled"]
    to_replica = [r for r in rules if (r.get("Destination") or {}).get("Bucket") == f"arn:aws:s3:::{replica}"]
    if not to_replica:
        return Check(name, False, f"no enabled rule has destination arn:aws:s3:::{replica} ({len(rules)} enabled)")
    for rule in to_replica:
        marker = (rule.get("DeleteMarkerReplication") or {}).get("Status")
        rule_id = rule.get("ID", "?")
        if "Filter" not in rule and "Prefix" in rule:
            return Check(name, False, f"rule {rule_id} is a V1 (prefix) rule, which replicates delete markers")
        if marker != "Disabled":
            return Check(
                name,
                False,
                f"rule {rule_id}: DeleteMarkerReplication={marker!r}; expected 'Disabled' "
                "(a delete in prod would hide the replica)",
            )
        account = (rule.get("Destination") or {}).get("Account")
        if account and account != t.backup_account:
            return Check(name, False, f"rule {rule_id} replicates to account {account}, not {t.backup_account}")
    return Check(name, True, f"{len(to_replica)} enabled rule(s) to {replica}; delete markers not replicated")


# The ReplicatedBucket component's rule ID (= failsafe_components.replicated_bucket.REPLICATION_RULE_ID).
# verify reads metrics for the rule IDs the bucket's configuration holds, whatever they are.
REPLICATION_RULE_ID = "to-backup-account"


def _metrics_status(rule: Mapping[str, Any]) -> str | None:
    status = ((rule.get("Destination") or {}).get("Metrics") or {}).get("Status")
    return str(status) if status is not None else None


def _rules_to(config: Mapping[str, Any], replica: str) -> list[dict[str, Any]]:
    return [
        r
        for r in config.get("Rules") or ()
        if r.get("Status") == "Enabled" and (r.get("Destination") or {}).get("Bucket") == f"arn:aws:s3:::{replica}"
    ]


def check_replication_metrics(sides: Sides, t: Targets, replica: str, now: datetime) -> Check:
    """S3's own replication metrics (the ones the prod alarms watch): no failed operations in the last hour, latency
    within the RPO. Cheaper and truer than listing keys.

    The metrics are published per rule (dimensions SourceBucket, DestinationBucket, RuleId) and only for a rule whose
    ``Destination.Metrics.Status`` is ``Enabled`` (S3 API Reference, "Metrics": "Specifies whether the replication
    metrics are enabled"; S3 User Guide, "Monitoring progress with replication metrics"). So the rule IDs are read
    from the bucket's replication configuration, never assumed: CloudWatch answers a query for a rule that does not
    exist, or whose metrics are off, with no data points, and that must not read as a pass (issue 22, item 12). No
    data points for a rule with metrics on means nothing was replicated in the hour."""
    source = t.source_buckets[replica]
    name = f"replication health {source}"
    cloudwatch = sides.client("prod", "cloudwatch")
    try:
        config = sides.client("prod", "s3").get_bucket_replication(Bucket=source)["ReplicationConfiguration"]
    except Exception as exc:
        return Check(name, False, f"cannot read the replication configuration of {source}: {_error(exc)}")
    rules = _rules_to(config, replica)
    if not rules:
        return Check(name, False, f"no enabled rule replicates {source} to {replica}: no metrics to read")
    off = [
        r.get("ID", "?")
        for r in rules
        if ((r.get("Destination") or {}).get("Metrics") or {}).get("Status") != "Enabled"
    ]
    if off:
        return Check(
            name,
            False,
            f"replication metrics are off on rule {', '.join(off)} (Destination.Metrics.Status): "
            "failures and latency cannot be read",
        )

    def points(rule_id: str, metric: str, statistic: str) -> list[float]:
        answer = cloudwatch.get_metric_statistics(
            Namespace="AWS/S3",
            MetricName=metric,
            Dimensions=[
                {"Name": "SourceBucket", "Value": source},
                {"Name": "DestinationBucket", "Value": replica},
                {"Name": "RuleId", "Value": rule_id},
            ],
            StartTime=now - timedelta(hours=1),
            EndTime=now,
            Period=300,
            Statistics=[statistic],
        )
        return [p[statistic] for p in answer.get("Datapoints") or ()]

    try:
        ids = [str(r.get("ID", "")) for r in rules]
        failed = sum(sum(points(i, "OperationsFailedReplication", "Sum")) for i in ids)
        latency = max((x for i in ids for x in points(i, "ReplicationLatency", "Maximum")), default=None)
    except Exception as exc:
        return Check(name, False, f"cannot read replication metrics: {_error(exc)}")
    if failed:
        return Check(name, False, f"{failed:.0f} failed replication operation(s) in the last hour")
    if latency is not None and timedelta(seconds=latency) > t.rpo:
        return Check(
            name,
            False,
            f"replication latency {timedelta(seconds=int(latency))} exceeds the RPO {t.rpo}",
            timedelta(seconds=latency),
        )
    shown = (
        "nothing replicated in the last hour (no data points)"
        if latency is None
        else f"max latency {timedelta(seconds=int(latency))}"
    )
    return Check(
        name,
        True,
        f"no failed replication in the last hour on rule {', '.join(ids)}; {shown} (RPO {t.rpo})",
        None if latency is None else timedelta(seconds=latency),
    )


def check_backfill(sides: Sides, t: Targets, replica: str) -> Check:
    """The newest S3 Batch Replication job of the source bucket (``failsafe-dr backfill``): objects that predate
    replication are replicated only by one. No job, or one still running, is shown but not judged (SKIP); jobs that
    cannot be read are a FAIL (issue 22, item 12: a read error never lets verify pass)."""
    source = t.source_buckets[replica]
    name = f"backfill {source}"
    try:
        job = backfill.latest(sides.client("prod", "s3control"), t.prod_account, source)
    except Exception as exc:
        return Check(name, False, f"cannot read Batch Operations jobs: {_error(exc)}")
    if job is None:
        return Check(
            name,
            None,
            f"no backfill job: objects older than the replication rule are not replicated "
            f"(failsafe-dr backfill {source})",
        )
    if job.status in backfill.ACTIVE:
        return Check(name, None, job.line())
    return Check(name, job.ok, job.line())


def check_unshareable_snapshots(sides: Sides, t: Targets) -> Check:
    """prod's EBS and RDS snapshots under AWS-managed keys: they cannot be shared, so nothing copies them."""
    name = "snapshots shareable"
    kms, managed = sides.client("prod", "kms"), {}

    def aws_managed(key: str | None) -> bool:
        if not key:
            return False
        if key not in managed:
            meta = kms.describe_key(KeyId=key)["KeyMetadata"]
            aliases = aws.items(kms, "list_aliases", "Aliases", KeyId=meta["KeyId"])
            managed[key] = meta.get("KeyManager") == "AWS" or any(
                a.get("AliasName", "").startswith("alias/aws/") for a in aliases
            )
        return managed[key]

    try:
        ebs = list(aws.items(sides.client("prod", "ec2"), "describe_snapshots", "Snapshots", OwnerIds=["self"]))
        rds = list(aws.items(sides.client("prod", "rds"), "describe_db_snapshots", "DBSnapshots"))
    except Exception as exc:
        return Check(name, False, f"cannot list prod's snapshots: {_error(exc)}")
    try:  # a key that cannot be read is not taken for a shareable one (issue 22, item 12)
        bad = [s["SnapshotId"] for s in ebs if aws_managed(s.get("KmsKeyId"))]
        bad += [s["DBSnapshotIdentifier"] for s in rds if aws_managed(s.get("KmsKeyId"))]
    except Exception as exc:
        return Check(name, False, f"cannot read a snapshot's KMS key: {_error(exc)}")
    if bad:
        return Check(name, False, f"{len(bad)} snapshot(s) {UNSHAREABLE}: {', '.join(sorted(bad)[:5])}")
    return Check(name, True, f"{len(ebs)} EBS and {len(rds)} RDS snapshot(s), none under an AWS-managed key")


def check_versioning(sides: Sides, t: Targets, replica: str) -> Check:
    name = f"versioning {replica}"
    try:
        status = sides.client("backup", "s3").get_bucket_versioning(Bucket=replica).get("Status")
    except Exception as exc:
        return Check(name, False, f"cannot read versioning: {_error(exc)}")
    return Check(name, status == "Enabled", f"Status={status or 'never enabled'}")


def _newest_object(s3: Any, bucket: str) -> tuple[datetime | None, int, bool]:
    """(newest LastModified, objects seen, capped): at most REPLICA_SCAN_LIMIT objects are listed."""
    listing = aws.pages(s3, "list_objects_v2", Bucket=bucket, PaginationConfig={"MaxItems": REPLICA_SCAN_LIMIT})
    moments = [obj["LastModified"] for page in listing for obj in page.get("Contents") or ()]
    return max(moments, default=None), len(moments), listing.resume_token is not None


def check_replica_freshness(sides: Sides, t: Targets, replica: str, now: datetime) -> Check:
    """Newest replica object within the RPO of the newest source object (or of now, without prod access)."""
    name = f"replica freshness {replica}"
    try:
        newest, seen, capped = _newest_object(sides.client("backup", "s3"), replica)
    except Exception as exc:
        return Check(name, False, f"cannot list: {_error(exc)}")
    scanned = f"{seen} objects scanned{' (capped)' if capped else ''}"
    if newest is None:
        return Check(name, False, f"replica is empty ({scanned})")
    if sides.prod is not None or ("prod", "s3") in sides.overrides:
        source = t.source_buckets[replica]
        try:
            source_newest, _, _ = _newest_object(sides.client("prod", "s3"), source)
        except Exception as exc:
            return Check(name, False, f"cannot list source {source}: {_error(exc)}")
        if source_newest is None:
            return Check(name, True, f"source {source} is empty; replica newest {_age(now, newest)} old")
        lag = max(source_newest - newest, timedelta(0))
        return Check(name, lag <= t.rpo, f"replica newest is {lag} behind the source (RPO {t.rpo}); {scanned}", lag)
    age = now - newest
    return Check(name, age <= t.rpo, f"newest replica object {_age(now, newest)} old (RPO {t.rpo}); {scanned}", age)


def check_recovery_points(sides: Sides, t: Targets, now: datetime) -> Check:
    name = f"recovery points {t.vault_name or '(vault?)'}"
    if not t.vault_name:
        return Check(name, False, "no vault name: pass --outputs (dr stack outputs with vaultName) or --vault")
    backup = sides.client("backup", "backup")
    try:
        points = list(
            aws.items(backup, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=t.vault_name)
        )
    except Exception as exc:
        return Check(name, False, f"cannot list recovery points: {_error(exc)}")
    done = [p for p in points if p.get("Status") == "COMPLETED"]
    if not done:
        return Check(name, False, f"no completed recovery point ({len(points)} in other states)")
    newest = max(p["CreationDate"] for p in done)
    return Check(
        name,
        now - newest <= t.rpo,
        f"newest of {len(done)} completed is {_age(now, newest)} old (RPO {t.rpo})",
        now - newest,
    )


def check_snapshot_copies(sides: Sides, t: Targets, now: datetime) -> Check:
    """The copier's newest copy (EBS or RDS, tagged as ours) is within the RPO."""
    name = "snapshot copies"
    times: list[datetime] = []
    try:
        ec2, rds = sides.client("backup", "ec2"), sides.client("backup", "rds")
        ours = [{"Name": f"tag:{COPIED_BY_TAG}", "Values": [COPIED_BY_VALUE]}]
        tag_sets = [
            s.get("Tags") for s in aws.items(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"], Filters=ours)
        ]
        tag_sets += [
            s.get("TagList") for s in aws.items(rds, "describe_db_snapshots", "DBSnapshots", SnapshotType="manual")
        ]
        tag_sets += [
            s.get("TagList")
            for s in aws.items(rds, "describe_db_cluster_snapshots", "DBClusterSnapshots", SnapshotType="manual")
        ]
    except Exception as exc:
        return Check(name, False, f"cannot list copies: {_error(exc)}")
    for tags in tag_sets:
        values = {x["Key"]: x["Value"] for x in tags or ()}
        moment = parse_time(values.get(COPIED_AT_TAG)) if values.get(COPIED_BY_TAG) == COPIED_BY_VALUE else None
        if moment:
            times.append(moment)
    if not times:
        return Check(name, False, "no copies tagged failsafe:copied-by=failsafe: is the copier running?")
    newest = max(times)
    return Check(
        name,
        now - newest <= t.rpo,
        f"newest of {len(times)} copies made {_age(now, newest)} ago (RPO {t.rpo})",
        now - newest,
    )


def check_archive(sides: Sides, t: Targets, stack: str, now: datetime) -> Check:
    name = f"archive {stack}"
    if not t.archive_bucket:
        return Check(name, False, "no archive bucket: pass --outputs (archiveBucketName) or --archive-bucket")
    s3 = sides.client("backup", "s3")
    try:
        # keys sort by time; every page is read (the newest is on the last one)
        listed = aws.items(s3, "list_objects_v2", "Contents", Bucket=t.archive_bucket, Prefix=f"{stack}/")
        keys = sorted((o["Key"] for o in listed if KEY.match(o["Key"])), reverse=True)
        if not keys:
            return Check(name, False, f"no archives under s3://{t.archive_bucket}/{stack}/")
        head = s3.head_object(Bucket=t.archive_bucket, Key=keys[0])
    except Exception as exc:
        return Check(name, False, f"cannot read archives: {_error(exc)}")
    newest = KEY.match(keys[0])
    if newest is None:  # unreachable: the keys were filtered by KEY
        return Check(name, False, f"{keys[0]}: not an archive key")
    stamp = datetime.strptime(newest.group("time"), KEY_TIME).replace(tzinfo=UTC)
    has_sum = bool((head.get("Metadata") or {}).get("sha256"))
    ok = now - stamp <= t.archive_max_age and has_sum
    return Check(
        name,
        ok,
        f"newest {keys[0]} is {_age(now, stamp)} old (limit {t.archive_max_age}); "
        f"{'sha256 recorded' if has_sum else 'NO sha256 metadata'}; {len(keys)} archives",
    )


def check_capture(sides: Sides, t: Targets, now: datetime) -> list[Check]:
    """Per captured account, the newest complete configuration capture is no older than the archive limit; the
    evidence counts the unmanaged resources per service (docs/capture.md). No capture at all is a SKIP."""
    if not t.archive_bucket:
        return [Check("capture", False, "no archive bucket: pass --outputs (archiveBucketName) or --archive-bucket")]
    try:
        found = capture_reading.summaries(capture_store.Store(sides.client("backup", "s3"), t.archive_bucket))
    except Exception as exc:
        return [Check("capture", False, f"cannot read captures: {_error(exc)}")]
    if not found:
        where = f"s3://{t.archive_bucket}/{capture_model.PREFIX}/"
        return [Check("capture", None, f"no captures under {where}: run `failsafe-dr capture run` (docs/capture.md)")]
    checks: list[Check] = []
    for s in found:
        name = f"capture {s.account}"
        if s.complete is None or s.complete_key is None:
            newest = s.newest_key.rsplit("/", 1)[-1] if s.newest_key else "none"
            checks.append(
                Check(name, False, f"no complete capture in the newest runs (newest {newest}: {s.newest_status})")
            )
            continue
        moment = capture_reading.run_time(s.complete_key)
        services = sorted((s.complete.get("services") or {}).items())
        unmanaged = ", ".join(f"{svc} {r.get('unmanaged', 0)}" for svc, r in services if r.get("unmanaged"))
        newer = "" if s.newest_key == s.complete_key else f"; a newer run is {s.newest_status} ({s.newest_key})"
        checks.append(
            Check(
                name,
                now - moment <= t.archive_max_age,
                f"newest complete capture {capture_model.stamp_of(moment)} is {_age(now, moment)} old "
                f"(limit {t.archive_max_age}){newer}; unmanaged: {unmanaged or 'none'}",
            )
        )
    return checks


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal") or {}
    values = principal.get("AWS", []) if isinstance(principal, dict) else [principal]
    return [values] if isinstance(values, str) else list(values)


def requires_mfa(statement: Mapping[str, Any]) -> bool:
    """The policy pack's own definition (failsafe_guardrails.mfa), so verify never passes a role the pack blocks."""
    return mfa.statement_requires_mfa(statement)


def check_restore_tests(sides: Sides, t: Targets) -> Check:
    """The latest scheduled restore test of each resource (AWS Backup restore testing) completed, validated, and
    within the RTO: a backup that no one can restore in time is not a backup."""
    name = "restore tests"
    if not t.restore_testing_plan_arn:
        return Check(name, None, "no restoreTestingPlanArn in the dr outputs (pass --outputs dr-outputs.json)")
    try:
        results = restore_test_results(sides.client("backup", "backup"), t.restore_testing_plan_arn)
    except Exception as exc:
        return Check(name, False, f"cannot list restore jobs: {_error(exc)}")
    if not results:
        return Check(name, False, "no restore test has run yet for this plan (it runs on its schedule)")
    rto_minutes = t.rto.total_seconds() / 60 if t.rto else None
    problems = [
        f"{r.source}: {r.status}{f' ({r.message})' if r.message else ''}"
        for r in results
        if r.status in ("FAILED", "ABORTED") or r.validation == "FAILED"
    ]
    problems += [
        f"{r.source}: took {r.minutes:.0f} min (RTO {rto_minutes:.0f})"
        for r in results
        if rto_minutes is not None and r.minutes is not None and r.minutes > rto_minutes
    ]
    timed = [r.minutes for r in results if r.minutes is not None]
    slowest = f"; slowest {max(timed):.0f} min" if timed else ""
    return Check(
        name, not problems, "; ".join(problems) or f"{len(results)} resource(s) restored and validated{slowest}"
    )


def check_mfa(sides: Sides, t: Targets) -> list[Check]:
    """Every backup-account role that people from the identity account may assume demands MFA."""
    iam = sides.client("backup", "iam")
    try:
        roles = list(aws.items(iam, "list_roles", "Roles"))
    except Exception as exc:
        return [Check("MFA on human roles", False, f"cannot list roles: {_error(exc)}")]
    checks: list[Check] = []
    for role in roles:
        human = [
            s
            for s in _statements(role["AssumeRolePolicyDocument"])
            if s.get("Effect") == "Allow"
            and any(f":{t.identity_account}:" in p or p == t.identity_account for p in _principals(s))
        ]
        if not human:
            continue
        missing = [s.get("Sid", "(no Sid)") for s in human if not requires_mfa(s)]
        checks.append(
            Check(
                f"MFA {role['RoleName']}",
                not missing,
                f"statement(s) {', '.join(missing)} let {t.identity_account} in without MFA"
                if missing
                else f"{len(human)} statement(s) trusting {t.identity_account} require MFA",
            )
        )
    return checks or [
        Check(
            "MFA on human roles",
            False,
            f"no role in {t.backup_account} trusts the identity account {t.identity_account}",
        )
    ]


def check_last_drill(t: Targets, now: datetime) -> Check:
    """The newest game-day report met the RTO from config (its own target may have been different)."""
    name = "last drill"
    reports = sorted(Path(t.drills_dir or "drills").glob("drill-*.json"))
    if not reports:
        return Check(name, False, f"no drill report in {t.drills_dir}/: run a game day (failsafe-dr drill start)")
    try:
        report = json.loads(reports[-1].read_text(encoding="utf-8"))
        measured = timedelta(seconds=int(report["measured_rto_seconds"]))
        finished = parse_time(report.get("finished"))
    except (OSError, ValueError, KeyError) as exc:
        return Check(name, False, f"{reports[-1].name} unreadable: {exc}")
    rto = t.rto or timedelta(seconds=int(report.get("target_rto_seconds", 0)))
    failed = report.get("failed_steps") or []
    age = f", {_age(now, finished)} ago" if finished else ""
    ok = measured <= rto and not failed
    return Check(
        name,
        ok,
        f"{reports[-1].name}{age}: measured RTO {measured} vs target {rto}"
        + (f"; failed steps: {', '.join(failed)}" if failed else ""),
    )


def _models(document: Any) -> list[Mapping[str, Any]]:
    """The model JSON of one stack (an object with ``steps``), or of several (a list, or ``{"models": [...]}``)."""
    if isinstance(document, Mapping) and "steps" in document:
        return [document]
    items = document.get("models") if isinstance(document, Mapping) else document
    if isinstance(items, list) and all(isinstance(m, Mapping) and "steps" in m for m in items):
        return list(items)
    raise ValueError("expected the JSON of `python -m failsafe recovery --output json` (an object with steps)")


def check_recovery_estimates(t: Targets) -> list[Check]:
    """Every measured run (restore run records, drill steps, AWS Backup restore jobs) against the recovery model's
    estimate of its step (:func:`failsafe.ops.runrecord.compare`): a run longer than its estimate means the model is
    wrong, and the check names the step and the terms of the estimate (issue 27). Not asked for (no
    ``--recovery-model``): SKIP. A model or evidence file that cannot be read: FAIL."""
    name = "recovery estimates"
    if not t.recovery_model:
        return [Check(name, None, "no --recovery-model (python -m failsafe recovery <stack> --output json)")]
    try:
        models = _models(json.loads(Path(t.recovery_model).read_text(encoding="utf-8")))
        evidence = runrecord.read_evidence(Path(p) for p in t.evidence)
    except (OSError, ValueError) as exc:  # RunRecordError and JSONDecodeError are ValueErrors
        return [Check(name, False, f"cannot read {t.recovery_model} or the evidence: {one_line(str(exc))}")]
    if evidence.empty:
        where = ", ".join(t.evidence) or "(no --evidence)"
        return [Check(name, None, f"no measured run in {where}: nothing to hold the estimates to")]
    findings = [f for m in models for f in runrecord.compare(m, evidence)]
    if findings:
        return [Check(f"{name} {f.step}", False, f.line()) for f in findings]
    runs = len(evidence.runs) + len(evidence.drill_steps) + len(evidence.jobs)
    return [Check(name, True, f"{runs} measured run(s), none longer than its step's estimate")]


# --- running them ----------------------------------------------------------------------------------------


def account_of(sess: Any, side: str) -> str:
    """The session's account, or a one-line VerifyError naming the side for missing credentials or region (what
    AWS refuses, throttling after the retries included, is the CLI's exit 3)."""
    from botocore.exceptions import NoCredentialsError, NoRegionError, PartialCredentialsError

    try:
        account: str = aws.client(sess, "sts").get_caller_identity()["Account"]
    except (NoCredentialsError, PartialCredentialsError):
        raise VerifyError(
            f"no AWS credentials for the {side} side: log in (aws sso login) or pass --{side}-profile"
        ) from None
    except NoRegionError:
        raise VerifyError(f"no AWS region for the {side} side") from None
    return account


def assign_sides(t: Targets, sessions: Iterable[tuple[str | None, Any]]) -> dict[str, Any]:
    """Map sessions to prod/backup by their account; a session in any other account is an error."""
    sides: dict[str, Any] = {}
    for declared, sess in sessions:
        account = account_of(sess, declared or "ambient")
        expected = {"prod": t.prod_account, "backup": t.backup_account}
        if declared is not None:
            if account != expected[declared]:
                raise VerifyError(
                    f"wrong account: the {declared} credentials are account {account}, config says "
                    f"{expected[declared]} (failsafe:{declared}AccountId)"
                )
            sides[declared] = sess
            continue
        match = [side for side, want in expected.items() if want == account]
        if not match:
            raise VerifyError(
                f"wrong account: credentials are account {account}, config says prod "
                f"{t.prod_account} or backup {t.backup_account}"
            )
        sides[match[0]] = sess
    return sides


def run(
    sides: Sides,
    t: Targets,
    now: datetime | None = None,
    progress: Progress | None = None,
    *,
    shared: bool = True,
) -> list[Check]:
    """Every check of one prod-side account and, with ``shared``, those of the backup account as a whole (its vault,
    copies, archives, captures, roles, restore tests, drills): a fleet run (:mod:`failsafe.ops.fleet_verify`) asks
    each member without them and runs them once."""
    now = now or datetime.now(UTC)
    shown = progress or Progress.off()
    has_prod = sides.prod is not None
    has_backup = sides.backup is not None
    checks: list[Check] = []

    def add(*found: Check) -> None:
        checks.extend(found)
        shown.tally("verify", len(checks), f"checks done ({found[-1].name})" if found else "checks done")

    def skipped(name: str, side: str) -> Check:
        return Check(name, None, f"no credentials for the {side} account (--{side}-profile)")

    for replica in t.source_buckets:
        source = t.source_buckets[replica]
        add(check_replication(sides, t, replica) if has_prod else skipped(f"replication {source} -> {replica}", "prod"))
        add(
            check_replication_metrics(sides, t, replica, now)
            if has_prod
            else skipped(f"replication health {source}", "prod")
        )
        add(check_backfill(sides, t, replica) if has_prod else skipped(f"backfill {replica}", "prod"))
        add(check_versioning(sides, t, replica) if has_backup else skipped(f"versioning {replica}", "backup"))
        add(
            check_replica_freshness(sides, t, replica, now)
            if has_backup
            else skipped(f"replica freshness {replica}", "backup")
        )
    add(check_unshareable_snapshots(sides, t) if has_prod else skipped("snapshots shareable", "prod"))
    if shared:
        add(*shared_checks(sides, t, now))
    shown.end()
    return checks


def shared_checks(sides: Sides, t: Targets, now: datetime) -> list[Check]:
    """The backup account's own checks, which no prod-side account changes: one run per fleet, not one per member."""
    checks: list[Check] = []
    if sides.backup is not None:
        checks.append(check_recovery_points(sides, t, now))
        checks.append(check_snapshot_copies(sides, t, now))
        checks.extend(check_archive(sides, t, stack, now) for stack in t.stacks)
        checks.extend(check_capture(sides, t, now))
        checks.extend(check_mfa(sides, t))
        checks.append(check_restore_tests(sides, t))
    else:
        skip = "no credentials for the backup account (--backup-profile)"
        checks.extend(Check(n, None, skip) for n in ("recovery points", "snapshot copies", "archive", "capture", "MFA"))
    if t.drills_dir:
        checks.append(check_last_drill(t, now))
    checks.extend(check_recovery_estimates(t))
    return checks


JSON_SHAPE = {
    "ok": "false when any check failed (a skipped check is not a failure)",
    "checks": "[{name, status: PASS|FAIL|SKIP, ok: true|false|null, evidence}] in the order run (with --account or "
    "--all-accounts each name starts with the member's name, or 'backup' for the backup account's own checks)",
    "accounts": "with --account or --all-accounts: [{name, account, rpo_seconds, worst_rpo_seconds, failing, status}] "
    "per member, then the backup account; null otherwise",
}


def _checks_data(checks: Iterable[Check], prefix: str = "") -> list[dict[str, Any]]:
    return [
        {"name": prefix + c.name, "status": c.status, "ok": c.ok, "evidence": one_line(c.evidence, 1000)}
        for c in checks
    ]


def report(checks: list[Check]) -> Report:
    """The checks as a table (name, result, evidence; wrapped to 100 columns) and a count; exit 1 on a failure."""
    failed = sum(1 for c in checks if c.ok is False)
    skipped = sum(1 for c in checks if c.ok is None)
    data = {"ok": failed == 0, "checks": _checks_data(checks), "accounts": None}
    rows = [(c.name, c.status, one_line(c.evidence, 1000)) for c in checks]
    summary = f"{len(checks)} checks: {failed} failed, {skipped} skipped"
    return Report(data, [Table(("CHECK", "RESULT", "EVIDENCE"), rows), "", summary], EXIT_FAILED if failed else EXIT_OK)


def table(checks: list[Check]) -> str:
    return render(report(checks), "table")


def as_json(checks: list[Check]) -> str:
    return render(report(checks), "json")
