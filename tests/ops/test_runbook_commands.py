"""Every shell command of docs/runbook.md and docs/restore.md, parsed out of the markdown and run (issue 23, item 5).

The commands are extracted by tests/support/runbook.py (fenced lines, table cells and inline code that start with a
program; a fenced line that is neither a command nor a known command's output fails the extraction). Placeholders are
filled from one table (:data:`PLACEHOLDERS`) whose values come from the stack config (``config_of``), the planned stack
outputs (``cached_plan``) and the moto estate this module seeds; an unknown placeholder fails. Each command then runs
through the runner :data:`RUNNERS` names for it, and its exit code is asserted:

- ``failsafe-dr`` (``bin/failsafe-dr``, ``python -m failsafe.ops``): in-process, the real ``main``, against one moto
  server (profiles are moto accounts through an AWS config file, as tests/ops/conftest.py writes it), after the words
  were expanded by bash itself (quotes, ``$AS_OF``, ``$(pulumi stack output ...)`` through the pulumi stub);
- ``python -m failsafe``: in-process, the real ``main``, with the plans the suite caches (tests/support/recovery.py);
- ``pulumi``: the stub tests/support/fake_pulumi.py on ``PATH`` (records argv, refuses what the real CLI refuses);
- ``scripts/restore-stack-state.sh``: run for real by bash against that stub and the moto archive;
- ``aws``: the stub tests/support/fake_aws.py on ``PATH`` (botocore's model of the service decides what is valid);
- ``./dev.sh`` with no argument: run for real (its usage, exit 2); ``pytest``: its test paths must exist (the suite is
  not run inside itself).

Stubbed inside ``failsafe-dr`` because moto lacks the service (each named where it is installed): AWS Backup's restore
metadata, restore jobs and restore-testing jobs (botocore Stubber), Route 53's ``ListResourceRecordSets`` for the
config's zone ID (moto cannot create a zone with a chosen ID: Stubber), and DNS answers (a stub resolver: no network).
GitHub UI steps are listed in :data:`UI_STEPS`, not run.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from failsafe.ops import archive, aws, dns, drill, params, stackconfig
from failsafe.ops import cli as ops_cli
from failsafe.ops.restore import common
from failsafe.settings import stackfiles
from failsafe.tooling import cli as tool_cli
from failsafe.tooling import planning
from failsafe.tooling.recovery import sources
from tests.support import estates, recovery
from tests.support.botocore_models import models_read_once
from tests.support.moto import account_session, moto_environment, write_profiles
from tests.support.moto_clock import s3_clock
from tests.support.plans import cached_plan, config_of
from tests.support.runbook import Command, Unclassified, extract

REPO = Path(__file__).resolve().parents[2]
DOCS = ("docs/runbook.md", "docs/restore.md")
COMMANDS = [command for doc in DOCS for command in extract(REPO / doc, REPO)]
PROD_CFG = config_of("prod")
DR_CFG = config_of("dr")
OLD_PROD = "555555555555"  # the lost prod account the params copier copied from (not the config's: prod is rebuilt)
UI_STEPS = {"docs/runbook.md": ["step 1: GitHub → Actions → disable (the preview and deploy workflows)"]}


# --- the estate the commands run against ------------------------------------------------------------------------------


@dataclass
class Estate:
    work: Path  # the operator's checkout: the fixture project's files, and the files the commands write
    env: dict[str, str]  # the shell's environment (stubs on PATH, profiles, moto)
    values: dict[str, str] = field(default_factory=dict)  # placeholder -> value (PLACEHOLDERS fills it)
    ran: dict[str, int] = field(default_factory=dict)  # command at -> exit code
    archives: int = 0  # archive commands run so far (:func:`seconds_later`)
    pulumi_log: Path = Path()
    aws_log: Path = Path()


def export_of(stack: str) -> dict[str, Any]:
    """What ``pulumi stack export`` gives for the planned stack: its resources and the Stack root with the outputs."""
    plan = cached_plan(stack)
    root = {
        "urn": f"urn:pulumi:{stack}::failsafe::pulumi:pulumi:Stack::failsafe-{stack}",
        "type": "pulumi:pulumi:Stack",
    }
    resources = [{"urn": r.urn, "type": r.type} for r in plan.resources]
    return {"version": 3, "deployment": {"resources": [{**root, "outputs": plan.outputs}, *resources]}}


def launcher(directory: Path, name: str, script: Path) -> None:
    path = directory / name
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def profiles() -> dict[str, str]:
    """The runbook's profiles, each the account the config names for it (dr-* the backup account; prod-*, newprod the
    prod account: after "Rebuild prod in a new account" step 2 the config's prodAccountId is the new account)."""
    backup, prod = PROD_CFG.accounts.backup, PROD_CFG.accounts.prod
    dns_account = PROD_CFG.accounts.dns or prod
    return {
        "dr-readonly": backup,
        "dr-restore": backup,
        "prod-readonly": prod,
        "prod-restore": prod,
        "newprod": prod,
        "newprod-readonly": prod,
        "dns-operator": dns_account,
        "dns-readonly": dns_account,
        "recovery-admin": PROD_CFG.accounts.backup,
        "recovery-operator": PROD_CFG.accounts.backup,
    }


def seed(estate: Estate) -> None:
    """The moto side of an estate mid-recovery: replicas with objects, the rebuilt prod's empty versioned buckets, the
    archive with dr's and prod's exports, the params copier's copies, a copier RDS cluster snapshot, a key to share
    with, and the DNS account (only what the commands read)."""
    backup = account_session(PROD_CFG.accounts.backup, PROD_CFG.dr_region)
    s3 = backup.client("s3")
    location = {"LocationConstraint": PROD_CFG.dr_region}
    with s3_clock() as clock:  # moto keeps LastModified in whole seconds: $AS_OF is after every replica object
        clock.set_back()  # (tests/support/moto_clock.py: the objects are stamped earlier, not written a second ago)
        for bucket in PROD_CFG.protected_buckets:
            replica = PROD_CFG.replica_bucket_name(bucket)
            s3.create_bucket(Bucket=replica, CreateBucketConfiguration=location)
            s3.put_bucket_versioning(Bucket=replica, VersioningConfiguration={"Status": "Enabled"})
            for key in ("index.html", "data/1.bin"):
                s3.put_object(Bucket=replica, Key=key, Body=f"{bucket}/{key}".encode())
            new = account_session(PROD_CFG.accounts.prod, PROD_CFG.primary_region).client("s3")
            target = PROD_CFG.source_bucket_name(bucket)
            new.create_bucket(Bucket=target, CreateBucketConfiguration={"LocationConstraint": PROD_CFG.primary_region})
            new.put_bucket_versioning(Bucket=target, VersioningConfiguration={"Status": "Enabled"})
        estate.env["AS_OF"] = clock.resume().strftime("%Y-%m-%dT%H:%M:%SZ")
    archive_bucket = DR_CFG.archive_bucket_name
    s3.create_bucket(Bucket=archive_bucket, CreateBucketConfiguration=location)
    store = archive.Archive(s3, archive_bucket)
    for stack in ("dr", "prod"):
        store.store(stack, json.dumps(export_of(stack)).encode(), 100)

    old = account_session(OLD_PROD, PROD_CFG.primary_region)
    path, prefix = PROD_CFG.recovery.parameter_path, PROD_CFG.recovery.secret_prefix
    old.client("ssm").put_parameter(Name=f"{path.rstrip('/')}/db/host", Value="db.internal", Type="String")
    old.client("secretsmanager").create_secret(Name=f"{prefix}api-key", SecretString="k-1")
    key = backup.client("kms").create_key()["KeyMetadata"]["Arn"]
    settings = params.Settings(f"arn:aws:iam::{OLD_PROD}:role/r", path, prefix, key, None, PROD_CFG.dr_region)
    clients = (old.client("ssm"), old.client("secretsmanager"), backup.client("ssm"), backup.client("secretsmanager"))
    params.ParamsCopier(settings, *clients).run()
    estate.values["key the new account may use"] = key
    estate.values["key ARN"] = key

    rds = backup.client("rds")
    rds.create_db_cluster(
        DBClusterIdentifier="appcluster",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="pw123456",
    )
    tags = [{"Key": "failsafe:copied-by", "Value": "failsafe"}, {"Key": "failsafe:copied-at", "Value": "2026-01-01"}]
    rds.create_db_cluster_snapshot(
        DBClusterIdentifier="appcluster", DBClusterSnapshotIdentifier="failsafe-appcluster-copy", Tags=tags
    )
    estate.values["copy id"] = "failsafe-appcluster-copy"


PULUMI = REPO / "tests" / "support" / "fake_pulumi.py"
AWS = REPO / "tests" / "support" / "fake_aws.py"


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    """One moto estate and one operator checkout for every command of both docs."""
    root = tmp_path_factory.mktemp("runbook")
    work = estates.product_project(root / "checkout")
    for stack_file in sorted(stackfiles.ROOT.glob("Pulumi.*.yaml")):
        if estates.is_stack_file(stack_file.name) and not (work / stack_file.name).exists():
            (work / stack_file.name).write_bytes(stack_file.read_bytes())
    (work / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    stubs, state = root / "stubs", root / "pulumi-state"
    stubs.mkdir()
    state.mkdir()
    launcher(stubs, "pulumi", PULUMI)
    launcher(stubs, "aws", AWS)
    for stack in ("dr", "prod"):
        (state / f"{stack}.outputs.json").write_text(json.dumps(cached_plan(stack).outputs), encoding="utf-8")
        (state / f"{stack}.export.json").write_text(json.dumps(export_of(stack)), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch, models_read_once():
        moto_environment(patch)
        files = write_profiles(root, profiles())
        for name, value in files.items():
            patch.setenv(name, value)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.delenv(name)
        patch.setenv("AWS_PROFILE", "dr-restore")  # the ambient identity: the runbook's operator (step 7)
        patch.setenv("AWS_REGION", PROD_CFG.dr_region)
        patch.setenv("AWS_DEFAULT_REGION", PROD_CFG.dr_region)
        patch.setattr(common, "SLEEP", lambda _: None)
        patch.setattr(dns, "SLEEP", lambda _: None)
        patch.setattr(planning, "plan_stack", recovery.planned)
        patch.chdir(work)
        env = {
            **os.environ,
            "PATH": f"{stubs}:{os.environ['PATH']}",
            "FAKE_PULUMI_LOG": str(root / "pulumi.log"),
            "FAKE_PULUMI_STATE": str(state),
            "FAKE_AWS_LOG": str(root / "aws.log"),
            "USER": "operator",
        }
        found = Estate(work, env, pulumi_log=root / "pulumi.log", aws_log=root / "aws.log")
        seed(found)
        # files the operator has beside the commands (made by `pulumi stack output --json` and `pulumi stack export`)
        (work / "dr-outputs.json").write_text(json.dumps(cached_plan("dr").outputs), encoding="utf-8")
        (work / "prod-outputs.json").write_text(json.dumps(cached_plan("prod").outputs), encoding="utf-8")
        (work / "export.json").write_text(json.dumps(export_of("prod")), encoding="utf-8")
        (work / "import.json").write_text(json.dumps({"resources": []}), encoding="utf-8")
        for name in ("PATH", "FAKE_PULUMI_LOG", "FAKE_PULUMI_STATE"):  # `archive` runs `pulumi stack export` itself
            patch.setenv(name, env[name])
        yield found


# --- placeholders -----------------------------------------------------------------------------------------------------

DR_OUT = cached_plan("dr").outputs
FIRST, LAST = PROD_CFG.protected_buckets[0], PROD_CFG.protected_buckets[-1]

# placeholder -> (where its value comes from, the value from the estate)
PLACEHOLDERS: dict[str, tuple[str, Callable[[Estate], str]]] = {
    "archiveBucketName": ("dr output archiveBucketName", lambda e: str(DR_OUT["archiveBucketName"])),
    "org": ("config drStackName's organization", lambda e: str(PROD_CFG.dr_stack_name).split("/")[0]),
    "bucket": ("config protectedBuckets, the first", lambda e: FIRST),
    "replicaBuckets.<bucket>.name": ("dr output replicaBuckets.<first protected>.name",
                                     lambda e: str(DR_OUT["replicaBuckets"][FIRST]["name"])),
    "new source bucket": ("config: the first protected bucket's source name (the rebuilt prod's, moto)",
                          lambda e: PROD_CFG.source_bucket_name(FIRST)),
    "replica bucket": ("dr output replicaBuckets.<last protected>.name",
                       lambda e: str(DR_OUT["replicaBuckets"][LAST]["name"])),
    "target bucket": ("config: the last protected bucket's source name (moto)",
                      lambda e: PROD_CFG.source_bucket_name(LAST)),
    "drRegion": ("config drRegion", lambda e: PROD_CFG.dr_region),
    "primaryRegion": ("config primaryRegion", lambda e: PROD_CFG.primary_region),
    "copyParameterPath": ("config copyParameterPath", lambda e: PROD_CFG.recovery.parameter_path),
    "copySecretPrefix": ("config copySecretPrefix", lambda e: PROD_CFG.recovery.secret_prefix),
    "copy id": ("the copier's RDS cluster snapshot copy seeded in moto", lambda e: e.values["copy id"]),
    "prodAccountId": ("config prodAccountId", lambda e: PROD_CFG.accounts.prod),
    "key the new account may use": ("a KMS key created in moto's backup account", lambda e: e.values["key ARN"]),
    "key ARN": ("a KMS key created in moto's backup account", lambda e: e.values["key ARN"]),
    "key ARN in the backup account": ("dr output replicaKmsKeyArn", lambda e: str(DR_OUT["replicaKmsKeyArn"])),
    "recovery point ARN": ("a recovery point ARN of the dr vault (its answers are stubbed)",
                           lambda e: f"{DR_OUT['backupVaultArn']}".replace(":backup-vault:", ":recovery-point:")),
    "backupVaultName": ("dr output backupVaultName", lambda e: str(DR_OUT["backupVaultName"])),
    "vault": ("dr output backupVaultName", lambda e: str(DR_OUT["backupVaultName"])),
    "backupRestoreRoleArn": ("dr output backupRestoreRoleArn", lambda e: str(DR_OUT["backupRestoreRoleArn"])),
    "restore role": ("dr output backupRestoreRoleArn", lambda e: str(DR_OUT["backupRestoreRoleArn"])),
    # the mock runtime's ARN (".../restoretestingplan/<name>") is not AWS's form: the dr output's plan name in the form
    # AWS Backup gives (arn:aws:backup:<region>:<account>:restore-testing-plan:<name>; failsafe/ops/restore/testing.py)
    "restoreTestingPlanArn": ("dr output restoreTestingPlanArn's name, in AWS's ARN form",
                              lambda e: f"arn:aws:backup:{PROD_CFG.dr_region}:{PROD_CFG.accounts.backup}:"
                              f"restore-testing-plan:{str(DR_OUT['restoreTestingPlanArn']).rsplit('/', 1)[-1]}"),
    "rtoMinutes": ("config rtoMinutes", lambda e: str(PROD_CFG.recovery.rto_minutes)),
    "service": ("a service of the capture catalogue", lambda e: "s3"),
    "step start": ("the drill's start + 1 min (drills/current.json)", lambda e: drill_time(e, 1)),
    "step end": ("the drill's start + 3 min (drills/current.json)", lambda e: drill_time(e, 3)),
    "invitation ARN": ("a RAM invitation ARN in the dr region (aws stub)",
                       lambda e: f"arn:aws:ram:{PROD_CFG.dr_region}:{PROD_CFG.accounts.backup}:"
                       "resource-share-invitation/x"),
    "airGappedVaultName": ("the dr vault's name (aws stub)", lambda e: str(DR_OUT["backupVaultName"]) + "-air-gapped"),
    "backupAccountId": ("config backupAccountId", lambda e: PROD_CFG.accounts.backup),
    "ARN": ("the recovery point ARN above", lambda e: PLACEHOLDERS["recovery point ARN"][1](e)),
    "recoveryRestoreRoleArn": ("a role ARN of the backup account (aws stub)",
                               lambda e: f"arn:aws:iam::{PROD_CFG.accounts.backup}:role/recovery-restore"),
    "type": ("a Backup resource type of config backupResourceTypes", lambda e: PROD_CFG.backup.resource_types[0]),
    "id": ("a restore job ID (aws stub)", lambda e: "job-1"),
    "import file": ("the import file `capture show` names (a JSON file in the checkout)", lambda e: "import.json"),
    "targetAccountId": ("config prodAccountId (the target of the batch job)", lambda e: PROD_CFG.accounts.prod),
    "job id": ("a Batch Operations job ID (aws stub)", lambda e: "job-1"),
}  # fmt: skip
PLACEHOLDER = re.compile(r"<replicaBuckets\.<bucket>\.name>|<([^<>]+)>")
ELLIPSIS = re.compile(r"(?:\s(?:\.\.\.|…))+(?=\s|$)")


def drill_time(estate: Estate, minutes: int) -> str:
    started = datetime.fromisoformat(drill.Drill(estate.work / "drills").load()["started"].replace("Z", "+00:00"))
    return (started + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def substitute(text: str, estate: Estate) -> str:
    """``text`` with every ``<placeholder>`` from :data:`PLACEHOLDERS` and every ``[--optional ...]`` group left out
    (the command as its least); an unknown placeholder fails."""
    text = re.sub(r"\s\[[^\]]*\]", "", text)

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or "replicaBuckets.<bucket>.name"
        assert name in PLACEHOLDERS, f"placeholder <{name}> has no source in PLACEHOLDERS"
        return shlex.quote(PLACEHOLDERS[name][1](estate))

    return PLACEHOLDER.sub(value, text)


def expand(text: str, estate: Estate) -> list[str]:
    """The words bash makes of ``text`` (quotes, variables, command substitution through the stubs)."""
    done = subprocess.run(
        ["bash", "-c", f"printf '%s\\0' {text}"], env=estate.env, cwd=estate.work, capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode().split("\0")[:-1]


# --- runners ----------------------------------------------------------------------------------------------------------


def program_words(command: Command, argv: list[str]) -> list[str]:
    return argv[len(command.program.split()) :]


def seconds_later(seconds: int) -> type[datetime]:
    """``datetime`` whose ``now`` is ``seconds`` ahead, for the archive command's key (failsafe/ops/archive.py
    ``Archive.store``: ``datetime.now(UTC)`` to the second). The n-th archive command of the module runs n seconds
    ahead, so each gets a second of its own (the seed's archives are at the real time) without waiting for the
    clock to tick: commands run in order, so ``floor(t1 + n) < floor(t2 + n + 1)`` for ``t1 < t2``."""

    class Later(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.now(tz) + timedelta(seconds=seconds)

    return Later


def ensure_drill(estate: Estate) -> None:
    log = drill.Drill(estate.work / "drills")
    if not log.path.exists():
        log.start("runbook commands", PROD_CFG.recovery.rto_minutes, "operator", "prod")


def backup_stub(made: Any, subcommand: str) -> Any:
    """Stubbed: moto has no AWS Backup restore metadata, restore jobs or restore testing (Stubber checks each request
    against botocore's model)."""
    stub = Stubber(made)
    now = datetime.now(UTC)
    if subcommand == "tests":
        job = {"RestoreJobId": "t-1", "Status": "COMPLETED", "CreatedResourceArn": "arn:aws:s3:::restored",
               "ResourceType": "S3", "CreationDate": now - timedelta(minutes=30), "CompletionDate": now,
               "ValidationStatus": "SUCCESSFUL"}  # fmt: skip
        stub.add_response("list_restore_jobs", {"RestoreJobs": [job]})
    else:
        meta = {"RecoveryPointArn": "x", "RestoreMetadata": {"InstanceType": "t3.micro"}, "ResourceType": "EC2"}
        stub.add_response("get_recovery_point_restore_metadata", meta)
        stub.add_response("start_restore_job", {"RestoreJobId": "job-1"})
        done = {"RestoreJobId": "job-1", "Status": "COMPLETED", "CreationDate": now, "CompletionDate": now,
                "CreatedResourceArn": "arn:aws:ec2:::instance/i-1"}  # fmt: skip
        stub.add_response("describe_restore_job", done)
    stub.activate()
    return made


def route53_stub(made: Any) -> Any:
    """Stubbed: moto cannot create a hosted zone with the config's zone ID; an empty zone answers."""
    stub = Stubber(made)
    stub.add_response("list_resource_record_sets", {"ResourceRecordSets": [], "IsTruncated": False, "MaxItems": "300"})
    stub.activate()
    return made


def run_failsafe_dr(command: Command, estate: Estate, monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    argv = program_words(command, expand(text, estate))
    if "--drill-dir" in argv or argv[:2] in (
        ["drill", "step"],
        ["drill", "status"],
        ["drill", "finish"],
        ["drill", "run"],
    ):
        ensure_drill(estate)
    if argv[:1] == ["archive"]:  # archives are keyed by the second and never overwritten (the CLI says to wait one)
        estate.archives += 1
        monkeypatch.setattr(archive, "datetime", seconds_later(estate.archives))
    if argv[:2] == ["drill", "start"]:
        (estate.work / "drills" / drill.CURRENT).unlink(missing_ok=True)
    real = aws.client

    def client(sess: Any, service: str, region: str | None = None, **kwargs: Any) -> Any:
        made = real(sess, service, region, **kwargs)
        if service == "backup" and argv[0] == "restore":
            return backup_stub(made, argv[1])
        if service == "route53" and argv[:2] == ["dns", "preflight"]:
            return route53_stub(made)
        return made

    monkeypatch.setattr(aws, "client", client)
    if argv[:1] == ["dns"]:
        cfg = stackconfig.load_config("prod")
        wanted = argv[argv.index("--for") + 1] if "--for" in argv else "secondary"
        target = stackconfig.load_config("dr").dr_endpoint.value if wanted == "secondary" else cfg.dns.primary.value
        monkeypatch.setattr(dns, "RESOLVER", lambda name: (name, [target], ["192.0.2.1"]))  # stub resolver
    # `drill run` reads, per runbook step, Enter (start), an outcome and notes: the operator skips every step
    monkeypatch.setattr(sys, "stdin", io.StringIO("\nskipped\nnot run by this test\n" * 20))
    try:
        return ops_cli.main(argv)
    except SystemExit as stopped:  # argparse: --help (0) or a usage error (2)
        return int(stopped.code or 0)


def run_failsafe(command: Command, estate: Estate, monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    argv = program_words(command, expand(text, estate))
    try:
        return int(tool_cli.main(argv) or 0)
    except SystemExit as stopped:
        return int(stopped.code or 0)


def run_sources(command: Command, estate: Estate, monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    """In-process, rewriting copies of README.md and docs/runbook.md: the rewrite must leave them as they are."""
    copies = {}
    for name, path in (("README", sources.README), ("RUNBOOK", sources.RUNBOOK)):
        copy = stackfiles.ROOT / f"{path.name}.runbook-test-copy"  # the temporary fixture project, not the repository
        copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        monkeypatch.setattr(sources, name, copy)
        copies[copy] = path
    monkeypatch.setattr(sources, "example_model", recovery.example_model)
    code = sources.main()
    for copy, path in copies.items():
        assert copy.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), f"{text} changed {path.name}"
        copy.unlink()
    return code


def run_shell(command: Command, estate: Estate, monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    """bash runs the line as written, in the checkout, with the stubs first on PATH; a confirmation is answered y."""
    done = subprocess.run(
        ["bash", "-c", text], env=estate.env, cwd=estate.work, input="y\n", capture_output=True, text=True, timeout=60
    )
    if done.returncode not in (0, 2):
        print(done.stdout, done.stderr)
    estate.values[f"stderr {command.at}"] = done.stderr
    return done.returncode


def run_help(command: Command, estate: Estate, monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    """A command named, not written out (``failsafe-dr verify``, ``bin/failsafe-dr restore s3 …``): its ``--help``
    proves the named subcommand exists as written."""
    program, words = command.program, ELLIPSIS.sub("", text).removeprefix(command.program).split()
    bare = " ".join([program, *words[: next((i for i, w in enumerate(words) if w.startswith("-")), len(words))]])
    runner = {"failsafe-dr": run_failsafe_dr, "failsafe": run_failsafe}.get(command.kind, run_shell)
    return runner(command, estate, monkeypatch, f"{bare} --help")


def run_pytest_paths(command: Command, estate: Estate, monkeypatch: pytest.MonkeyPatch, text: str) -> int:
    """The suite is not run inside itself: every test path the command names must match files."""
    paths = [w for w in shlex.split(text)[1:] if not w.startswith("-")]
    missing = [p for p in paths if not list(REPO.glob(p))]
    assert not missing, f"{command.at}: {text}: no test files match {missing}"
    return 0


@dataclass(frozen=True)
class Runner:
    run: Callable[[Command, Estate, pytest.MonkeyPatch, str], int]
    how: str  # "moto", "stub: <which>", "in-process", ...
    expected: int = 0
    why: str = ""  # why the expected exit code is not 0


MOTO = Runner(run_failsafe_dr, "in-process against moto")
HELP = Runner(run_help, "--help of the named subcommand")
PULUMI_STUB = Runner(run_shell, "stub: tests/support/fake_pulumi.py")
AWS_STUB = Runner(run_shell, "stub: tests/support/fake_aws.py")
SCRIPT = Runner(run_shell, "for real, against the pulumi stub and the moto archive")
IN_PROCESS = Runner(run_failsafe, "in-process, the suite's cached plans")
VERIFY = Runner(
    run_failsafe_dr, "in-process against moto", 1, "verify exits 1 on a failed check: moto has no recovery points"
)

# every command text (after the ellipsis rule, before placeholders) -> its runner
RUNNERS: dict[str, Runner] = {}


def register(runner: Runner, *texts: str) -> None:
    for text in texts:
        RUNNERS[text] = runner


register(HELP, "bin/failsafe-dr …", "python -m failsafe.ops …", "failsafe-dr", "failsafe-dr verify",
         "failsafe-dr dns hold-dr", "failsafe-dr restore", "python -m failsafe check", "bin/failsafe-dr restore s3 …",
         "scripts/restore-stack-state.sh", "pulumi", "pulumi stack import", "failsafe-dr drill start",
         "python -m failsafe recovery --evidence ...")  # fmt: skip
register(Runner(run_shell, "for real (no argument: its usage)", 2, "./dev.sh without a command prints its usage"),
         "./dev.sh")  # fmt: skip
register(PULUMI_STUB, "pulumi up", "pulumi stack output --json -s dr > dr-outputs.json",
         "pulumi stack output --json -s prod", "pulumi refresh -s dr", "pulumi up -s dr", "pulumi up -s prod",
         "pulumi up --refresh", "pulumi import --file <import file>",
         'pulumi stack change-secrets-provider "awskms://<key ARN in the backup account>?region=<drRegion>"',
         )  # fmt: skip
register(
    SCRIPT, *[c.text for c in COMMANDS if c.kind == "restore-script" and c.text != "scripts/restore-stack-state.sh"]
)
register(IN_PROCESS, "python -m failsafe check dr", "python -m failsafe check prod", "python -m failsafe recovery prod",
         "python -m failsafe recovery prod --evidence drills")  # fmt: skip
register(Runner(run_sources, "in-process, rewriting copies of the README and the runbook"),
         "python -m failsafe.tooling.recovery.sources")  # fmt: skip
register(Runner(run_pytest_paths, "stub: the named test paths must exist"),
         *[c.text for c in COMMANDS if c.kind == "pytest"])  # fmt: skip
register(AWS_STUB, *[c.text for c in COMMANDS if c.kind == "aws"])
register(Runner(run_failsafe_dr, "in-process against moto", 2, "the moto archive holds no capture run (seeding one "
                "is left out): capture show refuses in one line naming --account"),
         *[c.text for c in COMMANDS if c.text.startswith("bin/failsafe-dr capture show ")])  # fmt: skip
register(VERIFY, *[c.text for c in COMMANDS if c.text.startswith("bin/failsafe-dr verify ")])
register(MOTO, *[c.text for c in COMMANDS if c.kind == "failsafe-dr" and c.text not in RUNNERS])


def runner_of(command: Command) -> Runner | None:
    return RUNNERS.get(command.text)


def previous_of(command: Command) -> Command:
    """The command an ellipsis continues (``restore s3 ... --execute``): the one before it in the same block."""
    before = [c for c in COMMANDS if c.doc == command.doc and c.line < command.line and c.where == "fence"]
    return before[-1]


def written(command: Command) -> str:
    """The command as it runs: an ellipsis inside a fenced command stands for the previous command's arguments."""
    if command.where == "fence" and ELLIPSIS.search(command.text):
        prefix, _, after = ELLIPSIS.split(command.text, maxsplit=1)[0], None, ELLIPSIS.split(command.text, 1)[1]
        head = previous_of(command).text
        assert head.startswith(prefix + " "), f"{command.at}: the ellipsis continues no command of {prefix!r}"
        return f"{head}{after}"
    return command.text


# --- the tests --------------------------------------------------------------------------------------------------------


def test_both_docs_hold_commands_of_every_program() -> None:
    """The extraction sees the commands: counts per doc (printed), and every kind of program the docs use."""
    counts = {doc: sum(c.doc == doc for c in COMMANDS) for doc in DOCS}
    print(f"commands: {counts}")
    assert counts["docs/runbook.md"] >= 60 and counts["docs/restore.md"] >= 10, counts
    kinds = {c.kind for c in COMMANDS}
    assert {"failsafe-dr", "failsafe", "pulumi", "restore-script", "aws"} <= kinds, kinds


def test_a_fenced_line_of_no_known_program_fails_the_extraction(tmp_path: Path) -> None:
    planted = tmp_path / "planted.md"
    planted.write_text("# x\n\n```bash\nbin/failsafe-dr drill status\nterraform apply\n```\n", encoding="utf-8")
    with pytest.raises(Unclassified, match=r"planted.md:5: .*terraform apply"):
        extract(planted, tmp_path)


def test_output_blocks_and_continuations_and_comments_are_told_apart(tmp_path: Path) -> None:
    planted = tmp_path / "planted.md"
    planted.write_text(
        "```\nplanned           10000  keys\ntarget count      10000  expected at least 10000\n```\n"
        "```bash\nbin/failsafe-dr restore s3 --a x \\\n    --b y   # the plan\n# a comment\n```\n"
        "| a | `pulumi up -s dr` | `restore s3` |\n",
        encoding="utf-8",
    )
    found = [(c.line, c.where, c.text) for c in extract(planted, tmp_path)]
    assert found == [(6, "fence", "bin/failsafe-dr restore s3 --a x --b y"), (10, "table", "pulumi up -s dr")], found


def test_every_command_has_a_runner() -> None:
    """A command added to either doc without a runner in RUNNERS fails here (and a stale runner too)."""
    missing = [f"{c.at}: {c.text}" for c in COMMANDS if runner_of(c) is None]
    assert not missing, "commands without a runner:\n" + "\n".join(missing)
    stale = sorted(set(RUNNERS) - {c.text for c in COMMANDS})
    assert not stale, f"runners for commands the docs no longer have: {stale}"


def test_an_unknown_placeholder_fails() -> None:
    with pytest.raises(AssertionError, match="<no such thing> has no source"):
        substitute("bin/failsafe-dr fetch --stack <no such thing>", Estate(Path(), {}))


def test_the_stubs_refuse_what_the_real_clis_refuse(tmp_path: Path) -> None:
    """The stubs on PATH as :func:`estate` puts them there (no moto: each line is refused before any answer)."""
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    launcher(stubs, "pulumi", PULUMI)
    launcher(stubs, "aws", AWS)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "FAKE_PULUMI_LOG": str(tmp_path / "pulumi.log"),
           "FAKE_PULUMI_STATE": str(tmp_path), "FAKE_AWS_LOG": str(tmp_path / "aws.log")}  # fmt: skip
    estate = Estate(tmp_path, env)
    shell = Runner(run_shell, "")
    command = COMMANDS[0]
    for line in ("pulumi up --no-such-flag", "pulumi stack frobnicate", "pulumi import --file",
                 "aws backup no-such-operation", "aws s3control describe-job",
                 "aws backup start-restore-job --recovery-point-arn a --iam-role-arn b --metadata file://none.json",
                 ):  # fmt: skip
        assert shell.run(command, estate, pytest.MonkeyPatch(), line) != 0, f"the stub accepted {line!r}"


def test_every_runbook_command_runs(estate: Estate) -> None:
    """Every command of both docs, in document order, in one test: the commands build on each other as an
    operator's do (``drill start`` before ``drill finish``, a DNS step begun before ``dns wait --drill-dir``), so they
    cannot be split between pytest-xdist workers (``-n 2`` distributes a module's tests one by one), each worker with
    an estate of its own. Each command still runs on its own (its own monkeypatch) and a failed one does not stop
    the rest: every failure is listed, each naming the command, its exit code and what was expected."""
    failures, ran = [], 0
    for command in COMMANDS:
        runner = runner_of(command)
        if runner is None:
            failures.append(f"{command.at}: no runner for {command.text}")
            continue
        text = substitute(written(command), estate)
        with pytest.MonkeyPatch.context() as monkeypatch:
            try:
                code = runner.run(command, estate, monkeypatch, text)
            except Exception as error:  # an assertion of a runner (run_sources, run_pytest_paths): listed, not fatal
                failures.append(f"{command.at}: {text}: {type(error).__name__}: {error}")
                continue
        estate.ran[command.at] = code
        ran += 1
        if code != runner.expected:
            failures.append(f"{command.at}: {text}: exit {code}, expected {runner.expected} ({runner.how})")
    assert ran + len(failures) == len(COMMANDS), "a command was neither run nor listed as failed"
    assert not failures, f"{len(failures)} of {len(COMMANDS)} commands failed:\n" + "\n".join(failures)
