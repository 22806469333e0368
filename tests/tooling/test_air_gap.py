"""The logically air-gapped vault (issue 25, item 3) in the example estate's plans with ``airGappedVault: true``: dr
holds the vault (its own retention, the AWS-owned key), the RAM share to the named recovery account and that
account's restore roles; prod's backup plan copies into it; the access proofs cover the restore path from the
recovery account and the no-delete paths; config refuses a key that dies with the backup account; ``check`` warns
when a plan marked critical has no air-gapped copy (issue 25, item 4); the pack refuses a vault keyed in its own
account.

Sources: AWS Backup Developer Guide, "Logically air-gapped vault" (Create; Share a logically air-gapped vault;
Understanding encryption key types, Note: "AWS does not recommend using keys from the same account, except for
testing"); pulumi-aws 7.51.1 ``aws.backup.LogicallyAirGappedVault`` / ``aws.ram.*`` (the installed package).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest

from failsafe.settings import agreement, airgap
from failsafe.settings.config import ConfigError, load_mapping
from failsafe.tooling import air_gap_check, gate, harness, planning
from failsafe.tooling.access import proofs
from failsafe.tooling.access.catalogue import AIR_GAP
from failsafe.tooling.recovery import disruptions, model
from failsafe.tooling.recovery import estate as recovery_estate
from failsafe_components import spec
from tests.support.pack import UNKNOWN, options, run_stack
from tests.support.plans import ROOT, cached_plan, config_of, values_of

# isort: split
from pulumi_policy import PolicyProviderResource, PolicyResource
from pulumi_policy.proxy import unknown_checking_proxy

from failsafe_guardrails.backup import AIR_GAPPED_VAULT_TYPE, KMS_KEY_TYPE

RECOVERY = "555555555555"
BACKUP, PROD, DR_REGION = "222222222222", "111111111111", "eu-central-1"  # the example estate (Pulumi.dr.yaml)
# retention values unlike the standard vault's (7/365, copies 35 days), so each number is seen to come from its key
AIR_GAP_ON = {
    "failsafe:airGappedVault": True,
    "failsafe:recoveryAccountId": RECOVERY,
    "failsafe:airGappedVaultMinRetentionDays": 30,
    "failsafe:airGappedVaultMaxRetentionDays": 400,
    "failsafe:backupAirGappedCopyRetentionDays": 90,
    "failsafe:backupCritical": True,
}
LAG = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
SHARE = "aws:ram/resourceShare:ResourceShare"
SHARE_RESOURCE = "aws:ram/resourceAssociation:ResourceAssociation"
SHARE_PRINCIPAL = "aws:ram/principalAssociation:PrincipalAssociation"
BACKUP_PLAN = "aws:backup/plan:Plan"
ROLE = "aws:iam/role:Role"


@cache
def plans() -> dict[str, harness.Plan]:
    """dr and prod with the vault on, planned once per test process; prod reads this dr's outputs, after the check
    ``plan_stack("prod")`` makes of them (which would plan dr a second time)."""
    dr = planning.plan_stack("dr", AIR_GAP_ON)
    raw, cfg = planning.stack_config("prod", AIR_GAP_ON)
    assert agreement.dr_disagreement(cfg, dr.outputs) is None
    prod = harness.run_program("prod", raw, {str(cfg.dr_stack_name): dr.outputs})
    assert dr.error is None and prod.error is None, (dr.error, prod.error)
    return {"dr": dr, "prod": prod}


def one(plan: harness.Plan, type_: str) -> harness.PlannedResource:
    found = plan.by_type(type_)
    assert len(found) == 1, f"{plan.stack}: expected one {type_}, found {[r.name for r in found]}"
    return found[0]


def named(plan: harness.Plan, type_: str, name: str) -> harness.PlannedResource:
    found = [r for r in plan.by_type(type_) if r.name == name]
    assert len(found) == 1, f"{plan.stack}: expected one {type_} named {name}, found {len(found)}"
    return found[0]


def account_of(plan: harness.Plan, r: harness.PlannedResource) -> list[str]:
    provider = plan.get(r.provider_urn)
    assert provider is not None, f"{r.name} has no provider"
    return list(json.loads(provider.inputs["allowedAccountIds"]))


# --- item 3: what the plans hold --------------------------------------------------------------------------------------


def test_dr_holds_the_air_gapped_vault_with_its_own_retention_and_the_aws_owned_key() -> None:
    dr = plans()["dr"]
    vault = one(dr, LAG)
    assert vault.inputs["name"] == spec.air_gapped_vault_name("failsafe")
    assert (vault.inputs["minRetentionDays"], vault.inputs["maxRetentionDays"]) == (30, 400)
    # no key: "If not specified, the vault will be encrypted with an Amazon Web Services-owned key" (botocore,
    # CreateLogicallyAirGappedBackupVault.EncryptionKeyArn)
    assert "encryptionKeyArn" not in vault.inputs, vault.inputs
    assert vault.protect, "the vault must be protected like every other vault"
    assert account_of(dr, vault) == [BACKUP]
    assert dr.outputs["airGappedVaultArn"] == spec.air_gapped_vault_arn("failsafe", BACKUP, DR_REGION)


def test_the_example_estate_without_the_option_holds_no_air_gapped_vault_and_no_share() -> None:
    dr = cached_plan("dr")
    assert dr.by_type(LAG) == [] and dr.by_type(SHARE) == [] and "airGappedVaultArn" not in dr.outputs


def test_the_vault_admits_copies_from_prod_and_denies_every_delete() -> None:
    policy = json.loads(named(plans()["dr"], VAULT_POLICY, "air-gap-vault-policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["SourcesCopyIn"]["Principal"] == {"AWS": [f"arn:aws:iam::{PROD}:root"]}
    assert by_sid["SourcesCopyIn"]["Action"] == "backup:CopyIntoBackupVault"
    deny = by_sid["NoRecoveryPointDeletes"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert set(deny["Action"]) == {"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"}


def test_prods_backup_plan_copies_into_the_air_gapped_vault_with_its_own_retention() -> None:
    rule = one(plans()["prod"], BACKUP_PLAN).inputs["rules"][0]
    copies = {c["destinationVaultArn"]: c["lifecycle"]["deleteAfter"] for c in rule["copyActions"]}
    assert copies == {
        f"arn:aws:backup:{DR_REGION}:{BACKUP}:backup-vault:failsafe-vault": 35,  # the standard vault, unchanged
        plans()["dr"].outputs["airGappedVaultArn"]: 90,  # backupAirGappedCopyRetentionDays, within 30-400
    }


def fleet_ous() -> list[str]:
    """The protected OUs as Pulumi.dr.yaml writes them (empty for an estate without an organization's fleet)."""
    return json.loads(values_of("dr").get("organizationalUnits") or "[]")


@cache
def org_plan() -> harness.Plan:
    plan = planning.plan_stack("org", AIR_GAP_ON)
    assert plan.error is None, plan.error
    return plan


def test_the_organization_backup_policy_copies_members_into_the_air_gapped_vault_too() -> None:
    """The members' plans are the organization backup policy's (issue 24): with airGappedVault its rule has the
    same second copy action as prod's plan, keyed by the ARN dr exports (Organizations User Guide, "Backup policy
    syntax": ``copy_actions`` keyed by ``target_backup_vault_arn``), kept backupAirGappedCopyRetentionDays."""
    assert fleet_ous(), "the suite's estate (the example fixture) is a fleet: its org stack holds the backup policy"
    policies = org_plan().by_type("aws:organizations/policy:Policy")
    (policy,) = [r for r in policies if r.inputs["type"] == "BACKUP_POLICY"]
    (plan,) = json.loads(policy.inputs["content"])["plans"].values()
    (rule,) = plan["rules"].values()
    copies = {arn: c["lifecycle"]["delete_after_days"]["@@assign"] for arn, c in rule["copy_actions"].items()}
    assert copies == {
        plans()["dr"].outputs["backupVaultArn"]: str(config_of("dr").backup.copy_retention_days),  # unchanged
        plans()["dr"].outputs["airGappedVaultArn"]: "90",  # backupAirGappedCopyRetentionDays
    }
    assert all(c["target_backup_vault_arn"]["@@assign"] == arn for arn, c in rule["copy_actions"].items())


def test_the_air_gapped_vault_admits_the_members_copies_by_their_protected_ous() -> None:
    assert fleet_ous(), "the suite's estate (the example fixture) is a fleet with protected OUs"
    policy = json.loads(named(plans()["dr"], VAULT_POLICY, "air-gap-vault-policy").inputs["policy"])
    (members,) = [s for s in policy["Statement"] if s["Sid"] == "MembersCopyIn"]
    assert members["Principal"] == {"AWS": "*"} and members["Action"] == "backup:CopyIntoBackupVault"
    paths = members["Condition"]["ForAnyValue:StringLike"]["aws:PrincipalOrgPaths"]
    assert sorted(paths) == sorted(f"{ou}*" for ou in fleet_ous())


def test_the_share_to_the_named_recovery_account_is_in_the_plan_before_any_loss() -> None:
    dr = plans()["dr"]
    share, vault = one(dr, SHARE), one(dr, LAG)
    resource, principal = one(dr, SHARE_RESOURCE), one(dr, SHARE_PRINCIPAL)
    assert share.inputs["allowExternalPrincipals"] is False  # the recovery account is in the organization
    assert share.inputs["resourceShareConfiguration"] == {"retainSharingOnAccountLeaveOrganization": True}
    assert resource.inputs == {"resourceArn": vault.outputs["arn"], "resourceShareArn": share.outputs["arn"]}
    assert principal.inputs == {"principal": RECOVERY, "resourceShareArn": share.outputs["arn"]}
    assert share.protect and resource.protect and principal.protect, "losing the share loses the restore path"
    assert {account_of(dr, r)[0] for r in (share, resource, principal)} == {BACKUP}


def test_the_recovery_accounts_restore_and_operator_roles_are_deployed_into_the_recovery_account() -> None:
    dr = plans()["dr"]
    roles = {r.inputs["name"]: r for r in dr.by_type(ROLE)}
    restore, operator = roles["failsafe-recovery-restore"], roles["failsafe-recovery-operator"]
    assert account_of(dr, restore) == [RECOVERY] and account_of(dr, operator) == [RECOVERY]
    trust = json.loads(restore.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": ["backup.amazonaws.com"]}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": RECOVERY}}
    human = json.loads(operator.inputs["assumeRolePolicy"])["Statement"][0]
    assert human["Principal"] == {"AWS": f"arn:aws:iam::{RECOVERY}:root"}
    assert human["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert dr.outputs["recoveryRestoreRoleArn"] == f"arn:aws:iam::{RECOVERY}:role/failsafe-recovery-restore"
    assert dr.outputs["recoveryOperatorRoleArn"] == f"arn:aws:iam::{RECOVERY}:role/failsafe-recovery-operator"


def test_the_operator_tools_address_the_vault_and_roles_dr_exports() -> None:
    """failsafe-dr restores through :func:`airgap.shared_vault` without reading dr's state: its names must be the
    ones dr exports."""
    cfg = planning.stack_config("dr", AIR_GAP_ON)[1]
    shared = airgap.shared_vault(cfg.name_prefix, cfg.accounts.backup, cfg.dr_region, cfg.air_gap)
    outputs = plans()["dr"].outputs
    assert shared is not None
    assert (shared.name, shared.arn) == (outputs["airGappedVaultName"], outputs["airGappedVaultArn"])
    assert (shared.operator_role_arn, shared.restore_role_arn) == (
        outputs["recoveryOperatorRoleArn"],
        outputs["recoveryRestoreRoleArn"],
    )
    assert shared.list_request() == {"BackupVaultName": "failsafe-air-gapped", "BackupVaultAccountId": BACKUP}


# --- item 3: the access proofs ----------------------------------------------------------------------------------------


def prove(dr: harness.Plan | None = None) -> list[proofs.Outcome]:
    return proofs.prove(planning.stack_config("dr", AIR_GAP_ON)[1], {"dr": dr or plans()["dr"]})


def test_every_air_gap_path_resolves_and_holds_on_the_air_gapped_plan() -> None:
    outcomes = [o for o in prove() if o.entry in AIR_GAP]
    # the members' and strangers' entries resolve only in an estate with an organization's fleet
    expected = {e.id for e in AIR_GAP if fleet_ous() or not e.who.startswith(("member-", "outside-org", "other-ou"))}
    assert {o.entry.id for o in outcomes} == expected, "an air-gap entry resolves to no path"
    failing = [o.sentence() for o in outcomes if o.status != proofs.PROVEN]
    assert not failing, "\n".join(failing)


def test_the_restore_path_runs_from_the_recovery_account_through_the_share() -> None:
    restores = [o for o in prove() if o.entry.id == "recovery-operator-starts-restores-from-air-gapped-vault"]
    assert restores and all(RECOVERY in o.who and "RAM share" in o.reason for o in restores), [
        o.sentence() for o in restores
    ]


def without(plan: harness.Plan, type_: str) -> harness.Plan:
    seeded = copy.deepcopy(plan)
    seeded.resources = [r for r in seeded.resources if r.type != type_]
    return seeded


def test_without_the_principal_association_the_recovery_account_cannot_restore() -> None:
    outcomes = prove(without(plans()["dr"], SHARE_PRINCIPAL))
    failing = {o.entry.id for o in outcomes if o.status == proofs.FAILING}
    assert "recovery-operator-starts-restores-from-air-gapped-vault" in failing, failing
    assert "recovery-operator-reads-air-gapped-vault" in failing, failing


def test_without_the_vault_policys_deny_the_proofs_cannot_show_the_copies_undeletable() -> None:
    dr = copy.deepcopy(plans()["dr"])
    policy = named(dr, VAULT_POLICY, "air-gap-vault-policy")
    document = json.loads(policy.inputs["policy"])
    document["Statement"] = [s for s in document["Statement"] if s["Effect"] != "Deny"]
    policy.inputs["policy"] = json.dumps(document)
    failing = {o.entry.id for o in prove(dr) if o.status != proofs.PROVEN}
    assert "dr-deploy-cannot-delete-air-gapped-recovery-points" in failing, failing
    assert "break-glass-cannot-delete-air-gapped-recovery-points" in failing, failing


# --- item 3: config ---------------------------------------------------------------------------------------------------


def config(stack: str, **values: Any) -> dict[str, Any]:
    found = values_of(stack)
    found.update({"airGappedVault": "true", "recoveryAccountId": RECOVERY})
    found.update({k: v for k, v in values.items() if v is not None})
    for key in [k for k, v in values.items() if v is None]:
        found.pop(key, None)
    return found


@pytest.mark.parametrize(
    ("stack", "values", "key", "expected"),
    [
        (
            "dr",
            {"airGappedVaultKmsKeyArn": f"arn:aws:kms:{DR_REGION}:{BACKUP}:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "airGappedVaultKmsKeyArn",
            "a key of the backup account is disabled or deleted by whoever holds that account",
        ),
        (
            "dr",
            {"airGappedVaultKmsKeyArn": f"arn:aws:kms:{DR_REGION}:{PROD}:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "airGappedVaultKmsKeyArn",
            "a key of the prod account",
        ),
        ("dr", {"airGappedVaultKmsKeyArn": "alias/mine"}, "airGappedVaultKmsKeyArn", "empty (the AWS-owned key)"),
        ("dr", {"recoveryAccountId": None}, "recoveryAccountId", "the 12-digit account the air-gapped vault is shared"),
        ("dr", {"recoveryAccountId": BACKUP}, "recoveryAccountId", "an account other than backupAccountId"),
        ("prod", {"recoveryAccountId": PROD}, "recoveryAccountId", "an account other than prodAccountId"),
        ("dr", {"airGappedVaultMinRetentionDays": "6"}, "airGappedVaultMinRetentionDays", "AWS's minimum is 7"),
        (
            "dr",
            {"airGappedVaultMinRetentionDays": "30", "airGappedVaultMaxRetentionDays": "20"},
            "airGappedVaultMaxRetentionDays",
            "at least airGappedVaultMinRetentionDays (30)",
        ),
        (
            "prod",
            {"backupAirGappedCopyRetentionDays": "400"},
            "backupAirGappedCopyRetentionDays",
            "7-365 days, the air-gapped vault's",
        ),
        ("prod", {"backupOrganizationId": None}, "backupOrganizationId", "AWS Backup refuses cross-account copies"),
    ],
    ids=[
        "key-of-backup-account",
        "key-of-prod-account",
        "key-not-an-arn",
        "no-recovery-account",
        "recovery-is-backup",
        "recovery-is-prod",
        "min-below-aws-minimum",
        "max-below-min",
        "copy-outside-vault-retention",
        "no-organization",
    ],
)
def test_config_refuses_in_one_line_naming_the_key(stack: str, values: dict[str, Any], key: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_mapping(stack, config(stack, **values))
    message = str(caught.value)
    assert caught.value.key == key and expected in message and "\n" not in message, message


def test_a_bad_value_is_refused_while_the_vault_is_off_too() -> None:
    values = {**values_of("dr"), "airGappedVaultMinRetentionDays": "3"}
    with pytest.raises(ConfigError, match="airGappedVaultMinRetentionDays"):
        load_mapping("dr", values)


def test_a_key_of_another_account_in_the_dr_region_is_accepted() -> None:
    key = f"arn:aws:kms:{DR_REGION}:{RECOVERY}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert load_mapping("dr", config("dr", airGappedVaultKmsKeyArn=key)).air_gap.kms_key_arn == key


# --- item 4: check warns when critical data has no air-gapped copy ----------------------------------------------------


def critical(plan: harness.Plan) -> harness.Plan:
    """prod's plan with its backup plan marked critical (what backupCritical: true does), copying nowhere air-gapped."""
    seeded = copy.deepcopy(plan)
    one(seeded, BACKUP_PLAN).inputs["tags"] = {spec.CRITICAL_TAG_KEY: spec.CRITICAL_TAG_VALUE}
    return seeded


def test_check_warns_for_a_critical_plan_without_an_air_gapped_copy() -> None:
    found = air_gap_check.warnings([cached_plan("dr"), critical(cached_plan("prod"))], organization=True)
    assert len(found) == 1, found
    assert "backup plan failsafe-prod is marked critical" in found[0] and "airGappedVault: true" in found[0]


def test_check_is_silent_once_every_rule_copies_into_the_air_gapped_vault() -> None:
    assert air_gap_check.warnings([plans()["dr"], plans()["prod"]], organization=True) == []


def test_a_copy_into_a_vault_that_is_not_air_gapped_does_not_count() -> None:
    """The ARN decides, not the name: a copy action to the standard vault of the same name is no air-gapped copy."""
    prod = critical(plans()["prod"])  # copies into the air-gapped vault of the other plan, which is left out
    found = air_gap_check.warnings([cached_plan("dr"), prod], organization=True)
    assert len(found) == 1, found


def test_plans_not_marked_critical_and_estates_without_an_organization_get_no_warning() -> None:
    assert air_gap_check.warnings([cached_plan("dr"), cached_plan("prod")], organization=True) == []
    assert air_gap_check.warnings([cached_plan("dr"), critical(cached_plan("prod"))], organization=False) == []


def test_the_stack_warnings_of_prod_read_dr_and_prod_and_those_of_dr_are_none() -> None:
    seeded = {"dr": cached_plan("dr"), "prod": critical(cached_plan("prod"))}
    prod_cfg = planning.stack_config("prod")[1]
    assert len(air_gap_check.stack_warnings(prod_cfg, seeded.__getitem__)) == 1
    assert air_gap_check.stack_warnings(planning.stack_config("dr")[1], seeded.__getitem__) == []


# --- the pack: a vault keyed in its own account -----------------------------------------------------------------------

POLICY = "backup-air-gapped-vault-key-outside-its-account"
OWN_KEY = f"arn:aws:kms:{DR_REGION}:{BACKUP}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def provider(account: str | None) -> PolicyProviderResource:
    props = {"region": DR_REGION} | ({"allowedAccountIds": json.dumps([account])} if account else {})
    return PolicyProviderResource("pulumi:providers:aws", props, f"urn:provider:{account}", f"p-{account}")


def pack_resource(
    type_: str, name: str, props: dict[str, Any], account: str | None, deps: dict[str, Any] | None = None
) -> PolicyResource:
    return PolicyResource(
        type_,
        unknown_checking_proxy(props),
        f"urn:pulumi:dr::failsafe::{type_}::{name}",
        name,
        options(),
        provider(account),
        None,
        [],
        deps or {},
    )


@pytest.mark.parametrize(
    ("props", "account", "violates"),
    [
        ({}, BACKUP, False),
        ({"encryptionKeyArn": OWN_KEY}, BACKUP, True),
        ({"encryptionKeyArn": OWN_KEY.replace(BACKUP, RECOVERY)}, BACKUP, False),
        ({"encryptionKeyArn": OWN_KEY}, None, False),
    ],
    ids=["aws-owned-key", "key-of-its-own-account", "key-of-another-account", "provider-without-account"],
)
def test_the_pack_refuses_an_air_gapped_vault_keyed_in_its_own_account(
    props: dict[str, Any], account: str | None, violates: bool
) -> None:
    found = run_stack(POLICY, [pack_resource(AIR_GAPPED_VAULT_TYPE, "lag", props, account)])
    assert bool(found) is violates, found


def test_the_pack_follows_a_key_the_stack_creates_in_the_vaults_account() -> None:
    mine = pack_resource(KMS_KEY_TYPE, "lag-key", {}, BACKUP)
    theirs = pack_resource(KMS_KEY_TYPE, "lag-key", {}, RECOVERY)
    vault = pack_resource(
        AIR_GAPPED_VAULT_TYPE, "lag", {"encryptionKeyArn": UNKNOWN}, BACKUP, {"encryptionKeyArn": [mine]}
    )
    assert run_stack(POLICY, [mine, vault]) == [
        f"LogicallyAirGappedVault lag: its key is lag-key, created by this stack in the vault's own account {BACKUP}; "
        "whoever holds that account can disable or delete the key, and every backup in the vault becomes unreadable."
    ]
    vault = pack_resource(
        AIR_GAPPED_VAULT_TYPE, "lag", {"encryptionKeyArn": UNKNOWN}, BACKUP, {"encryptionKeyArn": [theirs]}
    )
    assert run_stack(POLICY, [theirs, vault]) == []


# --- item 3: the recovery model ---------------------------------------------------------------------------------------


def backup_lost(estate_plans: dict[str, harness.Plan]) -> Any:
    """The "backup account compromised or lost" cell of prod's AWS Backup store in the model of ``estate_plans``."""
    built = model.build(recovery_estate.from_plans(estate_plans, {"dr": "dr", "prod": "prod"}, None, ROOT, "prod"))
    (store,) = [s for s in built.stores if s.kind == "backup" and s.id.startswith("backup:RDS")]
    return store.cell(disruptions.BACKUP_LOST.id)


def test_the_recovery_model_counts_the_air_gapped_copy_for_a_lost_backup_account() -> None:
    cell = backup_lost(plans())
    assert cell.status.value == "unaffected", cell  # prod's own recovery points are untouched either way
    (note,) = cell.notes
    assert "air-gapped copies in failsafe-air-gapped" in note and "kept 90 days" in note, note
    assert f"account {RECOVERY} restores them through the RAM share" in note, note
    assert "multi-party approval" in note, "the limit of a RAM share (the owner can end it) must be said"


def test_without_the_air_gapped_copy_the_model_says_no_copy_survives_the_backup_account() -> None:
    cell = backup_lost({"dr": cached_plan("dr"), "prod": cached_plan("prod")})
    assert cell.notes == (
        "no copy survives the backup account: until it is rebuilt, prod's own vault holds the only recovery points "
        "(airGappedVault: docs/data-protection.md)",
    )


def test_an_air_gapped_vault_shared_with_no_account_is_said_to_be_restorable_only_by_its_owner() -> None:
    cell = backup_lost({"dr": without(plans()["dr"], SHARE_PRINCIPAL), "prod": plans()["prod"]})
    assert "shared with no account" in cell.notes[0], cell.notes


def test_check_prod_prints_the_warning_and_still_passes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Advisory: the exit code stays 0, the warning is one line. The pack and the proofs are answered empty here
    (they run on these plans in tests/tooling/test_policy_gate.py and test_access_proofs.py): this is the plumbing."""
    seeded = {"dr": cached_plan("dr"), "prod": critical(cached_plan("prod"))}
    monkeypatch.setattr(planning, "plan_stack", lambda stack, overrides=None: seeded[stack])
    monkeypatch.setattr(gate, "run", lambda stack: ([], {}))
    monkeypatch.setattr(gate, "access", lambda stack: [])
    assert gate.check("prod", json_output=False) == 0
    warned = [line for line in capsys.readouterr().out.splitlines() if line.startswith("warning: ")]
    assert len(warned) == 1 and "failsafe-prod is marked critical" in warned[0], warned


def test_verify_judges_the_newest_completed_point_per_resource_against_the_rpo() -> None:
    """:func:`airgap.newest_recovery_points` over ListRecoveryPointsByBackupVault pages (botocore's shape): a PARTIAL
    or EXPIRED point is never the newest good copy; the age is CreationDate's, which a copy keeps from its source."""
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    db, volume = "arn:aws:rds:eu-west-1:111111111111:db:app", "arn:aws:ec2:eu-west-1:111111111111:volume/vol-1"

    def point(resource: str, hours: float, status: str = "COMPLETED") -> dict[str, Any]:
        created = now - timedelta(hours=hours)
        return {
            "ResourceArn": resource,
            "RecoveryPointArn": f"rp-{resource[-3:]}-{hours}",
            "CreationDate": created,
            "Status": status,
        }

    pages = [
        {"RecoveryPoints": [point(db, 5), point(db, 1, "PARTIAL")]},
        {"RecoveryPoints": [point(db, 3), point(volume, 2)]},
    ]
    found = airgap.newest_recovery_points(pages, rpo_minutes=240, now=now)
    assert (found[db].recovery_point_arn, found[db].age_minutes, found[db].within_rpo) == ("rp-app-3", 180.0, True)
    assert airgap.newest_recovery_points(pages, rpo_minutes=120, now=now)[db].within_rpo is False
    assert set(found) == {db, volume}
