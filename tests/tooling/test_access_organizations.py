"""AWS Organizations' SCPs and RCPs in the evaluator, from the documentation's rules and examples.

Sources: AWS Organizations User Guide, "Resource control policies (RCPs)" (orgs_manage_policies_rcps.md: "RCP effects
on permissions", "Resources and entities not restricted by RCPs", "List of AWS services that support RCPs"), "RCP
evaluation", "RCP syntax", "Service control policies (SCPs)" ("SCP effects on permissions") and "SCP evaluation"; IAM
User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access" (where RCPs and SCPs sit); the
data-perimeter examples of aws-samples/data-perimeter-policy-examples (``resource_control_policies/
identity_perimeter_rcp.json`` at commit 8e0d3c5: statements EnforceOrgIdentities, EnforceTrustedOIDCTenants,
EnforceConfusedDeputyProtection), written here in the same shape with this test's accounts."""

from __future__ import annotations

from typing import Any

import pytest

from failsafe.tooling.access.evaluator import (
    Decision,
    Organization,
    Policy,
    Principal,
    Request,
    evaluate,
    evaluate_assume_role,
)

ORG = "o-exampleorgid"
MGMT = "333333333333"  # the management account
A = "111111111111"  # a member account (the workload)
B = "222222222222"  # a member account (the backups)
OUTSIDE = "444444444444"  # an account of another organization
BUCKET = "arn:aws:s3:::backup-replica"
OBJECT = f"{BUCKET}/db.dump"
MGMT_OBJECT = "arn:aws:s3:::management-logs/x"
KEY = f"arn:aws:kms:eu-central-1:{B}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_B = f"arn:aws:iam::{B}:role/restore"
GITHUB = "token.actions.githubusercontent.com"

RCP_DOC = "AWS Organizations User Guide, Resource control policies (RCPs)"
EXAMPLES = "aws-samples/data-perimeter-policy-examples, resource_control_policies/identity_perimeter_rcp.json"


def doc(*statements: dict[str, Any], source: str) -> Policy:
    return Policy({"Version": "2012-10-17", "Statement": list(statements)}, source)


# The identity perimeter, in the shape of the examples' identity_perimeter_rcp.json.
PERIMETER = doc(
    {
        "Sid": "EnforceOrgIdentities",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:*", "sts:AssumeRole", "kms:*"],
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    },
    {
        "Sid": "EnforceTrustedOIDCTenants",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Resource": "*",
        "Condition": {
            "StringNotLikeIfExists": {f"{GITHUB}:sub": "repo:example-org/*"},
            "Null": {f"{GITHUB}:sub": "false"},
        },
    },
    {
        "Sid": "EnforceConfusedDeputyProtection",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:*", "sts:*", "kms:*"],
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:SourceOrgID": ORG},
            "Null": {"aws:SourceAccount": "false"},
            "Bool": {"aws:PrincipalIsAWSService": "true"},
        },
    },
    source="RCP identity-perimeter",
)
FULL_ACCESS = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, source="RCPFullAWSAccess")
ORGANIZATION = Organization(
    ORG, MGMT, frozenset({MGMT, A, B}), rcps={B: ((FULL_ACCESS,), (FULL_ACCESS, PERIMETER)), MGMT: ((PERIMETER,),)}
)

# A bucket policy that a mistake opened to the outside account, and one for a service.
OPEN_BUCKET = doc(
    {
        "Sid": "Oops",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"},
        "Action": "s3:*",
        "Resource": f"{BUCKET}/*",
    },
    {
        "Sid": "Members",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    },
    {
        "Sid": "Trail",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{BUCKET}/*",
    },
    source="bucket policy",
)
ALL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"}, source="identity")


def get(principal: Principal, resource: str = OBJECT, account: str = B, **context: Any) -> Request:
    return Request(principal, "s3:GetObject", resource, account, context)


# --- RCPs: a cap, never a grant ---------------------------------------------------------------------------------


def test_an_rcp_never_grants() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs), "RCP effects on permissions": "an RCP never
    grants permissions"; RCP evaluation: RCPFullAWSAccess "does not grant access". With only RCPs allowing
    everything, a caller without an Allow elsewhere is refused."""
    stranger = Principal(f"arn:aws:iam::{A}:role/none", A)
    result = evaluate(get(stranger), rcp=[FULL_ACCESS])
    assert result.decision is Decision.IMPLICIT_DENY, result
    assert evaluate(get(stranger), organization=ORGANIZATION).decision is Decision.IMPLICIT_DENY


def test_an_outside_caller_a_bucket_policy_admits_is_denied_by_the_perimeter_rcp() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs), "RCP effects on permissions": "consider an
    Amazon S3 bucket that's owned by Account A in an organization. The bucket policy ... grants access to users from
    Account B outside the organization. Account A has an RCP attached. That RCP applies to the S3 bucket in Account
    A even when accessed by users from Account B." No SCP is in play: the outside caller's organization is not ours.
    aws-samples/data-perimeter-policy-examples, resource_control_policies/identity_perimeter_rcp.json:
    EnforceOrgIdentities."""
    outsider = Principal(f"arn:aws:iam::{OUTSIDE}:role/attacker", OUTSIDE)
    assert evaluate(get(outsider), identity=[ALL], resource=[OPEN_BUCKET]).decision is Decision.ALLOW
    result = evaluate(get(outsider), identity=[ALL], resource=[OPEN_BUCKET], organization=ORGANIZATION)
    assert result.decision is Decision.DENY, result
    assert result.reason == "explicit Deny in RCP identity-perimeter statement EnforceOrgIdentities", result.reason


def test_a_member_account_caller_passes_the_perimeter() -> None:
    """aws:PrincipalOrgID is in the request of an IAM principal of a member account (IAM User Guide, AWS global
    condition context keys), so EnforceOrgIdentities does not apply and the bucket policy decides."""
    member = Principal(f"arn:aws:iam::{A}:role/restore", A)
    assert evaluate(get(member), identity=[ALL], resource=[OPEN_BUCKET], organization=ORGANIZATION).decision is (
        Decision.ALLOW
    )


def test_rcps_cap_root_users_too() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs), "RCP effects on permissions": RCPs affect
    principals "regardless of whether the principals belong to the same organizations or not. This includes root
    users.\""""
    outside_root = Principal(f"arn:aws:iam::{OUTSIDE}:root", OUTSIDE)
    result = evaluate(get(outside_root), resource=[OPEN_BUCKET], organization=ORGANIZATION)
    assert result.decision is Decision.DENY, result


def test_rcps_cap_aws_service_principals_acting_for_another_organization() -> None:
    """aws-samples/data-perimeter-policy-examples, resource_control_policies/identity_perimeter_rcp.json:
    EnforceConfusedDeputyProtection denies a service principal acting for a source account outside the organization
    (aws:SourceOrgID: "the organization ID of the resource making a service-to-service request", IAM User Guide, AWS
    global condition context keys); the same service acting for a member account passes."""
    trail = Principal("", "", service="cloudtrail.amazonaws.com")
    put = Request(trail, "s3:PutObject", OBJECT, B, {"aws:SourceAccount": A})
    assert evaluate(put, resource=[OPEN_BUCKET], organization=ORGANIZATION).decision is Decision.ALLOW
    foreign = Request(trail, "s3:PutObject", OBJECT, B, {"aws:SourceAccount": OUTSIDE})
    result = evaluate(foreign, resource=[OPEN_BUCKET], organization=ORGANIZATION)
    assert result.decision is Decision.DENY and "EnforceConfusedDeputyProtection" in result.reason, result


def test_rcps_cap_web_identity_callers() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs), "RCP effects on permissions" (principals
    "regardless of whether [they] belong to the same organizations"); aws-samples/data-perimeter-policy-examples,
    resource_control_policies/identity_perimeter_rcp.json, EnforceTrustedOIDCTenants: sts:AssumeRoleWithWebIdentity
    from another tenant of a multi-tenant provider is denied; federated callers carry no aws:PrincipalOrgID, so the
    examples leave sts:AssumeRoleWithWebIdentity out of EnforceOrgIdentities and CI of our tenant keeps its role."""
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{B}:oidc-provider/{GITHUB}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {f"{GITHUB}:sub": "repo:*"}},
        },
        source="trust",
    )
    ci = Principal("", "", federated=GITHUB)

    def assume(sub: str) -> Decision:
        request = Request(ci, "sts:AssumeRoleWithWebIdentity", ROLE_B, B, {f"{GITHUB}:sub": sub})
        return evaluate_assume_role(request, trust, organization=ORGANIZATION).decision

    assert assume("repo:example-org/failsafe:ref:refs/heads/main") is Decision.ALLOW
    assert assume("repo:someone-else/fork:pull_request") is Decision.DENY


def test_rcps_cap_assume_role_from_outside_the_organization() -> None:
    """aws-samples/data-perimeter-policy-examples, resource_control_policies/identity_perimeter_rcp.json:
    EnforceOrgIdentities lists sts:AssumeRole: a trust policy that admits an outside account is capped on the role's
    account."""
    trust = doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"}, "Action": "sts:AssumeRole"},
        source="trust",
    )
    outsider = Principal(f"arn:aws:iam::{OUTSIDE}:role/ci", OUTSIDE)
    request = Request(outsider, "sts:AssumeRole", ROLE_B, B)
    assert evaluate_assume_role(request, trust, identity=[ALL]).decision is Decision.ALLOW
    assert evaluate_assume_role(request, trust, identity=[ALL], organization=ORGANIZATION).decision is Decision.DENY


# --- where RCPs do not apply ------------------------------------------------------------------------------------


def test_rcps_do_not_apply_to_service_linked_roles() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs), "Resources and entities not restricted by
    RCPs": "RCPs do not impact the effective permissions of any service-linked role." An RCP denying every
    s3:GetObject stops a role, not the service-linked role."""
    blanket = doc(
        {"Sid": "NoReads", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
        source="RCP no-reads",
    )
    org = Organization(ORG, MGMT, frozenset({MGMT, A, B}), rcps={B: ((blanket,),)})
    role = Principal(f"arn:aws:iam::{B}:role/reader", B)
    linked = Principal(
        f"arn:aws:iam::{B}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup", B, service_linked=True
    )
    assert evaluate(get(role), identity=[ALL], organization=org).decision is Decision.DENY
    assert evaluate(get(linked), identity=[ALL], organization=org).decision is Decision.ALLOW
    assert evaluate(get(linked), identity=[ALL], rcp=[blanket]).decision is Decision.ALLOW


def test_rcps_do_not_affect_resources_in_the_management_account() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs): "RCPs don't affect resources in the
    management account. They only affect resources in the member accounts within your organization." The perimeter
    is attached above the management account in this organization, and still does not cap its bucket."""
    outsider = Principal(f"arn:aws:iam::{OUTSIDE}:role/partner", OUTSIDE)
    open_mgmt = doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"}, "Action": "s3:*", "Resource": "*"},
        source="management bucket policy",
    )
    request = get(outsider, MGMT_OBJECT, MGMT)
    assert evaluate(request, identity=[ALL], resource=[open_mgmt], organization=ORGANIZATION).decision is (
        Decision.ALLOW
    )


def test_rcps_do_not_affect_resources_outside_the_organization() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs), "RCP effects on permissions": "They don't
    affect resources from accounts outside the organization.\""""
    member = Principal(f"arn:aws:iam::{B}:role/restore", B)
    theirs = doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "s3:*", "Resource": "*"},
        source="their bucket policy",
    )
    request = get(member, "arn:aws:s3:::partner-bucket/x", OUTSIDE)
    assert evaluate(request, identity=[ALL], resource=[theirs], organization=ORGANIZATION).decision is Decision.ALLOW


def test_rcps_do_not_apply_to_aws_managed_kms_keys_nor_to_retire_grant() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs), "Resources and entities not restricted by
    RCPs": "RCPs do not apply to AWS managed keys for AWS Key Management Service" and "RCPs do not impact the
    kms:RetireGrant permission"; AWS KMS Developer Guide, "Resource control policies in AWS KMS": "Resource control
    policies in your organization do not apply to AWS managed keys.\""""
    outsider = Principal(f"arn:aws:iam::{OUTSIDE}:role/partner", OUTSIDE)
    key_policy = doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"}, "Action": "kms:*", "Resource": "*"},
        source="key policy",
    )

    def decide(action: str, managed: bool) -> Decision:
        request = Request(outsider, action, KEY, B, aws_managed_key=managed)
        return evaluate(request, identity=[ALL], resource=[key_policy], organization=ORGANIZATION).decision

    assert decide("kms:Decrypt", managed=False) is Decision.DENY
    assert decide("kms:Decrypt", managed=True) is Decision.ALLOW
    assert decide("kms:RetireGrant", managed=False) is Decision.ALLOW


def test_an_rcp_statement_for_a_service_not_on_the_documented_list_is_unknown() -> None:
    """AWS Organizations User Guide, Resource control policies (RCPs), "List of AWS services that support RCPs":
    RCPs apply to actions of the listed services. The list grows (the examples name services the page did not); an
    RCP Deny that would match an action of an unlisted service (AWS Backup here) is not assumed to be outside it."""
    everything = doc(
        {"Sid": "Freeze", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}, source="RCP freeze"
    )
    member = Principal(f"arn:aws:iam::{B}:role/operator", B)
    vault = f"arn:aws:backup:eu-central-1:{B}:recovery-point:x"
    result = evaluate(Request(member, "backup:DeleteRecoveryPoint", vault, B), identity=[ALL], rcp=[everything])
    assert result.decision is Decision.UNKNOWN and "whether RCPs apply to backup actions" in result.reason, result
    assert evaluate(get(member), identity=[ALL], rcp=[everything]).decision is Decision.DENY


# --- RCP syntax -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
            },
            "the effect of Allow is only supported for the RCPFullAWSAccess policy",
        ),
        (
            {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "s3:*", "Resource": "*"},
            "RCPs do not support NotPrincipal",
        ),
        (
            {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"}, "Action": "s3:*", "Resource": "*"},
            'an RCP statement takes Principal "*"',
        ),
    ],
    ids=["allow", "not-principal", "named-principal"],
)
def test_a_statement_outside_the_rcp_syntax_is_unknown(statement: dict[str, Any], why: str) -> None:
    """AWS Organizations User Guide, RCP syntax: "The effect of Allow is only supported for the RCPFullAWSAccess
    policy"; statements name Principal "*"; IAM User Guide, NotPrincipal (key points): RCPs do not support
    NotPrincipal. Such an RCP cannot be in force, so what it would do is not known."""
    member = Principal(f"arn:aws:iam::{A}:role/restore", A)
    result = evaluate(get(member), identity=[ALL], resource=[OPEN_BUCKET], rcp=[doc(statement, source="RCP odd")])
    assert result.decision is Decision.UNKNOWN and why in result.reason, result


def test_any_level_above_the_account_can_deny() -> None:
    """AWS Organizations User Guide, RCP evaluation: "For a permission to be denied for a resource in a specific
    account, any RCP from the root through each OU in the direct path to the account (including the target account
    itself) can deny that permission." ORGANIZATION attaches the perimeter at the second level only."""
    outsider = Principal(f"arn:aws:iam::{OUTSIDE}:role/attacker", OUTSIDE)
    at_root = Organization(ORG, MGMT, frozenset({MGMT, A, B}), rcps={B: ((PERIMETER,), (FULL_ACCESS,))})
    for org in (ORGANIZATION, at_root):
        assert evaluate(get(outsider), resource=[OPEN_BUCKET], organization=org).decision is Decision.DENY


# --- SCPs, made consistent with RCPs ------------------------------------------------------------------------------

ONLY_EC2 = doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}, source="SCP only-ec2")
FULL_SCP = doc({"Effect": "Allow", "Action": "*", "Resource": "*"}, source="FullAWSAccess")
SCP_ORG = Organization(
    ORG, MGMT, frozenset({MGMT, A, B}), scps={A: ((FULL_SCP,), (FULL_SCP, ONLY_EC2)), MGMT: ((ONLY_EC2,),)}
)


def test_scps_need_an_allow_at_every_level() -> None:
    """AWS Organizations User Guide, SCP evaluation: "For a permission to be allowed for a specific account, there
    must be an explicit Allow statement at every level from the root through each OU in the direct path to the
    account". The second level allows EC2 only; its FullAWSAccess neighbour is at the first level."""
    member = Principal(f"arn:aws:iam::{A}:role/app", A)
    own = get(member, f"arn:aws:s3:::{A}-bucket/x", A)
    assert evaluate(own, identity=[ALL]).decision is Decision.ALLOW
    narrow = Organization(ORG, MGMT, frozenset({MGMT, A, B}), scps={A: ((FULL_SCP,), (ONLY_EC2,))})
    result = evaluate(own, identity=[ALL], organization=narrow)
    assert result.decision is Decision.IMPLICIT_DENY and "SCPs SCP only-ec2" in result.reason, result
    assert evaluate(own, identity=[ALL], organization=SCP_ORG).decision is Decision.ALLOW  # FullAWSAccess at level 2


def test_scps_do_not_affect_the_management_account_outside_callers_or_service_linked_roles() -> None:
    """AWS Organizations User Guide, "SCP effects on permissions": SCPs "have no effect on users or roles in the
    management account", "don't affect users or roles from accounts outside the organization" and "do not affect any
    service-linked role"."""
    narrow = Organization(ORG, MGMT, frozenset({MGMT, A, B}), scps={A: ((ONLY_EC2,),), MGMT: ((ONLY_EC2,),)})
    manager = Principal(f"arn:aws:iam::{MGMT}:role/admin", MGMT)
    assert evaluate(get(manager, MGMT_OBJECT, MGMT), identity=[ALL], organization=narrow).decision is Decision.ALLOW
    linked = Principal(
        f"arn:aws:iam::{A}:role/aws-service-role/s3.amazonaws.com/AWSServiceRoleForS3", A, service_linked=True
    )
    own = f"arn:aws:s3:::{A}-bucket/x"
    assert evaluate(get(linked, own, A), identity=[ALL], organization=narrow).decision is Decision.ALLOW
    assert evaluate(get(linked, own, A), identity=[ALL], scp=[ONLY_EC2]).decision is Decision.ALLOW
    member = Principal(f"arn:aws:iam::{A}:role/app", A)
    assert evaluate(get(member, own, A), identity=[ALL], organization=narrow).decision is Decision.IMPLICIT_DENY
    outsider = Principal(f"arn:aws:iam::{OUTSIDE}:role/partner", OUTSIDE)
    theirs = doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"}, "Action": "s3:*", "Resource": "*"},
        source="bucket policy",
    )
    assert evaluate(get(outsider, own, A), identity=[ALL], resource=[theirs], organization=narrow).decision is (
        Decision.ALLOW
    )


def test_scps_and_rcps_are_given_through_the_organization_or_directly_not_both() -> None:
    member = Principal(f"arn:aws:iam::{A}:role/app", A)
    with pytest.raises(ValueError, match="not both"):
        evaluate(get(member), scp=[FULL_SCP], organization=SCP_ORG)


def test_organization_keys_are_derived_only_for_the_organization_identities() -> None:
    """IAM User Guide, AWS global condition context keys: aws:PrincipalOrgID is present only when the principal is
    a member of an organization (an IAM principal of one of its accounts; a service principal has none), and a
    request can still say otherwise (a key given in the context wins)."""
    needs_org = doc(
        {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:ResourceOrgID": ORG}},
        },
        source="identity",
    )
    member = Principal(f"arn:aws:iam::{A}:role/app", A)
    assert evaluate(get(member), identity=[needs_org], organization=ORGANIZATION).decision is Decision.IMPLICIT_DENY
    allowed = evaluate(get(member), identity=[needs_org], resource=[OPEN_BUCKET], organization=ORGANIZATION)
    assert allowed.decision is Decision.ALLOW  # cross-account: bucket statement Members plus the identity policy
    removed = get(member, **{"aws:PrincipalOrgID": None})
    result = evaluate(removed, identity=[needs_org], resource=[OPEN_BUCKET], organization=ORGANIZATION)
    assert result.decision is Decision.DENY and "EnforceOrgIdentities" in result.reason, result
