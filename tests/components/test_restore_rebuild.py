"""Issue 17, rebuilding prod in a new account as configuration: the account ID changed in one place and dr re-trusting
it on its next `up`, source bucket names independent of replica and archive names, prod allowed in dr's region.

Planned with the real program under the harness's mocks (no AWS); the runbook section "Rebuild prod in a new account"
lists these keys in the order they are changed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from failsafe.settings.config import ConfigError
from failsafe.tooling import harness
from failsafe.tooling.cli import PlanError, plan_stack
from tests.support.plans import cached_plan, config_of

OLD_PROD = config_of("dr").accounts.prod
NEW_PROD = "444444444444"
BUCKET = "aws:s3/bucket:Bucket"


def everything(plan: harness.Plan) -> str:
    return json.dumps([r.inputs for r in plan.resources], default=str)


def bucket_names(plan: harness.Plan) -> set[str]:
    return {r.inputs["bucket"] for r in plan.by_type(BUCKET)}


def test_a_new_prod_account_id_is_trusted_by_dr_on_its_next_up_and_the_old_one_nowhere() -> None:
    plan = plan_stack("dr", {"failsafe:prodAccountId": NEW_PROD})
    text = everything(plan)
    assert OLD_PROD not in text, "dr still names the lost prod account after prodAccountId changed"
    assert f"arn:aws:iam::{NEW_PROD}:root" in text, "dr does not grant the new prod account anything"
    assert f"arn:aws:iam::{NEW_PROD}:role/" in text, "dr does not name the new account's replication roles"
    assert bucket_names(plan) == bucket_names(cached_plan("dr")), "the replica and archive buckets would be replaced"


def test_source_bucket_names_override_prods_buckets_and_leave_replicas_and_archive_alone() -> None:
    cfg = config_of("prod")
    bucket = cfg.protected_buckets[0]
    rebuilt = "example-assets-rebuilt-0001"
    overrides = {"failsafe:sourceBucketNames": [f"{bucket}={rebuilt}"]}
    prod = plan_stack("prod", overrides)
    derived = cfg.source_bucket_name(bucket)
    assert rebuilt in bucket_names(prod) and derived not in bucket_names(prod), sorted(bucket_names(prod))
    assert bucket_names(plan_stack("dr", overrides)) == bucket_names(cached_plan("dr"))


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("nosuch=example-x-bucket", "a bucket of protectedBuckets"),
        ("assets", "'<protected bucket>=<S3 bucket name>'"),
        ("assets=Not_A_Bucket", "'<protected bucket>=<S3 bucket name>'"),
    ],
)
def test_a_bad_source_bucket_name_is_refused_in_config_terms(entry: str, says: str) -> None:
    with pytest.raises((ConfigError, PlanError)) as caught:
        plan_stack("prod", {"failsafe:sourceBucketNames": [entry]})
    message = str(caught.value)
    assert "sourceBucketNames" in message and says in message, message


def test_prod_may_be_rebuilt_in_drs_region_only_when_that_is_said_explicitly() -> None:
    dr_region = config_of("dr").dr_region
    same: dict[str, Any] = {"failsafe:primaryRegion": dr_region}
    with pytest.raises((ConfigError, PlanError)) as caught:
        plan_stack("prod", same)
    assert "prodInDrRegion" in str(caught.value), str(caught.value)

    # the DNS switch must still live outside prod's region (runbook: set dnsSwitchRegion too)
    switch = config_of("prod").primary_region
    plan = plan_stack("prod", {**same, "failsafe:prodInDrRegion": "true", "failsafe:dnsSwitchRegion": switch})
    cfg = config_of("prod")
    sources = {f"{cfg.bucket_name_prefix}-{b}-{dr_region}" for b in cfg.protected_buckets}
    assert sources <= bucket_names(plan), sorted(bucket_names(plan))
