"""Access proofs over the real plans: every catalogued path holds on dr and prod; each defect the review found, seeded
back into a copy of the real plan, makes the path that guards it fail and say who, what, where and why; values unknown
at preview are reported as unknown, never as proven; `python -m failsafe check` carries the proofs."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from failsafe.tooling import gate, harness, planning
from failsafe.tooling.access import proofs
from failsafe.tooling.access.catalogue import AIR_GAP, CATALOGUE, markdown
from failsafe.tooling.access.evaluator import UNKNOWN
from tests.support.plans import ROOT, cached_plan, config_of

KEY = "aws:kms/key:Key"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROLE = "aws:iam/role:Role"


# The fixture estate's organization stack, when it has one (the example's fleet; acme and tiny have none).
ORG = "org" if (ROOT / "Pulumi.org.yaml").exists() else None


def plans_for(stack: str, org: bool = False, **seeded: harness.Plan) -> dict[str, harness.Plan]:
    """The plans the proofs of ``stack`` read (prod's need dr's), real unless ``seeded`` replaces one; with ``org``
    the organization's plan too (its SCPs and RCPs in force, as ``check`` proves), where the estate has one."""
    needed = ("dr", "prod") if stack == "prod" else ("dr",)
    if org and ORG is not None:
        needed += (ORG,)
    return {role: seeded.get(role) or cached_plan(role) for role in needed}


def prove(stack: str, org: bool = False, **seeded: harness.Plan) -> list[proofs.Outcome]:
    """The proofs of ``stack``; by default the resource and identity policies alone (no SCP or RCP in force), so a
    seeded defect in one is not hidden by the organization's guard policies."""
    return proofs.prove(config_of(stack), plans_for(stack, org, **seeded))


def not_holding(outcomes: list[proofs.Outcome]) -> list[str]:
    return [o.sentence() for o in outcomes if o.status != proofs.PROVEN]


# --- the catalogue ----------------------------------------------------------------------------------------------------


def test_catalogue_entries_are_unique_resolvable_and_documented() -> None:
    ids = [entry.id for entry in CATALOGUE]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    for entry in CATALOGUE:
        assert entry.who in proofs.SUBJECTS, f"{entry.id}: unknown subject {entry.who}"
        assert entry.on in proofs.TARGETS, f"{entry.id}: unknown target {entry.on}"
        assert entry.expect in ("required", "forbidden") and entry.stack in ("dr", "prod"), entry.id
        assert entry.actions and entry.doc and entry.why, f"{entry.id}: actions, doc and why are required"


def test_the_documented_catalogue_is_the_catalogue() -> None:
    text = (ROOT / "docs" / "access-proofs.md").read_text(encoding="utf-8")
    start, end = "<!-- catalogue:start -->\n", "\n<!-- catalogue:end -->"
    assert start in text and end in text, "docs/access-proofs.md lost its catalogue markers"
    documented = text.split(start, 1)[1].split(end, 1)[0]
    assert documented == markdown(), "docs/access-proofs.md: regenerate the table with catalogue.markdown()"


@pytest.mark.parametrize("stack", ["dr", "prod"])
def test_every_entry_of_the_stack_resolves_to_paths_on_the_real_plan(stack: str) -> None:
    """No entry may hold vacuously: each expands to at least one (who, action, resource) on the real plans."""
    outcomes = prove(stack)
    resolved = {o.entry.id for o in outcomes}
    # the air-gap entries resolve only with airGappedVault, which the example estate leaves off (tests/tooling/
    # test_air_gap.py proves them on the example planned with it)
    expected = {entry.id for entry in CATALOGUE if entry.stack == stack and entry not in AIR_GAP}
    assert resolved == expected, f"{stack}: entries without a single path: {sorted(expected - resolved)}"


# --- the real stacks --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dr", "prod"])
def test_every_catalogued_path_holds_on_the_real_stack(stack: str) -> None:
    """As ``check`` proves them: with the organization's SCPs and RCPs in force where the estate has an org stack
    (the planted open bucket policy is stopped by the RCP alone: tests/tooling/test_access_organizations.py)."""
    outcomes = prove(stack, org=True)
    failing = not_holding(outcomes)
    assert not failing, f"{stack}: {len(failing)} access path(s) do not hold:\n" + "\n".join(failing)
    assert len(outcomes) >= (60 if stack == "dr" else 20), f"{stack}: only {len(outcomes)} paths proven"


def test_previews_have_no_access_proofs() -> None:
    assert proofs.prove(config_of("pr-42"), {"preview": cached_plan("pr-42")}) == []


# --- seeded defects: each review finding, put back into a copy of the real plan, is caught ---------------------------


def resource(plan: harness.Plan, type_: str, name: str) -> harness.PlannedResource:
    found = [r for r in plan.resources if r.type == type_ and r.name == name]
    assert len(found) == 1, f"{plan.stack}: expected one {type_} named {name}, found {len(found)}"
    return found[0]


def edit_policy(r: harness.PlannedResource, key: str, change: Callable[[list[dict[str, Any]]], None]) -> None:
    document = json.loads(r.inputs[key])
    change(document["Statement"])
    r.inputs[key] = json.dumps(document)


def statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    found = [s for s in statements if s.get("Sid") == sid]
    assert len(found) == 1, f"no statement {sid} in {[s.get('Sid') for s in statements]}"
    return found[0]


def drop_actions(statements: list[dict[str, Any]], sid: str, *actions: str) -> None:
    s = statement(statements, sid)
    s["Action"] = [a for a in s["Action"] if a not in actions]


def replica_key_without_decrypt(dr: harness.Plan, prod: harness.Plan) -> None:
    edit_policy(
        resource(dr, KEY, "backup-key"),
        "policy",
        lambda ss: drop_actions(ss, "ProdReplicationRolesUseReplicaKey", "kms:Decrypt"),
    )


def replication_role_without_decrypt(dr: harness.Plan, prod: harness.Plan) -> None:
    edit_policy(
        resource(prod, ROLE_POLICY, "assets-replication-policy"),
        "policy",
        lambda ss: drop_actions(ss, "UseReplicaKey", "kms:Decrypt"),
    )


def replication_role_without_lock_reads(dr: harness.Plan, prod: harness.Plan) -> None:
    edit_policy(
        resource(prod, ROLE_POLICY, "uploads-replication-policy"),
        "policy",
        lambda ss: drop_actions(ss, "ReadSourceVersions", "s3:GetObjectRetention", "s3:GetObjectLegalHold"),
    )


def bucket_settings_deny_without_deploy_exemption(dr: harness.Plan, prod: harness.Plan) -> None:
    def change(ss: list[dict[str, Any]]) -> None:
        for s in ss:
            if s["Effect"] == "Deny" and "BucketSettings" in s.get("Sid", ""):
                s["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": dr.outputs["breakGlassRoleArn"]}}

    edit_policy(resource(dr, BUCKET_POLICY, "backup-archive-policy"), "policy", change)


KEY_RETIREMENT_DENIES = ("DenyKeyRetirementExceptBreakGlass", "DenyKeyRetirementWithoutMfa")


def root_gets_key_deletion_back(dr: harness.Plan, prod: harness.Plan) -> None:
    """The account root's kms:* without the Deny that keeps key retirement for break-glass with MFA."""

    def change(ss: list[dict[str, Any]]) -> None:
        for sid in KEY_RETIREMENT_DENIES:
            ss.remove(statement(ss, sid))

    edit_policy(resource(dr, KEY, "backup-key"), "policy", change)


def human_role_without_mfa(dr: harness.Plan, prod: harness.Plan) -> None:
    edit_policy(resource(dr, ROLE, "backup-auditor"), "assumeRolePolicy", lambda ss: [s.pop("Condition") for s in ss])


def replica_open_to_prod(dr: harness.Plan, prod: harness.Plan) -> None:
    def change(ss: list[dict[str, Any]]) -> None:
        ss[:] = [s for s in ss if s["Effect"] == "Allow"]
        grant = statement(ss, "ProdReplicationRoleWritesReplicas")
        grant["Action"], grant["Resource"] = "s3:*", [grant["Resource"].removesuffix("/*"), grant["Resource"]]

    edit_policy(resource(dr, BUCKET_POLICY, "backup-replica-assets-policy"), "policy", change)


def replica_bucket_missing(dr: harness.Plan, prod: harness.Plan) -> None:
    dr.resources[:] = [r for r in dr.resources if r.name != "backup-replica-uploads"]


def key_without_root_statement(dr: harness.Plan, prod: harness.Plan) -> None:
    """Removing the root statement (instead of denying retirement) leaves the key unmanageable by the deploy role."""
    edit_policy(
        resource(dr, KEY, "backup-key"), "policy", lambda ss: ss.remove(statement(ss, "BackupAccountAdministers"))
    )


def version_deletes_exempt_the_deploy_role(dr: harness.Plan, prod: harness.Plan) -> None:
    """The deploy role's exemption widened from bucket settings to destroying versions."""

    def change(ss: list[dict[str, Any]]) -> None:
        statement(ss, "DenyVersionDeletesExceptBreakGlass")["Condition"] = statement(
            ss, "DenyBucketSettingsExceptDeployAndBreakGlass"
        )["Condition"]
        statement(ss, "DenyVersionDeletesWithoutMfa")["Condition"] = statement(ss, "DenyBucketSettingsWithoutMfa")[
            "Condition"
        ]

    edit_policy(resource(dr, BUCKET_POLICY, "backup-replica-uploads-policy"), "policy", change)


def vault_policy_without_delete_deny(dr: harness.Plan, prod: harness.Plan) -> None:
    edit_policy(
        resource(dr, "aws:backup/vaultPolicy:VaultPolicy", "backup-vault-policy"),
        "policy",
        lambda ss: ss.remove(statement(ss, "NoRecoveryPointDeletes")),
    )


def notice_permission_without_source(dr: harness.Plan, prod: harness.Plan) -> None:
    resource(dr, "aws:lambda/permission:Permission", "recovery-copier-notices").inputs.pop("sourceArn")


def restore_operator_without_decrypt(dr: harness.Plan, prod: harness.Plan) -> None:
    edit_policy(
        resource(dr, ROLE_POLICY, "backup-restore-operator-policy"),
        "policy",
        lambda ss: drop_actions(ss, "DecryptBackups", "kms:Decrypt"),
    )


def restore_operator_without_pass_role(dr: harness.Plan, prod: harness.Plan) -> None:
    """The restore-operator policy as it was before issue 17: no iam:PassRole, so no Backup restore could start."""
    edit_policy(
        resource(dr, ROLE_POLICY, "backup-restore-operator-policy"),
        "policy",
        lambda ss: ss.remove(statement(ss, "PassRestoreRoleToBackup")),
    )


def restore_operator_passes_restore_role_anywhere(dr: harness.Plan, prod: harness.Plan) -> None:
    edit_policy(
        resource(dr, ROLE_POLICY, "backup-restore-operator-policy"),
        "policy",
        lambda ss: statement(ss, "PassRestoreRoleToBackup").pop("Condition"),
    )


def restore_operator_exempt_from_version_deletes(dr: harness.Plan, prod: harness.Plan) -> None:
    """The restore operator added to the break-glass exemption (with MFA it would then pass both denies)."""

    def change(ss: list[dict[str, Any]]) -> None:
        deny = statement(ss, "DenyVersionDeletesExceptBreakGlass")
        operator = dr.outputs["restoreRoleArn"]
        deny["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": [dr.outputs["breakGlassRoleArn"], operator]}}
        ss.append({"Sid": "Seeded", "Effect": "Allow", "Action": "s3:*", "Resource": deny["Resource"]})

    for r in dr.by_type(BUCKET_POLICY):
        edit_policy(r, "policy", change)
    edit_policy(
        resource(dr, ROLE_POLICY, "backup-restore-operator-policy"),
        "policy",
        lambda ss: statement(ss, "ReadReplicasAndArchive").update(Action="s3:*"),
    )


def replica_without_prod_restore_grant(dr: harness.Plan, prod: harness.Plan) -> None:
    """The replica policy before issue 17: a restore into prod's account could not read the versions it copies."""
    edit_policy(
        resource(dr, BUCKET_POLICY, "backup-replica-assets-policy"),
        "policy",
        lambda ss: ss.remove(statement(ss, "ProdRestoreRolesReadVersions")),
    )


# (seed, stack whose check must catch it, entry that fails, what its reason must say)
SEEDS = [
    (replica_key_without_decrypt, "dr", "replica-key-admits-prod-replication", "key policy of backup-key has no Allow"),
    (replica_key_without_decrypt, "prod", "replication-uses-replica-key", "key policy of backup-key has no Allow"),
    (replication_role_without_decrypt, "prod", "replication-uses-replica-key", "no Allow in the identity policies"),
    (replication_role_without_lock_reads, "prod", "replication-reads-source", "no Allow in the identity policies"),
    (
        bucket_settings_deny_without_deploy_exemption,
        "dr",
        "dr-deploy-manages-locked-buckets",
        "explicit Deny in bucket policy backup-archive-policy statement DenyBucketSettingsExceptDeployAndBreakGlass",
    ),
    (root_gets_key_deletion_back, "dr", "dr-deploy-cannot-retire-backup-key", "BackupAccountAdministers"),
    (root_gets_key_deletion_back, "dr", "break-glass-without-mfa-cannot-retire-backup-key", "allowed by key policy"),
    (human_role_without_mfa, "dr", "people-without-mfa-cannot-assume-human-roles", "trust policy of backup-auditor"),
    (human_role_without_mfa, "dr", "people-with-mfa-false-cannot-assume-human-roles", "trust policy of backup-auditor"),
    (replica_open_to_prod, "dr", "prod-cannot-destroy-replica-versions", "ProdReplicationRoleWritesReplicas"),
    (replica_open_to_prod, "dr", "prod-cannot-change-replica-settings", "ProdReplicationRoleWritesReplicas"),
    (replica_bucket_missing, "dr", "dr-deploy-manages-locked-buckets", "is not in the dr plan"),
    (key_without_root_statement, "dr", "dr-deploy-manages-backup-key", "KMS key policy key policy of backup-key"),
    (version_deletes_exempt_the_deploy_role, "dr", "dr-deploy-cannot-destroy-locked-versions", "allowed by"),
    (vault_policy_without_delete_deny, "dr", "dr-deploy-cannot-delete-recovery-points", "allowed by"),
    (notice_permission_without_source, "dr", "lookalike-sources-cannot-invoke-functions", "recovery-copier-notices"),
    (restore_operator_without_decrypt, "dr", "restore-operator-decrypts-backups", "key policy of backup-key delegates"),
    (
        restore_operator_without_pass_role,
        "dr",
        "restore-operator-passes-restore-role-to-backup",
        "no Allow in the identity policies",
    ),
    (
        restore_operator_passes_restore_role_anywhere,
        "dr",
        "restore-operator-cannot-pass-restore-role-elsewhere",
        "allowed by",
    ),
    (restore_operator_exempt_from_version_deletes, "dr", "restore-operator-cannot-destroy-backups", "allowed by"),
    (replica_without_prod_restore_grant, "dr", "prod-restore-role-reads-replica-versions", "backup-replica-assets"),
]


@pytest.mark.parametrize(
    ("seed", "stack", "entry", "reason"), SEEDS, ids=[f"{s.__name__}-{st}-{e}" for s, st, e, _ in SEEDS]
)
def test_seeded_defect_fails_the_path_that_guards_it(seed: Callable, stack: str, entry: str, reason: str) -> None:
    dr, prod = copy.deepcopy(cached_plan("dr")), copy.deepcopy(cached_plan("prod"))
    seed(dr, prod)
    outcomes = prove(stack, dr=dr, prod=prod)
    failing = [o for o in outcomes if o.entry.id == entry and o.status == proofs.FAILING]
    assert failing, f"{stack}: seeding {seed.__name__} did not fail {entry}; open paths:\n" + "\n".join(
        not_holding(outcomes)
    )
    assert all(reason in o.reason for o in failing), [o.reason for o in failing]
    sentence = failing[0].sentence()
    assert entry in sentence and failing[0].action in sentence and failing[0].resource in sentence, sentence
    real = {o.entry.id for o in prove(stack) if o.status != proofs.PROVEN}
    assert entry not in real, f"{entry} fails on the real plan too: the seed proves nothing"


# --- unknown at preview -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dr", "prod"])
def test_values_unknown_at_preview_are_reported_unknown_never_proven(stack: str) -> None:
    plans = {"dr": cached_plan("dr", preview=(stack == "dr"))}
    if stack == "prod":
        plans["prod"] = cached_plan("prod", preview=True)
    outcomes = proofs.prove(config_of(stack), plans)
    unknown = [o for o in outcomes if o.status == proofs.UNKNOWN]
    assert unknown, f"{stack}: no path depends on a value unknown at preview"
    assert all(o.decision == "unknown" and o.reason.startswith("unknown:") for o in unknown)
    # a bucket policy is built from the bucket's ARN, unknown before the bucket exists: it can prove nothing yet
    entry = "dr-deploy-manages-locked-buckets" if stack == "dr" else "replication-writes-replica"
    assert {o.status for o in outcomes if o.entry.id == entry} == {proofs.UNKNOWN}
    assert not [o for o in outcomes if o.status == proofs.FAILING], not_holding(outcomes)


def test_an_unknown_policy_document_is_never_a_pass() -> None:
    dr = copy.deepcopy(cached_plan("dr"))
    resource(dr, KEY, "backup-key").inputs["policy"] = UNKNOWN
    outcomes = prove("dr", dr=dr)
    on_key = [o for o in outcomes if o.entry.on == "dr-backup-key"]
    assert on_key and all(o.status == proofs.UNKNOWN for o in on_key), [o.sentence() for o in on_key]


# --- `python -m failsafe check` ---------------------------------------------------------------------------------------


@pytest.fixture()
def planned(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Make `check` plan ``dr`` (and ``prod``) as given instead of running the program."""

    def use(**plans: harness.Plan) -> None:
        monkeypatch.setattr(
            planning, "plan_stack", lambda stack, overrides=None: plans.get(stack) or cached_plan(stack)
        )

    return use


def test_check_reports_a_failing_path_with_who_what_where_and_why(
    planned: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    """The key policy loses its retirement Denies. Where the estate has an organization its guard SCP denies key
    retirement too (defence in depth: the path would still hold), so the org plan is checked without its SCPs and
    the key policy alone decides, as in an estate without an organization."""
    dr = copy.deepcopy(cached_plan("dr"))
    root_gets_key_deletion_back(dr, cached_plan("prod"))
    seeded = {"dr": dr}
    if ORG is not None:
        org = copy.deepcopy(cached_plan(ORG))
        org.resources[:] = [r for r in org.resources if r.inputs.get("type") != "SERVICE_CONTROL_POLICY"]
        seeded[ORG] = org
    planned(**seeded)
    assert gate.check("dr", json_output=False) == 1
    out = capsys.readouterr().out
    line = next((x for x in out.splitlines() if "dr-deploy-cannot-retire-backup-key" in x), "")
    assert "failsafe-deploy" in line and "kms:ScheduleKeyDeletion" in line and dr.outputs["replicaKmsKeyArn"] in line
    assert "BackupAccountAdministers" in line, out
    assert "failing" in out.splitlines()[-1], out.splitlines()[-1]


def test_check_json_carries_the_proofs_under_access(
    planned: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    dr = copy.deepcopy(cached_plan("dr"))
    replica_key_without_decrypt(dr, cached_plan("prod"))
    planned(dr=dr)
    assert gate.check("dr", json_output=True) == 1
    report = json.loads(capsys.readouterr().out)
    access = report["access"]
    assert access["failing"] >= 1 and access["proven"] > 0 and access["unknown"] == 0, access
    failing = [p for p in access["paths"] if p["status"] == "failing"]
    assert {p["id"] for p in failing} == {"replica-key-admits-prod-replication"}, failing
    assert all(p["action"] == "kms:Decrypt" and p["who"] and p["resource"] and p["reason"] for p in failing)


def test_check_of_real_prod_proves_the_cross_stack_paths(
    planned: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    planned()
    assert gate.check("prod", json_output=True) == 0
    access = json.loads(capsys.readouterr().out)["access"]
    ids = {p["id"] for p in access["paths"] if p["status"] == "proven"}
    assert {"replication-writes-replica", "replication-uses-replica-key"} <= ids, ids
    assert access["failing"] == access["unknown"] == 0


def test_check_counts_unknown_paths_as_not_holding(
    planned: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    planned(dr=cached_plan("dr", preview=True))
    assert gate.check("dr", json_output=False) == 1
    out = capsys.readouterr().out
    assert "may or may not" in out and "unknown:" in out, out
    summary = out.splitlines()[-1]
    assert "0 failing" in summary and "unknown" in summary and " 0 unknown" not in summary, summary


def test_check_reports_a_policy_that_is_not_json(
    planned: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    """A bucket policy that is not JSON cannot be proven either way: its paths are unknown (check exits 1) and say
    why, naming the policy; every other path is still proven."""
    dr = copy.deepcopy(cached_plan("dr"))
    resource(dr, BUCKET_POLICY, "backup-archive-policy").inputs["policy"] = '{"Statement": ['
    planned(dr=dr)
    assert gate.check("dr", json_output=False) == 1
    out = capsys.readouterr().out
    unknown = [line for line in out.splitlines() if "may or may not" in line]
    assert unknown and all("backup-archive-policy" in line and "not JSON" in line for line in unknown), out
    summary = out.splitlines()[-1]
    assert " 0 failing" in summary and " 0 proven" not in summary and " 0 unknown" not in summary, summary


def path(outcome: proofs.Outcome) -> tuple[str, str, str, str]:
    return (outcome.entry.id, outcome.who, outcome.action, outcome.resource)


def test_no_policy_document_of_a_plan_stops_the_proofs_of_the_others() -> None:
    """Issue 22: one malformed document (text that is not JSON on the archive bucket) and one malformed condition
    value (an ArnNotEquals value that is no ARN, IAM User Guide: ARN condition operators) planted in the real dr plan:
    every path of the stack is still evaluated; those that the planted policies could decide are unknown, never a
    pass; every other path keeps the outcome it has on the real plan."""
    real = {path(o): o.status for o in prove("dr")}
    dr = copy.deepcopy(cached_plan("dr"))
    resource(dr, BUCKET_POLICY, "backup-archive-policy").inputs["policy"] = '{"Statement": ['

    def garble(statements: list[dict[str, Any]]) -> None:
        statement(statements, "NoRecoveryPointDeletes")["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] = "glass"

    edit_policy(resource(dr, "aws:backup/vaultPolicy:VaultPolicy", "backup-vault-policy"), "policy", garble)
    planted = prove("dr", dr=dr)
    assert {path(o) for o in planted} == set(real), "the planted plan must be proven path for path"
    archive = f"arn:aws:s3:::{config_of('dr').archive_bucket_name}"
    changed = {path(o): o for o in planted if o.status != real[path(o)]}
    assert changed, "the planted documents changed nothing: the test proves nothing"
    for outcome in changed.values():
        assert outcome.status == proofs.UNKNOWN, outcome.sentence()
        assert outcome.resource.startswith(archive) or ":recovery-point:" in outcome.resource, outcome.sentence()
    on_vault = [o for o in changed.values() if ":recovery-point:" in o.resource]
    assert on_vault and all("'glass' is not an ARN" in o.reason for o in on_vault), [o.reason for o in on_vault]
    assert any(o.resource.startswith(archive) for o in changed.values())
