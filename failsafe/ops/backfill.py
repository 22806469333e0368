"""``failsafe-dr backfill <bucket>``: replicate the objects a protected bucket held before replication was set up.

S3 replication copies only objects written after the rule exists; S3 Batch Replication copies the rest (S3 User
Guide, "Replicating existing objects with Batch Replication"). The job is an S3 Batch Operations job in prod with
a generated manifest (objects eligible for replication whose status is NONE or FAILED) and the operation
``S3ReplicateObject``: S3 then replicates each object through the bucket's own replication rule and role, so the
replica side trusts nothing new. The job runs as the bucket's backfill role (``<replication role>-backfill``, made by
ReplicatedBucket, trusted by ``batchoperations.s3.amazonaws.com``).

Jobs are found again by their description (``failsafe backfill <bucket>``), so ``verify`` and a second ``backfill``
see the newest one; starting while one is active is refused (one backfill at a time per bucket).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from failsafe.ops import aws
from failsafe.ops.errors import UsageError

ACTIVE = ("New", "Preparing", "Suspended", "Ready", "Active", "Pausing", "Paused", "Cancelling", "Completing")
FAILED = ("Failed", "Cancelled")
DONE = "Complete"
# botocore ships no paginator for S3 Control's ListJobs; its definition from the S3 Control API Reference, "ListJobs"
# (request NextToken and MaxResults, response Jobs and NextToken), paged by botocore's own Paginator.
LIST_JOBS_PAGES = {
    "input_token": "NextToken",
    "output_token": "NextToken",
    "result_key": "Jobs",
    "limit_key": "MaxResults",
}


class BackfillError(UsageError):
    """A backfill that cannot start (one already running), said for a person."""


def description(bucket: str) -> str:
    return f"failsafe backfill {bucket}"


def backfill_role_name(replication_role_name: str) -> str:
    """= failsafe_components.replicated_bucket.backfill_role_name (a test keeps them equal)."""
    return f"{replication_role_name}-backfill"


@dataclass(frozen=True)
class Progress:
    job_id: str
    status: str
    total: int | None
    succeeded: int
    failed: int

    @property
    def done(self) -> bool:
        return self.status == DONE

    @property
    def ok(self) -> bool:
        return self.status not in FAILED and self.failed == 0

    def line(self) -> str:
        total = "?" if self.total is None else str(self.total)
        return f"job {self.job_id}: {self.status}, {self.succeeded}/{total} objects replicated, {self.failed} failed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "jobId": self.job_id,
            "status": self.status,
            "total": self.total,
            "succeeded": self.succeeded,
            "failed": self.failed,
        }


def _progress(job: Mapping[str, Any]) -> Progress:
    summary = job.get("ProgressSummary") or {}
    return Progress(
        job["JobId"],
        job.get("Status", "?"),
        summary.get("TotalNumberOfTasks"),
        summary.get("NumberOfTasksSucceeded", 0),
        summary.get("NumberOfTasksFailed", 0),
    )


def latest(s3control: Any, account_id: str, bucket: str) -> Progress | None:
    """The newest backfill job of ``bucket`` (by description), or None when there has been none."""
    jobs = [
        job
        for page in aws.pages(s3control, "list_jobs", config=LIST_JOBS_PAGES, AccountId=account_id)
        for job in page.get("Jobs") or ()
        if job.get("Description") == description(bucket)
    ]
    if not jobs:
        return None
    newest = max(jobs, key=lambda j: j.get("CreationTime") or 0)
    return status(s3control, account_id, newest["JobId"])


def status(s3control: Any, account_id: str, job_id: str) -> Progress:
    return _progress(s3control.describe_job(AccountId=account_id, JobId=job_id)["Job"])


def start(s3control: Any, account_id: str, bucket: str, role_arn: str, token_seed: str = "") -> str:
    """Start the Batch Replication job; refused while an earlier one for the bucket is still active."""
    current = latest(s3control, account_id, bucket)
    if current is not None and current.status in ACTIVE:
        raise BackfillError(
            f"{bucket}: backfill {current.line()}; wait for it (failsafe-dr backfill {bucket} --status)"
        )
    # Idempotent: two starts racing after the same previous job make one job; a later start (after that job ended)
    # makes a new one, since the token includes the previous job's ID.
    previous = current.job_id if current is not None else ""
    token = hashlib.sha256(f"{account_id}/{bucket}/{previous}/{token_seed}".encode()).hexdigest()[:64]
    answer = s3control.create_job(
        AccountId=account_id,
        ConfirmationRequired=False,
        Operation={"S3ReplicateObject": {}},
        Report={"Enabled": False},
        ClientRequestToken=token,
        Description=description(bucket),
        Priority=10,
        RoleArn=role_arn,
        ManifestGenerator={
            "S3JobManifestGenerator": {
                "ExpectedBucketOwner": account_id,
                "SourceBucket": f"arn:aws:s3:::{bucket}",
                "EnableManifestOutput": False,
                "Filter": {"EligibleForReplication": True, "ObjectReplicationStatuses": ["NONE", "FAILED"]},
            }
        },
    )
    return str(answer["JobId"])
