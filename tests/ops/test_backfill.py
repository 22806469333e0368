"""``failsafe-dr backfill``: S3 Batch Replication of the objects that predate replication.

moto (5.x) does not implement S3 Batch Operations (s3control CreateJob, DescribeJob, ListJobs), so these tests use
botocore's Stubber: each AWS call is checked against the real service model (parameter names and types), and the
answers are the documented response shapes. The role the job runs as is tested on the prod plan.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from failsafe.ops import backfill, cli
from failsafe.ops.errors import EXIT_USAGE
from failsafe_components.replicated_bucket import backfill_role_name
from tests.support.plans import cached_plan, config_of

ACCOUNT = "111111111111"
BUCKET = "example-failsafe-assets-eu-west-1"


@pytest.fixture
def s3control() -> Any:
    client = boto3.client(
        "s3control", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stub:
        client.stub = stub  # type: ignore[attr-defined]
        yield client
    stub.assert_no_pending_responses()


def job(job_id: str, status: str, succeeded: int = 0, failed: int = 0, total: int | None = 10) -> dict[str, Any]:
    summary: dict[str, Any] = {"NumberOfTasksSucceeded": succeeded, "NumberOfTasksFailed": failed}
    if total is not None:
        summary["TotalNumberOfTasks"] = total
    return {"JobId": job_id, "Status": status, "ProgressSummary": summary}


def listing(*jobs: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "Jobs": [
            {"JobId": i, "Description": d, "Status": s, "CreationTime": datetime(2026, 1, n + 1, tzinfo=UTC)}
            for n, (i, d, s) in enumerate(jobs)
        ]
    }


def test_start_creates_a_replicate_object_job_over_unreplicated_objects(s3control: Any) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/failsafe-replication-assets-backfill"
    s3control.stub.add_response("list_jobs", {"Jobs": []}, {"AccountId": ACCOUNT})
    s3control.stub.add_response(
        "create_job",
        {"JobId": "job-1"},
        {
            "AccountId": ACCOUNT,
            "ConfirmationRequired": False,
            "Operation": {"S3ReplicateObject": {}},
            "Report": {"Enabled": False},
            "ClientRequestToken": ANY,
            "Description": f"failsafe backfill {BUCKET}",
            "Priority": 10,
            "RoleArn": role,
            "ManifestGenerator": {
                "S3JobManifestGenerator": {
                    "ExpectedBucketOwner": ACCOUNT,
                    "SourceBucket": f"arn:aws:s3:::{BUCKET}",
                    "EnableManifestOutput": False,
                    "Filter": {"EligibleForReplication": True, "ObjectReplicationStatuses": ["NONE", "FAILED"]},
                }
            },
        },
    )

    assert backfill.start(s3control, ACCOUNT, BUCKET, role) == "job-1"


def test_a_second_start_while_one_runs_is_refused_with_its_progress(s3control: Any) -> None:
    s3control.stub.add_response("list_jobs", listing(("job-1", f"failsafe backfill {BUCKET}", "Active")))
    s3control.stub.add_response("describe_job", {"Job": job("job-1", "Active", succeeded=4)})

    with pytest.raises(backfill.BackfillError, match="job-1: Active, 4/10 objects replicated"):
        backfill.start(s3control, ACCOUNT, BUCKET, "arn:aws:iam::111111111111:role/x")


def test_latest_is_the_newest_job_of_this_bucket_only(s3control: Any) -> None:
    s3control.stub.add_response(
        "list_jobs",
        listing(
            ("job-old", f"failsafe backfill {BUCKET}", "Complete"),
            ("job-new", f"failsafe backfill {BUCKET}", "Complete"),
            ("job-other", "failsafe backfill another-bucket", "Active"),
        ),
    )
    s3control.stub.add_response(
        "describe_job", {"Job": job("job-new", "Complete", succeeded=10)}, {"AccountId": ACCOUNT, "JobId": "job-new"}
    )

    progress = backfill.latest(s3control, ACCOUNT, BUCKET)

    assert progress is not None and progress.job_id == "job-new" and progress.done and progress.ok


def test_verify_shows_backfill_state_and_fails_only_a_failed_job(s3control: Any) -> None:
    from datetime import timedelta

    from failsafe.ops import verify

    targets = verify.Targets({"replica": BUCKET}, ACCOUNT, "222222222222", "333333333333", timedelta(hours=1))
    sides = verify.Sides(None, None, "eu-west-1", "eu-central-1", {("prod", "s3control"): s3control})
    s3control.stub.add_response("list_jobs", {"Jobs": []})
    none = verify.check_backfill(sides, targets, "replica")
    assert none.ok is None and "no backfill job" in none.evidence
    s3control.stub.add_response("list_jobs", listing(("job-j", f"failsafe backfill {BUCKET}", "Complete")))
    s3control.stub.add_response("describe_job", {"Job": job("job-j", "Complete", succeeded=9, failed=1)})
    failed = verify.check_backfill(sides, targets, "replica")
    assert failed.ok is False and "1 failed" in failed.evidence, failed


def test_cli_refuses_a_bucket_that_is_not_protected_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["backfill", "no-such-bucket"]) == EXIT_USAGE
    assert "not a protected bucket" in capsys.readouterr().err


def test_the_stack_creates_the_backfill_role_the_cli_uses_trusted_by_batch_operations_only() -> None:
    plan, cfg = cached_plan("prod"), config_of("prod")
    roles = {r.inputs.get("name"): r for r in plan.by_type("aws:iam/role:Role")}
    for bucket in cfg.protected_buckets:
        name = backfill.backfill_role_name(cfg.replication_role_name_for(bucket))
        assert name == backfill_role_name(cfg.replication_role_name_for(bucket))
        assert name in roles, f"prod does not create {name}"
        trust = json.loads(roles[name].inputs["assumeRolePolicy"])
        assert [s["Principal"] for s in trust["Statement"]] == [{"Service": ["batchoperations.s3.amazonaws.com"]}]
