"""The component changes the access proofs asked for, checked where the proofs cannot see them: resource ordering on a
first deploy, and the arguments that carry the deploy role's exemption."""

from __future__ import annotations

import json
from typing import Any

import pytest

from failsafe.program import wiring
from failsafe.tooling import harness
from failsafe.tooling.access import collect
from failsafe_components.backup_account import BackupAccount, BackupAccountArgs
from failsafe_components.buckets import hardened_bucket
from failsafe_components.errors import ComponentArgsError
from tests.support.plans import cached_plan, config_of, values_of

VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
SETTINGS = {VERSIONING, LOCK, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"}


def settings_of(plan: harness.Plan, bucket: str) -> list[harness.PlannedResource]:
    """The versioning, lifecycle and Object Lock resources of the bucket with URN ``bucket`` (declared on the bucket
    or, to wait for versioning, on ``versioning.bucket``)."""
    versioning = {r.urn for r in plan.by_type(VERSIONING) if bucket in r.property_dependencies.get("bucket", [])}
    return [
        r
        for r in plan.resources
        if r.type in SETTINGS and ({bucket} | versioning) & set(r.property_dependencies.get("bucket", []))
    ]


@pytest.mark.parametrize("stack", ["dr", "prod"])
def test_bucket_policies_are_applied_after_the_settings_they_protect(stack: str) -> None:
    """The replica and archive policies deny changes to versioning, lifecycle and Object Lock: on a first deploy those
    settings must be in place before the policy closes them (no data dependency orders them, so depends_on does)."""
    plan = cached_plan(stack)
    policies = plan.by_type("aws:s3/bucketPolicy:BucketPolicy")
    assert policies, f"{stack}: no bucket policies"
    locked = 0
    for policy in policies:
        (bucket,) = policy.property_dependencies["bucket"]
        settings = settings_of(plan, bucket)
        assert VERSIONING in {r.type for r in settings}, f"{policy.name}: no versioning found for {bucket}"
        late = [r.name for r in settings if r.urn not in policy.dependencies]
        assert not late, f"{policy.name} is not ordered after {late}"
        locked += any(r.type == LOCK for r in settings)
    if stack == "dr":
        # one replica per protected bucket of prod and of every member (dr's registry, as written), and the archive
        members = json.loads(values_of("dr").get("members") or "[]")
        replicas = len(config_of("dr").protected_buckets) + sum(len(m["buckets"]) for m in members)
        assert locked == replicas + 1, "replicas and archive are object-locked"


def test_the_dr_deploy_exemption_names_the_role_the_dr_providers_assume() -> None:
    cfg = config_of("dr")
    providers = collect.collect(cached_plan("dr")).providers.values()
    assert wiring.backup_account(cfg).deploy_role_arns == tuple(sorted({p.role_arn for p in providers}))


def _args(**changes: Any) -> BackupAccountArgs:
    values: dict[str, Any] = {
        "name_prefix": "failsafe",
        "backup_account_id": "222222222222",
        "prod_account_id": "111111111111",
        "identity_account_id": "333333333333",
        "replica_buckets": {"assets": "example-assets-replica"},
        "replication_role_arns": {"assets": "arn:aws:iam::111111111111:role/failsafe-s3-replication-assets"},
        "archive_bucket_name": "example-state-archive",
        "deploy_role_arns": ("arn:aws:iam::222222222222:role/failsafe-deploy",),
    }
    return BackupAccountArgs(**(values | changes))


@pytest.mark.parametrize(
    "arns",
    [
        ("arn:aws:iam::111111111111:role/failsafe-deploy",),  # prod's deploy role: never exempt in dr
        ("arn:aws:iam::222222222222:role/*",),  # a wildcard would exempt every role of the account
        ("arn:aws:iam::222222222222:user/deployer",),
        (),  # nobody could deploy the buckets: the stack would lock itself out
    ],
)
def test_deploy_role_arns_must_be_exact_roles_of_the_backup_account(arns: tuple[str, ...]) -> None:
    with pytest.raises(ComponentArgsError) as caught:
        BackupAccount("backup", _args(deploy_role_arns=arns))
    message = str(caught.value)
    assert message.startswith("BackupAccountArgs.deploy_role_arns") and all(a in message for a in arns), message
    assert "arn:aws:iam::222222222222:role/" in message, message


def test_a_deploy_role_of_the_backup_account_is_accepted() -> None:
    _args().validate()


def test_lock_retention_without_object_lock_is_refused_before_anything_is_declared() -> None:
    with pytest.raises(ValueError, match="lock_retention needs object_lock=True"):
        hardened_bucket(
            "b",
            "bucket",
            kms_key_arn="arn:aws:kms:eu-central-1:222222222222:key/k",
            noncurrent_transition_days=30,
            noncurrent_expiration_days=365,
            abort_incomplete_upload_days=7,
            parent=None,  # type: ignore[arg-type]
            protect=True,
            lock_retention=("GOVERNANCE", 30),
        )
