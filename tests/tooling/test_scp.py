"""The SCP shipped for the backup account (policies/scp/backup-account-guard.json) does what docs/access-proofs.md
says an account cannot do for itself, and breaks nothing the estate needs. Judged with AWS's evaluation logic: an
SCP is evaluated beside the organization's FullAWSAccess, and its Deny wins over any Allow in the account
(IAM User Guide, "Policy evaluation logic": SCPs; AWS Organizations User Guide, "SCP evaluation")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from failsafe.tooling import scp
from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate
from tests.support.plans import ROOT, config_of

CFG = config_of("dr")
BACKUP = CFG.accounts.backup
KEY = f"arn:aws:kms:{CFG.dr_region}:{BACKUP}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VAULT = f"arn:aws:backup:{CFG.dr_region}:{BACKUP}:backup-vault:{CFG.name_prefix}-vault"
FULL_ACCESS = Policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "")
ADMIN = Policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "AdministratorAccess",
)


def role(name: str) -> Principal:
    return Principal(arn=CFG.role_arn(BACKUP, name), account=BACKUP)


BREAK_GLASS = role(f"{CFG.name_prefix}-break-glass")
DEPLOY = role(CFG.deploy_role_name)
OTHER_ADMIN = role("SomeAdmin")


# KMS needs the key policy too: the account-root statement that lets IAM policies apply (the backup key has it)
ROOT_KEY_POLICY = Policy(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{BACKUP}:root"}, "Action": "kms:*", "Resource": "*"}
        ],
    },
    "key policy (account root)",
)


def decide(who: Principal, action: str, resource: str, mfa: bool) -> Decision:
    guard = Policy(scp.render(CFG), "SCP backup-account-guard")
    request = Request(who, action, resource, BACKUP, {"aws:MultiFactorAuthPresent": mfa})
    key_policy = [ROOT_KEY_POLICY] if resource.startswith("arn:aws:kms:") else []
    return evaluate(request, identity=[ADMIN], resource=key_policy, scp=[FULL_ACCESS, guard]).decision


@pytest.mark.parametrize(
    ("who", "action", "resource", "mfa", "expected"),
    [
        # what no admin of the account may do, whatever its IAM policies say
        (OTHER_ADMIN, "kms:ScheduleKeyDeletion", KEY, True, Decision.DENY),
        (DEPLOY, "kms:ScheduleKeyDeletion", KEY, False, Decision.DENY),
        (DEPLOY, "kms:DisableKey", KEY, False, Decision.DENY),
        (BREAK_GLASS, "kms:ScheduleKeyDeletion", KEY, False, Decision.DENY),  # break-glass without MFA
        (OTHER_ADMIN, "backup:DeleteRecoveryPoint", VAULT, True, Decision.DENY),
        (OTHER_ADMIN, "backup:DeleteBackupVaultLockConfiguration", VAULT, True, Decision.DENY),
        (DEPLOY, "s3:DeleteObjectVersion", "arn:aws:s3:::replica/key", False, Decision.DENY),
        (OTHER_ADMIN, "iam:UpdateAssumeRolePolicy", BREAK_GLASS.arn, True, Decision.DENY),
        (OTHER_ADMIN, "iam:AttachRolePolicy", DEPLOY.arn, True, Decision.DENY),
        (DEPLOY, "organizations:LeaveOrganization", "*", False, Decision.DENY),
        # what must keep working
        (BREAK_GLASS, "kms:ScheduleKeyDeletion", KEY, True, Decision.ALLOW),
        (BREAK_GLASS, "backup:DeleteRecoveryPoint", VAULT, True, Decision.ALLOW),
        (DEPLOY, "kms:PutKeyPolicy", KEY, False, Decision.ALLOW),  # Pulumi manages the key policy
        (DEPLOY, "backup:PutBackupVaultAccessPolicy", VAULT, False, Decision.ALLOW),
        (DEPLOY, "s3:PutBucketPolicy", "arn:aws:s3:::replica", False, Decision.ALLOW),
        (DEPLOY, "iam:PutRolePolicy", BREAK_GLASS.arn, False, Decision.ALLOW),  # the stack manages break-glass
        (OTHER_ADMIN, "iam:PutRolePolicy", CFG.role_arn(BACKUP, "unrelated"), True, Decision.ALLOW),
    ],
)
def test_the_scp_denies_what_an_account_admin_could_otherwise_do_and_nothing_the_estate_needs(
    who: Principal, action: str, resource: str, mfa: bool, expected: Decision
) -> None:
    assert decide(who, action, resource, mfa) is expected


def test_the_scp_names_the_estates_roles_and_fits_the_organizations_quota() -> None:
    text = json.dumps(scp.render(CFG))
    assert "${" not in text and BREAK_GLASS.arn in text and DEPLOY.arn in text
    assert len(json.dumps(scp.render(CFG), separators=(",", ":"))) <= scp.SCP_MAX_CHARACTERS


def test_a_placeholder_without_a_value_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    template = tmp_path / "scp.json"
    template.write_text('{"Statement": [{"Resource": "${nobodyKnowsThis}"}]}')
    with pytest.raises(ValueError, match="nobodyKnowsThis"):
        scp.render(CFG, template)


def test_python_dash_m_failsafe_scp_prints_it() -> None:
    done = subprocess.run([sys.executable, "-m", "failsafe", "scp", "dr"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == scp.render(CFG)
