"""Data protection, proven on the plans of the real ``prod`` and ``dr`` stacks (their real config files).

What a game day taught us to check: every bucket is versioned; replication never carries deletes, lands
versioned, re-owned and re-encrypted in the backup account; the replication role cannot delete there; every
role a person can assume demands MFA; object lock and vault lock are on; stateful resources are protected;
no ARN names an account the stack's config does not know. Bad component arguments fail before anything is
declared, and the IAM documents pass parliament except for findings listed here with the reason they are
false.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest
from parliament import analyze_policy_string

from failsafe.tooling.cli import plan_stack
from failsafe.tooling.harness import Plan, PlannedResource
from failsafe_components.backup_account import BackupAccount, BackupAccountArgs
from failsafe_components.errors import ComponentArgsError
from failsafe_components.replicated_bucket import ReplicatedBucket, ReplicatedBucketArgs
from tests.support.plans import cached_plan, config_of, fleet_accounts

BUCKET = "aws:s3/bucket:Bucket"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
STATEFUL = (
    BUCKET,
    "aws:kms/key:Key",
    "aws:backup/vault:Vault",
    VAULT_LOCK,
    "aws:sns/topic:Topic",
)
# Anything that removes or un-protects data in the destination: none of it may be granted to replication.
DESTRUCTIVE = (
    "s3:ReplicateDelete",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutObjectRetention",
    "s3:BypassGovernanceRetention",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
)
DATA_STACKS = ("prod", "dr")


# --- helpers ------------------------------------------------------------------------------------------


def doc(text: str) -> dict[str, Any]:
    return json.loads(text)


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowed_actions(document: dict[str, Any]) -> list[str]:
    return [a for s in statements(document) if s["Effect"] == "Allow" for a in as_list(s["Action"])]


def grants(patterns: list[str], action: str) -> bool:
    """True if any IAM action pattern (wildcards allowed, case-insensitive like IAM) matches ``action``."""
    return any(fnmatchcase(action.lower(), p.lower()) for p in patterns)


def versioned_buckets(plan: Plan) -> set[str]:
    return {
        r.inputs["bucket"]
        for r in plan.by_type(VERSIONING)
        if r.inputs.get("versioningConfiguration", {}).get("status") == "Enabled"
    }


def bucket_by_name(plan: Plan, name: str) -> PlannedResource:
    found = [r for r in plan.by_type(BUCKET) if r.inputs.get("bucket") == name]
    assert len(found) == 1, f"{plan.stack}: expected one bucket named {name}, found {len(found)}"
    return found[0]


def bucket_policy(plan: Plan, name: str) -> dict[str, Any]:
    found = [r for r in plan.by_type(BUCKET_POLICY) if r.inputs.get("bucket") == name]
    assert len(found) == 1, f"{plan.stack}: expected one policy on bucket {name}, found {len(found)}"
    return doc(found[0].inputs["policy"])


def replication_rules(plan: Plan) -> Iterator[tuple[PlannedResource, dict[str, Any]]]:
    for config in plan.by_type(REPLICATION):
        for rule in config.inputs["rules"]:
            yield config, rule


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9*-]*:(\d{12})(?=[:/])")


def arn_accounts(text: str) -> set[str]:
    return set(ARN_ACCOUNT.findall(text))


def role_policies(plan: Plan, role: PlannedResource) -> list[PlannedResource]:
    """Inline policies and attachments that depend on ``role`` (found through the recorded dependencies)."""
    return [
        r
        for r in plan.resources
        if r.type in (ROLE_POLICY, ATTACHMENT) and role.urn in r.property_dependencies.get("role", [])
    ]


def human_principals(statement: dict[str, Any]) -> list[str]:
    """AWS principals people sign in as: '*', an account (ID or root) or an IAM user. Role ARNs, services and
    federated (OIDC) principals are machines."""
    principal = statement.get("Principal", {})
    values = ["*"] if principal == "*" else as_list(principal.get("AWS", []))
    return [p for p in values if p == "*" or re.fullmatch(r"\d{12}", p) or p.endswith(":root") or ":user/" in p]


# --- every bucket versioned and hardened -------------------------------------------------------------


@pytest.mark.parametrize("stack", DATA_STACKS)
def test_every_bucket_is_versioned(stack: str):
    plan = cached_plan(stack)
    buckets = {r.inputs["bucket"] for r in plan.by_type(BUCKET)}
    assert buckets, f"{stack} declares no bucket: nothing to check"
    unversioned = buckets - versioned_buckets(plan)
    assert not unversioned, f"{stack}: buckets without versioning Enabled: {sorted(unversioned)}"


@pytest.mark.parametrize("stack", DATA_STACKS)
def test_every_bucket_is_kms_encrypted_private_owner_enforced_and_tls_only(stack: str):
    plan = cached_plan(stack)

    def by_bucket(type_: str) -> dict[str, dict[str, Any]]:
        return {r.inputs["bucket"]: r.inputs for r in plan.by_type(type_)}

    encryption = by_bucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    blocks = by_bucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    ownership = by_bucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    lifecycle = by_bucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    for bucket in (r.inputs["bucket"] for r in plan.by_type(BUCKET)):
        rule = encryption[bucket]["rules"][0]
        assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms", bucket
        assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith("arn:aws:kms:"), bucket
        assert rule["bucketKeyEnabled"] is True, bucket
        for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
            assert blocks[bucket][flag] is True, f"{bucket}: {flag}"
        assert ownership[bucket]["rule"]["objectOwnership"] == "BucketOwnerEnforced", bucket
        rules = lifecycle[bucket]["rules"]
        assert any("noncurrentVersionExpiration" in r and "noncurrentVersionTransitions" in r for r in rules), bucket
        assert any("abortIncompleteMultipartUpload" in r for r in rules), bucket
        tls = [
            s
            for s in statements(bucket_policy(plan, bucket))
            if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert tls, f"{bucket}: no statement denies non-TLS access"


def test_source_bucket_lifecycle_uses_the_configured_days():
    cfg = config_of("prod")
    plan = cached_plan("prod")
    for bucket in cfg.protected_buckets:
        name = cfg.source_bucket_name(bucket)
        (config,) = [
            r.inputs
            for r in plan.by_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
            if r.inputs["bucket"] == name
        ]
        rule = config["rules"][0]
        assert rule["noncurrentVersionTransitions"][0]["noncurrentDays"] == cfg.lifecycle.noncurrent_transition_days
        assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == cfg.lifecycle.noncurrent_expiration_days
        assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == (
            cfg.lifecycle.abort_incomplete_upload_days
        )


# --- replication: one way, no deletes, into the backup account ----------------------------------------


def test_every_protected_bucket_replicates_exactly_once():
    cfg = config_of("prod")
    sources = sorted(c.inputs["bucket"] for c in cached_plan("prod").by_type(REPLICATION))
    assert sources == sorted(cfg.source_bucket_name(b) for b in cfg.protected_buckets)


def test_every_replication_rule_keeps_deletes_out_and_lands_versioned_reowned_and_reencrypted_in_backup():
    cfg = config_of("prod")
    prod, dr = cached_plan("prod"), cached_plan("dr")
    replica_key = dr.outputs["replicaKmsKeyArn"]
    dr_keys = {r.outputs.get("arn") for r in dr.by_type("aws:kms/key:Key")}
    assert replica_key in dr_keys, "the replica key prod uses must be a key the dr stack owns"
    rules = list(replication_rules(prod))
    assert rules, "prod declares no replication rule"
    for config, rule in rules:
        where = f"{config.inputs['bucket']} rule {rule.get('id')}"
        assert rule["status"] == "Enabled", where
        assert "filter" in rule, f"{where}: rules need a filter (V2 schema) for delete-marker settings to apply"
        assert rule["deleteMarkerReplication"]["status"] == "Disabled", f"{where}: deletes would propagate"
        assert rule["sourceSelectionCriteria"]["sseKmsEncryptedObjects"]["status"] == "Enabled", where
        dest = rule["destination"]
        assert dest["account"] == cfg.accounts.backup, f"{where}: destination is not the backup account"
        assert dest["accessControlTranslation"]["owner"] == "Destination", f"{where}: no owner override"
        assert dest["encryptionConfiguration"]["replicaKmsKeyId"] == replica_key, f"{where}: not the replica key"
        assert dest["storageClass"] == cfg.replication.storage_class, where
        name = dest["bucket"].removeprefix("arn:aws:s3:::")
        assert bucket_by_name(dr, name).outputs.get("arn", dest["bucket"]) == dest["bucket"]
        assert name in versioned_buckets(dr), f"{where}: destination {name} is not versioned by dr"


def test_replication_time_control_follows_config_and_gives_the_rpo():
    cfg = config_of("prod")
    plan = cached_plan("prod")
    for _, rule in replication_rules(plan):
        dest = rule["destination"]
        if cfg.replication.time_control:
            assert dest["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
            assert dest["metrics"]["status"] == "Enabled"
        else:
            assert "replicationTime" not in dest
    assert plan.outputs["rpoMinutes"] == cfg.replication.rpo_minutes


def test_without_rtc_the_rules_carry_no_time_promise_and_no_rpo_is_claimed():
    plan = plan_stack("prod", {"failsafe:replicationTimeControl": "false", "failsafe:replicationMetrics": "false"})
    rules = list(replication_rules(plan))
    assert rules and all("replicationTime" not in r["destination"] for _, r in rules)
    assert plan.outputs["rpoMinutes"] is None


def test_replication_waits_for_versioning():
    plan = cached_plan("prod")
    versioning = {r.urn for r in plan.by_type(VERSIONING)}
    for config in plan.by_type(REPLICATION):
        assert set(config.property_dependencies.get("bucket", [])) & versioning, (
            f"{config.name}: bucket must come from the BucketVersioning resource (S3 rejects replication "
            "on an unversioned bucket)"
        )


def test_replication_roles_are_trusted_by_s3_alone_and_cannot_delete_anywhere():
    plan = cached_plan("prod")
    roles = {c.inputs["role"] for c in plan.by_type(REPLICATION)}
    replication_roles = [r for r in plan.by_type(ROLE) if r.outputs.get("arn") in roles]
    assert len(replication_roles) == len(roles) > 0
    for role in replication_roles:
        trust = statements(doc(role.inputs["assumeRolePolicy"]))
        assert [s["Principal"] for s in trust] == [{"Service": ["s3.amazonaws.com"]}], role.name
        assert all("aws:SourceAccount" in s.get("Condition", {}).get("StringEquals", {}) for s in trust)
        policies = role_policies(plan, role)
        assert [p.type for p in policies] == [ROLE_POLICY], f"{role.name}: exactly one inline policy, no attachments"
        actions = allowed_actions(doc(policies[0].inputs["policy"]))
        granted = [a for a in DESTRUCTIVE if grants(actions, a)]
        assert not granted, f"{role.name} may {granted}"


def test_replica_bucket_policy_lets_prod_only_replicate_and_denies_version_deletes_to_all_but_break_glass_with_mfa():
    cfg = config_of("dr")
    plan = cached_plan("dr")
    break_glass = plan.outputs["breakGlassRoleArn"]
    for bucket in cfg.protected_buckets:
        name = cfg.replica_bucket_name(bucket)
        policy = bucket_policy(plan, name)
        prod_grants = [
            s
            for s in statements(policy)
            if s["Effect"] == "Allow" and f"arn:aws:iam::{cfg.accounts.prod}:root" in str(s.get("Principal"))
        ]
        assert prod_grants, f"{name}: prod's replication role is not allowed to replicate"
        expected_role = f"{cfg.replication_role_arn}-{bucket}"
        restore_role = [f"arn:aws:iam::{cfg.accounts.prod}:role/{cfg.deploy_role_name}"]  # restore s3 --to-profile
        for s in prod_grants:
            if s["Sid"] == "ProdRestoreRolesReadVersions":
                assert s["Condition"]["ArnEquals"]["aws:PrincipalArn"] == restore_role, s
                assert as_list(s["Action"]) == ["s3:GetObjectVersion", "s3:GetObjectVersionTagging"], s
            else:
                assert s["Condition"]["ArnEquals"]["aws:PrincipalArn"] == expected_role, s["Sid"]
            granted = [a for a in DESTRUCTIVE if grants(as_list(s["Action"]), a)]
            assert not granted, f"{name}: prod may {granted}"
        denies = [s for s in statements(policy) if s["Effect"] == "Deny" and "ArnNotEquals" in s.get("Condition", {})]
        denied = [a for s in denies for a in as_list(s["Action"])]
        for action in ("s3:DeleteObjectVersion", "s3:PutBucketPolicy", "s3:BypassGovernanceRetention"):
            assert action in denied, f"{name}: {action} is not denied"
        # destroying versions: break-glass only; bucket settings: break-glass and the stack's deploy role, whose
        # session (no MFA) must be able to deploy the bucket (see tests/tooling/test_access_proofs.py)
        deploy_role = f"arn:aws:iam::{cfg.accounts.backup}:role/{cfg.deploy_role_name}"
        for s in denies:
            exempt = as_list(s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"])
            if "s3:DeleteObjectVersion" in as_list(s["Action"]):
                assert exempt == [break_glass], f"{name} {s['Sid']}: version deletes exempt {exempt}"
            else:
                assert deploy_role in exempt and set(exempt) <= {break_glass, deploy_role}, f"{name} {s['Sid']}"
        assert all(s["Principal"] == "*" for s in denies)
        without_mfa = [
            s
            for s in statements(policy)
            if s["Effect"] == "Deny"
            and s.get("Condition", {}).get("BoolIfExists", {}).get("aws:MultiFactorAuthPresent") == "false"
        ]
        assert without_mfa and "s3:DeleteObjectVersion" in as_list(without_mfa[0]["Action"]), (
            f"{name}: even break-glass must not delete versions without MFA"
        )


def test_replica_key_lets_only_the_named_replication_roles_encrypt_from_prod():
    cfg = config_of("dr")
    (key,) = cached_plan("dr").by_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    outside = [
        s
        for s in statements(doc(key.inputs["policy"]))
        if s["Effect"] == "Allow" and cfg.accounts.prod in str(s.get("Principal"))
    ]
    assert outside, "prod cannot encrypt replicas at all"
    for s in outside:
        assert s.get("Condition"), f"{s['Sid']}: an unconditional grant to prod"
        assert not grants(as_list(s["Action"]), "kms:ScheduleKeyDeletion")
        assert not grants(as_list(s["Action"]), "kms:PutKeyPolicy")
    (encrypt,) = [s for s in outside if s["Sid"] == "ProdReplicationRolesUseReplicaKey"]
    (restore,) = [s for s in outside if "ArnEquals" in s["Condition"] and s is not encrypt]
    assert as_list(restore["Action"]) == ["kms:Decrypt"] and "kms:ViaService" in str(restore["Condition"]), restore
    assert sorted(encrypt["Condition"]["ArnEquals"]["aws:PrincipalArn"]) == sorted(
        f"{cfg.replication_role_arn}-{b}" for b in cfg.protected_buckets
    )


# --- locks ---------------------------------------------------------------------------------------------


def test_replica_and_archive_buckets_are_object_locked_with_the_configured_retention():
    cfg = config_of("dr")
    plan = cached_plan("dr")
    locked = [cfg.replica_bucket_name(b) for b in cfg.protected_buckets] + [plan.outputs["archiveBucketName"]]
    locks = {r.inputs["bucket"]: r.inputs["rule"]["defaultRetention"] for r in plan.by_type(OBJECT_LOCK)}
    for name in locked:
        bucket = bucket_by_name(plan, name)
        assert bucket.inputs["objectLockEnabled"] is True, name
        assert bucket.inputs.get("forceDestroy") is not True, f"{name}: force_destroy would empty a locked copy"
        assert locks[name] == {"mode": cfg.object_lock.mode, "days": cfg.object_lock.retention_days}, name


def test_compliance_mode_only_when_config_asks_for_it():
    assert config_of("dr").object_lock.mode == "GOVERNANCE", "the checked-in default must stay GOVERNANCE"
    plan = plan_stack("dr", {"failsafe:objectLockMode": "COMPLIANCE"})
    modes = {r.inputs["rule"]["defaultRetention"]["mode"] for r in plan.by_type(OBJECT_LOCK)}
    assert modes == {"COMPLIANCE"}


def test_vault_has_a_customer_managed_key_a_lock_and_a_policy_refusing_recovery_point_deletes():
    cfg = config_of("dr")
    plan = cached_plan("dr")
    (vault,) = plan.by_type("aws:backup/vault:Vault")
    assert vault.inputs["kmsKeyArn"] == plan.outputs["replicaKmsKeyArn"]
    (lock,) = plan.by_type(VAULT_LOCK)
    assert lock.inputs["minRetentionDays"] == cfg.vault_lock.min_retention_days
    assert lock.inputs["maxRetentionDays"] == cfg.vault_lock.max_retention_days
    (policy,) = plan.by_type("aws:backup/vaultPolicy:VaultPolicy")
    body = statements(doc(policy.inputs["policy"]))
    copy_in = [s for s in body if s["Effect"] == "Allow" and "backup:CopyIntoBackupVault" in as_list(s["Action"])]
    # prod by its account; the fleet's members by the protected OUs' paths (a "*" principal narrowed by condition)
    by_account = [s for s in copy_in if cfg.accounts.prod in str(s["Principal"])]
    by_ou = [s for s in copy_in if s["Principal"] == {"AWS": "*"}]
    assert by_account and len(by_account) + len(by_ou) == len(copy_in), copy_in
    assert all("aws:PrincipalOrgPaths" in json.dumps(s.get("Condition", {})) for s in by_ou), by_ou
    deny = [s for s in body if s["Effect"] == "Deny" and "backup:DeleteRecoveryPoint" in as_list(s["Action"])]
    assert deny and deny[0]["Principal"] == "*"
    (notices,) = plan.by_type("aws:backup/vaultNotifications:VaultNotifications")
    (topic,) = plan.by_type("aws:sns/topic:Topic")
    assert notices.inputs["snsTopicArn"] == topic.outputs["arn"]
    assert topic.inputs["kmsMasterKeyId"] == plan.outputs["replicaKmsKeyArn"], "notices must be KMS-encrypted"


# --- people ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ("prod", "dr", "pr-42"))
def test_every_role_a_human_can_assume_requires_recent_mfa_and_a_bounded_session(stack: str):
    cfg = config_of(stack)
    humans_seen = 0
    for role in cached_plan(stack).by_type(ROLE):
        for s in statements(doc(role.inputs["assumeRolePolicy"])):
            if s["Effect"] != "Allow" or not human_principals(s):
                continue
            humans_seen += 1
            condition = s.get("Condition", {})
            assert condition.get("Bool", {}).get("aws:MultiFactorAuthPresent") == "true", role.name
            age = int(condition["NumericLessThan"]["aws:MultiFactorAuthAge"])
            assert age <= cfg.human_access.mfa_max_age_seconds, role.name
            assert role.inputs["maxSessionDuration"] == cfg.human_access.session_seconds, role.name
    if stack == "dr":
        assert humans_seen == 3, "dr has restore-operator, auditor and break-glass roles for people"


def test_human_roles_in_dr_are_trusted_by_the_identity_account_only():
    cfg = config_of("dr")
    names = {"restoreRoleArn", "auditorRoleArn", "breakGlassRoleArn"}
    arns = {cached_plan("dr").outputs[n] for n in names}
    for role in cached_plan("dr").by_type(ROLE):
        if role.outputs.get("arn") in arns:
            principals = [s["Principal"] for s in statements(doc(role.inputs["assumeRolePolicy"]))]
            assert principals == [{"AWS": f"arn:aws:iam::{cfg.accounts.identity}:root"}], role.name


def test_the_human_principal_rule_sees_accounts_users_and_stars_but_not_roles_or_services():
    assert human_principals({"Principal": "*"}) == ["*"]
    assert human_principals({"Principal": {"AWS": ["111111111111", "arn:aws:iam::111111111111:user/x"]}})
    assert human_principals({"Principal": {"AWS": "arn:aws:iam::111111111111:role/ci"}}) == []
    assert human_principals({"Principal": {"Service": "s3.amazonaws.com"}}) == []


# --- protection and account hygiene ----------------------------------------------------------------


@pytest.mark.parametrize("stack", DATA_STACKS)
def test_stateful_resources_of_prod_and_dr_are_protected(stack: str):
    plan = cached_plan(stack)
    stateful = [r for r in plan.resources if r.type in STATEFUL]
    assert stateful
    unprotected = [r.name for r in stateful if not r.protect]
    assert not unprotected, f"{stack}: stateful but not protected: {unprotected}"


@pytest.mark.parametrize("stack", DATA_STACKS)
def test_no_arn_embeds_an_account_the_stack_config_does_not_know(stack: str):
    known = set(config_of(stack).accounts.all()) | fleet_accounts(stack)
    plan = cached_plan(stack)
    seen: dict[str, set[str]] = {}
    texts = [(r.name, t) for r in plan.resources for t in strings([r.inputs, r.outputs])]
    texts += [("outputs", t) for t in strings(plan.outputs)]
    for where, text in texts:
        for account in arn_accounts(text):
            seen.setdefault(account, set()).add(where)
    assert seen, "no ARN carries an account at all: the scan is not looking at the plan"
    stray = {a: sorted(w)[:5] for a, w in seen.items() if a not in known}
    assert not stray, f"{stack}: ARNs with accounts not in config: {stray}"


def test_the_arn_scan_finds_accounts_in_every_arn_shape():
    text = json.dumps(
        {
            "a": "arn:aws:iam::999999999999:role/x",
            "b": "arn:aws:kms:*:888888888888:key/*",
            "c": "arn:aws:s3:::bucket-123456789012",  # an S3 ARN has no account: digits in a name are not one
            "d": "arn:aws-us-gov:sns:us-gov-west-1:777777777777:topic",
        }
    )
    assert arn_accounts(text) == {"999999999999", "888888888888", "777777777777"}


# --- bad component arguments fail before anything is declared ------------------------------------------


def good_backup_args(**changes: Any) -> BackupAccountArgs:
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
    values.update(changes)
    return BackupAccountArgs(**values)


def good_replicated_args(**changes: Any) -> ReplicatedBucketArgs:
    values: dict[str, Any] = {
        "bucket_name": "example-assets",
        "destination_bucket_arn": "arn:aws:s3:::example-assets-replica",
        "destination_account_id": "222222222222",
        "replica_kms_key_arn": "arn:aws:kms:eu-central-1:222222222222:key/example",
        "replication_role_name": "failsafe-s3-replication-assets",
        "source_account_id": "111111111111",
    }
    values.update(changes)
    return ReplicatedBucketArgs(**values)


BAD_BACKUP_ARGS = [
    ({"replica_buckets": {}, "replication_role_arns": {}}, "replica_buckets", "at least one protected bucket"),
    ({"vault_min_retention_days": 30, "vault_max_retention_days": 7}, "vault_max_retention_days=7", "at least"),
    ({"backup_account_id": "111111111111"}, "backup_account_id='111111111111'", "other than prod"),
    ({"object_lock_mode": "governance"}, "object_lock_mode='governance'", "GOVERNANCE or COMPLIANCE"),
    ({"vault_changeable_for_days": 1}, "vault_changeable_for_days=1", "at least 3 days"),
    ({"mfa_max_age_seconds": 60}, "mfa_max_age_seconds=60", "900-43200"),
    ({"session_seconds": 100000}, "session_seconds=100000", "3600-43200"),
    ({"replication_role_arns": {}}, "replication_role_arns=[]", "one role per replica bucket"),
]
BAD_REPLICATED_ARGS = [
    ({"time_control": True, "metrics": False}, "metrics=False", "True when time_control is on"),
    ({"destination_account_id": "111111111111"}, "destination_account_id='111111111111'", "other than the source"),
    ({"storage_class": "FAST"}, "storage_class='FAST'", "one of STANDARD"),
    ({"noncurrent_expiration_days": 10}, "noncurrent_expiration_days=10", "more than noncurrent_transition_days"),
    ({"bucket_name": "ab"}, "bucket_name='ab'", "3-63 characters"),
]


@pytest.mark.parametrize(("changes", "names", "expected"), BAD_BACKUP_ARGS)
def test_bad_backup_account_args_fail_at_construction(changes: dict, names: str, expected: str):
    with pytest.raises(ComponentArgsError) as caught:
        BackupAccount("backup", good_backup_args(**changes))
    message = str(caught.value)
    assert message.startswith("BackupAccountArgs.") and names in message and expected in message, message


@pytest.mark.parametrize(("changes", "names", "expected"), BAD_REPLICATED_ARGS)
def test_bad_replicated_bucket_args_fail_at_construction(changes: dict, names: str, expected: str):
    with pytest.raises(ComponentArgsError) as caught:
        ReplicatedBucket("assets", good_replicated_args(**changes))
    message = str(caught.value)
    assert message.startswith("ReplicatedBucketArgs.") and names in message and expected in message, message


def test_good_args_pass_validation():
    good_backup_args().validate()
    good_replicated_args().validate()
    good_replicated_args(time_control=True, metrics=True).validate()


# --- parliament -----------------------------------------------------------------------------------------

POLICY_INPUTS = {
    ROLE: "assumeRolePolicy",
    ROLE_POLICY: "policy",
    "aws:iam/policy:Policy": "policy",
    BUCKET_POLICY: "policy",
    "aws:kms/key:Key": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:backup/vaultPolicy:VaultPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
}
RESOURCE_POLICIES = ("aws:kms/key:Key", "aws:backup/vaultPolicy:VaultPolicy", "aws:sns/topicPolicy:TopicPolicy")


def false_positive(resource: PlannedResource, issue: str, detail: Any) -> str | None:
    """Why a parliament finding does not apply, or None if it is real. Every reason is checked by hand."""
    text = json.dumps(detail)
    if resource.type == ROLE and issue == "MALFORMED" and "neither Resource nor NotResource" in text:
        return "trust policies have no Resource element; parliament reads every document as an identity policy"
    if resource.type == ROLE and issue == "UNKNOWN_FEDERATION_SOURCE" and "token.actions.githubusercontent" in text:
        return "GitHub's OIDC provider post-dates parliament's list of federation sources"
    if resource.type in RESOURCE_POLICIES and issue == "RESOURCE_STAR":
        return 'in a key or vault resource policy, "Resource": "*" means the key or vault the policy is on'
    if issue == "RESOURCE_STAR" and set(detail) <= {"ec2:CopySnapshot", "ec2:CopyImage"}:
        return "EC2 authorises Copy* against the new snapshot or image, whose ID is unknown before the call"
    if (
        issue == "RESOURCE_STAR"
        and resource.name.endswith("ci-read-scope")
        and all(a.split(":", 1)[1].startswith(("Get", "List", "Describe")) for a in detail)
    ):
        return (
            "CI's read-only preview role reads the configuration of every resource pulumi preview refreshes; its "
            "data reads (objects, secrets, decrypt) are denied by an explicit Deny in the same policy"
        )
    if issue in ("UNKNOWN_PREFIX", "UNKNOWN_ACTION") and "-read-capture-" in resource.name:
        return (
            "the capture's read policies hold the actions AWS's own CloudFormation resource schemas name (cfn-lint's "
            "pinned copy); services and actions newer than parliament's IAM database are unknown to it"
        )
    if issue == "MISMATCHED_TYPE_BUT_USABLE" and "StringEquals" in text and "Arn" in text:
        return "iam:PermissionsBoundary compared with StringEquals is the form AWS's own examples use"
    return None


def iam_documents() -> Iterator[tuple[str, PlannedResource, str]]:
    for stack in ("prod", "dr", "pr-42"):
        for r in cached_plan(stack).resources:
            key = POLICY_INPUTS.get(r.type)
            if key and isinstance(r.inputs.get(key), str):
                yield stack, r, r.inputs[key]


def test_generated_iam_documents_pass_parliament_apart_from_listed_false_positives():
    real: list[str] = []
    explained: dict[str, int] = {}
    checked = 0
    for stack, resource, text in iam_documents():
        checked += 1
        for finding in analyze_policy_string(text, ignore_private_auditors=True).findings:
            reason = false_positive(resource, finding.issue, finding.detail)
            if reason is None:
                real.append(f"{stack} {resource.name}: {finding.issue} {finding.detail}")
            else:
                explained[reason] = explained.get(reason, 0) + 1
    assert checked >= 30, f"only {checked} IAM documents found: the collector is missing resource types"
    assert not real, "parliament findings:\n" + "\n".join(real)


def test_parliament_is_live_and_catches_a_real_mistake():
    wrong = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket"}],
        }
    )
    issues = {f.issue for f in analyze_policy_string(wrong, ignore_private_auditors=True).findings}
    assert "RESOURCE_MISMATCH" in issues


def test_archive_workflow_role_can_add_state_exports_but_not_delete_or_reach_other_buckets():
    cfg = config_of("dr")
    plan = cached_plan("dr")
    (role,) = [r for r in plan.by_type(ROLE) if r.outputs.get("arn") == plan.outputs["archiveRoleArn"]]
    trust = statements(doc(role.inputs["assumeRolePolicy"]))
    assert all("Federated" in s["Principal"] for s in trust), "only GitHub's OIDC provider may assume it"
    (policy,) = role_policies(plan, role)
    body = doc(policy.inputs["policy"])
    actions = allowed_actions(body)
    assert grants(actions, "s3:PutObject") and not [a for a in DESTRUCTIVE if grants(actions, a)]
    bucket = f"arn:aws:s3:::{cfg.archive_bucket_name}"
    s3_resources = [
        res
        for s in statements(body)
        if str(s["Action"]).startswith("['s3:") or str(s["Action"]).startswith("s3:")
        for res in as_list(s["Resource"])
    ]
    assert s3_resources and all(res in (bucket, f"{bucket}/*") for res in s3_resources), s3_resources
