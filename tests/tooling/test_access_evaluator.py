"""Table-driven tests of the offline IAM evaluator: each row is one request, the policies that apply, the decision AWS
documents for it, and the page it follows (IAM User Guide file names from the awsdocs/iam-user-guide sources)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest

from failsafe.tooling.access.evaluator import (
    UNKNOWN,
    Decision,
    Match,
    Policy,
    Principal,
    Request,
    Result,
    evaluate,
    evaluate_assume_role,
    explain,
)

EVAL = "IAM User Guide, Policy evaluation logic (reference_policies_evaluation-logic.md)"
CROSS = "IAM User Guide, Cross-account policy evaluation logic (reference_policies_evaluation-logic-cross-account.md)"
OPS = "IAM User Guide, Condition operators (reference_policies_elements_condition_operators.md)"
MULTI = "IAM User Guide, Multi-value conditions (reference_policies_multi-value-conditions.md)"
PRINCIPAL = "IAM User Guide, Principal element (reference_policies_elements_principal.md)"
NOTPRINCIPAL = "IAM User Guide, NotPrincipal element (reference_policies_elements_notprincipal.md)"
NOTACTION = "IAM User Guide, NotAction element (reference_policies_elements_notaction.md)"
NOTRESOURCE = "IAM User Guide, NotResource element (reference_policies_elements_notresource.md)"
ACTION = "IAM User Guide, Action element (reference_policies_elements_action.md)"
RESOURCE = "IAM User Guide, Resource element (reference_policies_elements_resource.md)"
KEYS = "IAM User Guide, Global condition keys (reference_policies_condition-keys.md)"
VARS = "IAM User Guide, Policy variables (reference_policies_variables.md)"
CONDITION = "IAM User Guide, Condition element (reference_policies_elements_condition.md)"
KMS = f"{EVAL}, 'KMS key policies are exceptions'; AWS KMS Developer Guide, Key policies"
TRUST = f"{EVAL}, 'IAM role trust policies are exceptions'; id_roles_use_permissions-to-switch.md"
PULUMI = f"Pulumi unknowns at preview, three-valued rule of this module over {EVAL}"

A = "111111111111"  # the workload account
B = "222222222222"  # the DR account
ROLE = f"arn:aws:iam::{A}:role/app"
SESSION = f"arn:aws:sts::{A}:assumed-role/app/s1"
OTHER_ROLE = f"arn:aws:iam::{A}:role/other"
ROLE_B = f"arn:aws:iam::{B}:role/replicator"
USER = f"arn:aws:iam::{A}:user/carlos"
ROOT = f"arn:aws:iam::{A}:root"
TARGET = f"arn:aws:iam::{A}:role/target"
BUCKET = "arn:aws:s3:::dr-replica"
OBJECT = f"{BUCKET}/backups/db.dump"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{A}:trail/org"
STORE_ARN = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"

APP = Principal(ROLE, A)
APP_B = Principal(ROLE_B, B)
CARLOS = Principal(USER, A)


def stmt(effect: str, action: Any = "*", resource: Any = "*", **more: Any) -> dict[str, Any]:
    statement = {"Effect": effect, "Action": action, "Resource": resource, **more}
    return {k: v for k, v in statement.items() if v is not None}


def allow(action: Any = "*", resource: Any = "*", **more: Any) -> dict[str, Any]:
    return stmt("Allow", action, resource, **more)


def deny(action: Any = "*", resource: Any = "*", **more: Any) -> dict[str, Any]:
    return stmt("Deny", action, resource, **more)


def pol(*statements: dict[str, Any], source: str = "policy", version: str = "2012-10-17") -> Policy:
    return Policy({"Version": version, "Statement": list(statements)}, source)


def req(
    action: str,
    resource: str,
    principal: Principal = APP,
    account: str = "",
    context: dict[str, Any] | None = None,
) -> Request:
    return Request(principal, action, resource, account, context or {})


def trust_doc(principal: Any, action: str = "sts:AssumeRole", **more: Any) -> Policy:
    return Policy(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": principal, "Action": action, **more}},
        "trust",
    )


@dataclass(frozen=True)
class Case:
    id: str
    request: Request
    expected: Decision
    source: str
    identity: tuple[Policy, ...] = ()
    resource: tuple[Policy, ...] = ()
    boundary: tuple[Policy, ...] | None = None
    scp: tuple[Policy, ...] | None = None
    session: tuple[Policy, ...] | None = None
    trust: Policy | None = None  # evaluate_assume_role instead of evaluate


def run(case: Case) -> Result:
    if case.trust is not None:
        return evaluate_assume_role(case.request, case.trust, identity=case.identity, boundary=case.boundary)
    return evaluate(
        case.request,
        identity=case.identity,
        resource=case.resource,
        boundary=case.boundary,
        scp=case.scp,
        session=case.session,
    )


GET = req("s3:GetObject", OBJECT)
PUT = req("s3:PutObject", OBJECT)
ID_S3 = (pol(allow("s3:*", f"{BUCKET}/*"), source="identity"),)
BUCKET_TO_APP = (pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ROLE}), source="bucket"),)
MFA_DENY = pol(
    deny(NotAction="iam:*", Action=None, Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
)


def cond(condition: dict[str, Any], action: str = "s3:GetObject", resource: str = OBJECT) -> tuple[Policy, ...]:
    """An identity policy allowing ``action`` on ``resource`` under ``condition``."""
    return (pol(allow(action, resource, Condition=condition), source="identity"),)


CASES: list[Case] = [
    # --- deny precedence and the default ----------------------------------------------------------------------------
    Case("default-implicit-deny", GET, Decision.IMPLICIT_DENY, f"{EVAL}: by default, all requests are denied"),
    Case("identity-allow-same-account", GET, Decision.ALLOW, f"{EVAL}: identity-based policies", identity=ID_S3),
    Case(
        "other-action-implicit-deny",
        req("s3:DeleteObject", OBJECT),
        Decision.IMPLICIT_DENY,
        f"{EVAL}: the difference between explicit and implicit denies",
        identity=(pol(allow("s3:GetObject", f"{BUCKET}/*")),),
    ),
    Case(
        "explicit-deny-wins-in-same-policy",
        req("s3:PutObject", "arn:aws:s3:::carlossalazar-logs/x", CARLOS),
        Decision.DENY,
        f"{EVAL}: example identity-based and resource-based policy evaluation (DenyS3Logs)",
        identity=(
            pol(
                allow("s3:*", ["arn:aws:s3:::carlossalazar-logs/*"], Sid="AllowS3Self"),
                deny("s3:*", "arn:aws:s3:::*log*", Sid="DenyS3Logs"),
            ),
        ),
    ),
    Case(
        "explicit-deny-in-resource-beats-identity-allow",
        PUT,
        Decision.DENY,
        f"{EVAL}: an explicit deny in either of these policies overrides the allow",
        identity=ID_S3,
        resource=(pol(deny("s3:PutObject", f"{BUCKET}/*", Principal="*"), source="bucket"),),
    ),
    Case(
        "explicit-deny-in-identity-beats-resource-allow",
        PUT,
        Decision.DENY,
        f"{EVAL}: an explicit deny in either of these policies overrides the allow",
        identity=(pol(deny("s3:Put*", "*")),),
        resource=BUCKET_TO_APP,
    ),
    Case(
        "explicit-deny-in-boundary",
        GET,
        Decision.DENY,
        f"{EVAL}: deny evaluation covers permissions boundaries",
        identity=ID_S3,
        boundary=(pol(allow("s3:*"), deny("s3:GetObject")),),
    ),
    # --- same account: identity OR resource --------------------------------------------------------------------------
    Case(
        "resource-only-allow-role-arn",
        PUT,
        Decision.ALLOW,
        f"{EVAL}: if an action is allowed by an identity-based policy, a resource-based policy, or both",
        resource=BUCKET_TO_APP,
    ),
    Case(
        "resource-only-allow-user-arn",
        req("s3:PutObject", "arn:aws:s3:::carlossalazar/x", CARLOS),
        Decision.ALLOW,
        f"{EVAL}: example bucket policy naming user carlossalazar",
        resource=(pol(allow("s3:*", "arn:aws:s3:::carlossalazar/*", Principal={"AWS": USER})),),
    ),
    Case(
        "resource-names-other-role-implicit-deny",
        PUT,
        Decision.IMPLICIT_DENY,
        f"{PRINCIPAL}: IAM role principals",
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": OTHER_ROLE})),),
    ),
    Case(
        "resource-grants-account-root-needs-identity",
        PUT,
        Decision.IMPLICIT_DENY,
        f"{PRINCIPAL}: AWS account principals delegate authority to the account",
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ROOT})),),
    ),
    Case(
        "wildcard-principal-same-account",
        PUT,
        Decision.ALLOW,
        f"{PRINCIPAL}: all principals; for principals within your account no other permissions are required",
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal="*")),),
    ),
    Case(
        "aws-star-principal-same-account",
        PUT,
        Decision.ALLOW,
        f'{PRINCIPAL}: "*" and {{"AWS": "*"}} are equivalent',
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": "*"})),),
    ),
    Case(
        "root-user-needs-no-policy",
        req("s3:PutObject", OBJECT, Principal(ROOT, A)),
        Decision.ALLOW,
        f"{EVAL}: all requests are implicitly denied with the exception of the AWS account root user",
    ),
    # --- cross account: both sides -----------------------------------------------------------------------------------
    Case(
        "cross-account-identity-only",
        req("s3:PutObject", OBJECT, APP_B, A),
        Decision.IMPLICIT_DENY,
        f"{CROSS}: the resource-based policy in AccountB must allow the requester",
        identity=ID_S3,
    ),
    Case(
        "cross-account-resource-only",
        req("s3:PutObject", OBJECT, APP_B, A),
        Decision.IMPLICIT_DENY,
        f"{CROSS}: the requester must have an identity-based policy",
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ROLE_B})),),
    ),
    Case(
        "cross-account-both",
        req("s3:PutObject", OBJECT, APP_B, A),
        Decision.ALLOW,
        f"{CROSS}: allowed only if both evaluations return Allow",
        identity=ID_S3,
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ROLE_B})),),
    ),
    Case(
        "cross-account-account-id-principal",
        req("s3:PutObject", OBJECT, APP_B, A),
        Decision.ALLOW,
        f"{PRINCIPAL}: the account ARN and the shortened account ID behave the same way",
        identity=ID_S3,
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ["333333333333", B]})),),
    ),
    Case(
        "cross-account-wildcard-principal-needs-identity",
        req("s3:PutObject", OBJECT, APP_B, A),
        Decision.IMPLICIT_DENY,
        f"{PRINCIPAL}: all principals; principals in other accounts must also have identity-based permissions",
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal="*")),),
    ),
    Case(
        "cross-account-deny-in-resource",
        req("s3:DeleteObject", OBJECT, APP_B, A),
        Decision.DENY,
        f"{CROSS}: each account's evaluation applies explicit denies",
        identity=ID_S3,
        resource=(
            pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": B}), deny("s3:DeleteObject", "*", Principal="*")),
        ),
    ),
    # --- KMS key policies are required -------------------------------------------------------------------------------
    Case(
        "kms-identity-only-fails",
        req("kms:Decrypt", KEY),
        Decision.IMPLICIT_DENY,
        KMS,
        identity=(pol(allow("kms:Decrypt", "*")),),
        resource=(pol(allow("kms:*", "*", Principal={"AWS": OTHER_ROLE}), source="key policy"),),
    ),
    Case(
        "kms-root-delegation-and-identity",
        req("kms:Decrypt", KEY),
        Decision.ALLOW,
        KMS,
        identity=(pol(allow("kms:Decrypt", KEY)),),
        resource=(pol(allow("kms:*", "*", Principal={"AWS": ROOT}), source="key policy"),),
    ),
    Case(
        "kms-root-delegation-without-identity",
        req("kms:Decrypt", KEY),
        Decision.IMPLICIT_DENY,
        KMS,
        resource=(pol(allow("kms:*", "*", Principal={"AWS": A}), source="key policy"),),
    ),
    Case(
        "kms-key-policy-names-role",
        req("kms:Decrypt", KEY),
        Decision.ALLOW,
        KMS,
        resource=(pol(allow("kms:Decrypt", "*", Principal={"AWS": ROLE}), source="key policy"),),
    ),
    Case(
        "kms-cross-account-both",
        req("kms:Encrypt", KEY, APP_B, A),
        Decision.ALLOW,
        f"{KMS}; {CROSS}",
        identity=(pol(allow("kms:Encrypt", KEY)),),
        resource=(pol(allow("kms:Encrypt", "*", Principal={"AWS": f"arn:aws:iam::{B}:root"}), source="key policy"),),
    ),
    # --- role trust policies -----------------------------------------------------------------------------------------
    Case(
        "trust-names-role-arn-same-account",
        req("sts:AssumeRole", TARGET),
        Decision.ALLOW,
        TRUST,
        trust=trust_doc({"AWS": ROLE}),
    ),
    Case(
        "trust-names-account-root-without-identity",
        req("sts:AssumeRole", TARGET),
        Decision.IMPLICIT_DENY,
        f"{TRUST}: a trust policy naming the account delegates to it",
        trust=trust_doc({"AWS": ROOT}),
    ),
    Case(
        "trust-names-account-root-with-identity",
        req("sts:AssumeRole", TARGET),
        Decision.ALLOW,
        TRUST,
        identity=(pol(allow("sts:AssumeRole", TARGET)),),
        trust=trust_doc({"AWS": ROOT}),
    ),
    Case(
        "trust-cross-account-without-identity",
        req("sts:AssumeRole", TARGET, APP_B, A),
        Decision.IMPLICIT_DENY,
        f"{CROSS}: role trust policy",
        trust=trust_doc({"AWS": ROLE_B}),
    ),
    Case(
        "trust-cross-account-with-identity",
        req("sts:AssumeRole", TARGET, APP_B, A),
        Decision.ALLOW,
        f"{CROSS}: role trust policy",
        identity=(pol(allow("sts:AssumeRole", TARGET)),),
        trust=trust_doc({"AWS": f"arn:aws:iam::{B}:root"}),
    ),
    Case(
        "trust-required-even-with-identity",
        req("sts:AssumeRole", TARGET),
        Decision.IMPLICIT_DENY,
        TRUST,
        identity=(pol(allow("sts:AssumeRole", "*")),),
        trust=trust_doc({"AWS": OTHER_ROLE}),
    ),
    Case(
        "trust-via-evaluate-is-required",
        req("sts:AssumeRole", TARGET),
        Decision.IMPLICIT_DENY,
        TRUST,
        identity=(pol(allow("sts:AssumeRole", "*")),),
        resource=(trust_doc({"Service": "lambda.amazonaws.com"}),),
    ),
    Case(
        "trust-service-principal",
        req("sts:AssumeRole", TARGET, Principal("", "", service="lambda.amazonaws.com")),
        Decision.ALLOW,
        f"{PRINCIPAL}: AWS service principals",
        trust=trust_doc({"Service": ["ecs.amazonaws.com", "lambda.amazonaws.com"]}),
    ),
    Case(
        "trust-web-identity-matching-sub",
        req(
            "sts:AssumeRoleWithWebIdentity",
            TARGET,
            Principal("", "", federated="token.actions.githubusercontent.com"),
            context={
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:acme/failsafe:ref:refs/heads/main",
            },
        ),
        Decision.ALLOW,
        f"{PRINCIPAL}: web identity session principals; {OPS}: StringLike",
        trust=trust_doc(
            {"Federated": f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"},
            "sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/failsafe:ref:refs/heads/*"},
            },
        ),
    ),
    Case(
        "trust-web-identity-other-repo",
        req(
            "sts:AssumeRoleWithWebIdentity",
            TARGET,
            Principal("", "", federated="token.actions.githubusercontent.com"),
            context={"token.actions.githubusercontent.com:sub": "repo:evil/fork:ref:refs/heads/main"},
        ),
        Decision.IMPLICIT_DENY,
        f"{OPS}: StringLike",
        trust=trust_doc(
            {"Federated": "token.actions.githubusercontent.com"},
            "sts:AssumeRoleWithWebIdentity",
            Condition={"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/failsafe:*"}},
        ),
    ),
    Case(
        "trust-external-id-missing",
        req("sts:AssumeRole", TARGET, APP_B, A),
        Decision.IMPLICIT_DENY,
        f"{OPS}: if the key is not present in the request context, the values do not match",
        identity=(pol(allow("sts:AssumeRole", TARGET)),),
        trust=trust_doc({"AWS": B}, Condition={"StringEquals": {"sts:ExternalId": "dr-2024"}}),
    ),
    # --- service principals ------------------------------------------------------------------------------------------
    Case(
        "service-principal-source-account-and-arn",
        req(
            "s3:PutObject",
            f"{BUCKET}/AWSLogs/{A}/x",
            Principal("", "", service="cloudtrail.amazonaws.com"),
            context={"aws:SourceAccount": A, "aws:SourceArn": TRAIL},
        ),
        Decision.ALLOW,
        f"{KEYS}: aws:SourceAccount, aws:SourceArn; {OPS}: ARN",
        resource=(
            pol(
                allow(
                    "s3:PutObject",
                    f"{BUCKET}/AWSLogs/{A}/*",
                    Principal={"Service": "cloudtrail.amazonaws.com"},
                    Condition={
                        "StringEquals": {"aws:SourceAccount": A},
                        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudtrail:*:{A}:trail/*"},
                    },
                )
            ),
        ),
    ),
    Case(
        "service-principal-wrong-source-account",
        req(
            "s3:PutObject",
            f"{BUCKET}/AWSLogs/{A}/x",
            Principal("", "", service="cloudtrail.amazonaws.com"),
            context={"aws:SourceAccount": "999999999999"},
        ),
        Decision.IMPLICIT_DENY,
        f"{KEYS}: aws:SourceAccount",
        resource=(
            pol(
                allow(
                    "s3:PutObject",
                    "*",
                    Principal={"Service": "cloudtrail.amazonaws.com"},
                    Condition={"StringEquals": {"aws:SourceAccount": A}},
                )
            ),
        ),
    ),
    Case(
        "service-principal-source-arn-absent",
        req("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{A}:q", Principal("", "", service="sns.amazonaws.com")),
        Decision.IMPLICIT_DENY,
        f"{OPS}: ARN operators, aws:SourceArn present only when a service calls on behalf of a resource",
        resource=(
            pol(
                allow(
                    "sqs:SendMessage",
                    "*",
                    Principal={"Service": "sns.amazonaws.com"},
                    Condition={"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{A}:topic"}},
                )
            ),
        ),
    ),
    Case(
        "service-principal-other-service",
        req("s3:PutObject", OBJECT, Principal("", "", service="logging.s3.amazonaws.com")),
        Decision.IMPLICIT_DENY,
        f"{PRINCIPAL}: AWS service principals",
        resource=(pol(allow("s3:PutObject", "*", Principal={"Service": "cloudtrail.amazonaws.com"})),),
    ),
    # --- NotAction, NotResource, NotPrincipal ------------------------------------------------------------------------
    Case(
        "notaction-allow-grants-others",
        GET,
        Decision.ALLOW,
        f"{NOTACTION}: NotAction with Allow",
        identity=(pol(allow(None, "*", NotAction="iam:*")),),
    ),
    Case(
        "notaction-allow-excludes-listed",
        req("iam:CreateUser", f"arn:aws:iam::{A}:user/x"),
        Decision.IMPLICIT_DENY,
        f"{NOTACTION}: NotAction with Allow",
        identity=(pol(allow(None, "*", NotAction="iam:*")),),
    ),
    Case(
        "notaction-deny-spares-listed",
        req("iam:ListMFADevices", "*"),
        Decision.ALLOW,
        f"{NOTACTION}: NotAction with Deny (DenyAllUsersNotUsingMFA)",
        identity=(pol(allow("iam:*")), MFA_DENY),
    ),
    Case(
        "notresource-deny-outside",
        req("s3:GetObject", "arn:aws:s3:::HRBucket/Other/x"),
        Decision.DENY,
        f"{NOTRESOURCE}: HRPayroll example",
        identity=(
            pol(
                allow("s3:*"),
                deny("s3:*", None, NotResource=["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]),
            ),
        ),
    ),
    Case(
        "notresource-deny-spares-listed",
        req("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x"),
        Decision.ALLOW,
        f"{NOTRESOURCE}: HRPayroll example",
        identity=(
            pol(
                allow("s3:*"),
                deny("s3:*", None, NotResource=["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]),
            ),
        ),
    ),
    Case(
        "notprincipal-deny-exempts-full-chain",
        PUT,
        Decision.ALLOW,
        f"{NOTPRINCIPAL}: IAM role in the same or different account",
        identity=ID_S3,
        resource=(pol(deny("s3:*", f"{BUCKET}/*", NotPrincipal={"AWS": [SESSION, ROLE, ROOT]})),),
    ),
    Case(
        "notprincipal-deny-without-session-denies",
        PUT,
        Decision.DENY,
        f"{NOTPRINCIPAL}: the assumed-role user is identified by the role session name",
        identity=ID_S3,
        resource=(pol(deny("s3:*", f"{BUCKET}/*", NotPrincipal={"AWS": [ROLE, ROOT]})),),
    ),
    Case(
        "notprincipal-deny-user-exempt",
        req("s3:PutObject", OBJECT, CARLOS),
        Decision.ALLOW,
        f"{NOTPRINCIPAL}: IAM user in the same or a different account",
        identity=ID_S3,
        resource=(pol(deny("s3:*", f"{BUCKET}/*", NotPrincipal={"AWS": [USER, ROOT]})),),
    ),
    Case(
        "notprincipal-deny-other-caller",
        req("s3:PutObject", OBJECT, Principal(OTHER_ROLE, A)),
        Decision.DENY,
        f"{NOTPRINCIPAL}: NotPrincipal with Deny",
        identity=ID_S3,
        resource=(pol(deny("s3:*", f"{BUCKET}/*", NotPrincipal={"AWS": [SESSION, ROLE, ROOT]})),),
    ),
    # --- principal forms -------------------------------------------------------------------------------------------
    Case(
        "principal-session-arn-names-role-caller",
        PUT,
        Decision.ALLOW,
        f"{PRINCIPAL}: assumed-role session principals",
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": SESSION})),),
    ),
    Case(
        "principal-role-arn-names-session-caller",
        req("s3:PutObject", OBJECT, Principal(SESSION, A)),
        Decision.ALLOW,
        f"{PRINCIPAL}: IAM role principals (granted to the role's sessions)",
        resource=BUCKET_TO_APP,
    ),
    Case(
        "principal-other-session-arn",
        req("s3:PutObject", OBJECT, Principal(SESSION, A)),
        Decision.IMPLICIT_DENY,
        f"{PRINCIPAL}: principals must always name a specific session",
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": f"arn:aws:sts::{A}:assumed-role/app/s2"})),),
    ),
    Case(
        "principal-arn-of-session-is-the-role-arn",
        req("s3:PutObject", OBJECT, Principal(SESSION, A)),
        Decision.ALLOW,
        f"{KEYS}: aws:PrincipalArn (for a role session, the ARN of the role); {PRINCIPAL}: IAM role principals",
        resource=(
            pol(allow("s3:*", f"{BUCKET}/*", Principal="*", Condition={"ArnEquals": {"aws:PrincipalArn": ROLE}})),
        ),
    ),
    Case(
        "role-arn-grant-capped-by-boundary",
        PUT,
        Decision.IMPLICIT_DENY,
        f"{EVAL}: resource-based policies that grant permissions to an IAM role ARN are limited by a boundary",
        resource=BUCKET_TO_APP,
        boundary=(pol(allow("ec2:*")),),
    ),
    Case(
        "session-arn-grant-not-capped-by-boundary",
        PUT,
        Decision.ALLOW,
        f"{EVAL}: permissions granted directly to a session are not limited by a permissions boundary",
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": SESSION})),),
        boundary=(pol(allow("ec2:*")),),
    ),
    # --- Action and Resource matching --------------------------------------------------------------------------------
    Case(
        "action-case-insensitive",
        GET,
        Decision.ALLOW,
        f"{ACTION}: prefix and action name are case insensitive",
        identity=(pol(allow("S3:getobject", OBJECT)),),
    ),
    Case(
        "action-question-mark-wildcard",
        GET,
        Decision.ALLOW,
        f"{ACTION}; {RESOURCE}: ? matches any single character",
        identity=(pol(allow("s3:Get?bject", OBJECT)),),
    ),
    Case(
        "resource-case-sensitive",
        GET,
        Decision.IMPLICIT_DENY,
        f"{RESOURCE}: ARN matching is case-sensitive",
        identity=(pol(allow("s3:GetObject", "arn:aws:s3:::DR-Replica/*")),),
    ),
    Case(
        "resource-wildcard-spans-slashes",
        req("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/1/2/test/3/object.jpg"),
        Decision.ALLOW,
        f"{RESOURCE}: using wildcards in resource ARNs",
        identity=(pol(allow("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*")),),
    ),
    Case(
        "resource-wildcard-needs-literal-parts",
        req("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/1/2/test.jpg"),
        Decision.IMPLICIT_DENY,
        f"{RESOURCE}: using wildcards in resource ARNs",
        identity=(pol(allow("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*/test/*")),),
    ),
    Case(
        "resource-scoped-statement-skips-star-actions",
        req("s3:ListAllMyBuckets", "*"),
        Decision.IMPLICIT_DENY,
        f'{NOTACTION}: ListAllMyBuckets requires the "*" resource',
        identity=(pol(allow(None, "arn:aws:s3:::*", NotAction="s3:DeleteBucket")),),
    ),
    # --- condition operators -----------------------------------------------------------------------------------------
    Case(
        "string-equals",
        req("s3:GetObject", OBJECT, context={"aws:PrincipalTag/team": "dr"}),
        Decision.ALLOW,
        f"{OPS}: String",
        identity=cond({"StringEquals": {"aws:PrincipalTag/team": "dr"}}),
    ),
    Case(
        "string-equals-is-case-sensitive",
        req("s3:GetObject", OBJECT, context={"aws:PrincipalTag/team": "DR"}),
        Decision.IMPLICIT_DENY,
        f"{OPS}: StringEquals, exact matching, case sensitive",
        identity=cond({"StringEquals": {"aws:PrincipalTag/team": "dr"}}),
    ),
    Case(
        "string-equals-ignore-case",
        req("s3:GetObject", OBJECT, context={"aws:PrincipalTag/team": "DR"}),
        Decision.ALLOW,
        f"{OPS}: StringEqualsIgnoreCase",
        identity=cond({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "dr"}}),
    ),
    Case(
        "string-not-equals-ignore-case",
        req("s3:GetObject", OBJECT, context={"aws:PrincipalTag/team": "DR"}),
        Decision.IMPLICIT_DENY,
        f"{OPS}: StringNotEqualsIgnoreCase",
        identity=cond({"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "dr"}}),
    ),
    Case(
        "string-not-equals-missing-key-is-true",
        GET,
        Decision.DENY,
        f"{OPS}: a negated operator on a key not present is true",
        identity=(*ID_S3, pol(deny("s3:*", Condition={"StringNotEquals": {"aws:PrincipalTag/team": "dr"}}))),
    ),
    Case(
        "string-like-wildcards",
        req("s3:ListBucket", BUCKET, CARLOS, context={"s3:prefix": "home/carlos/"}),
        Decision.ALLOW,
        f"{OPS}: StringLike with policy variables",
        identity=cond({"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}, "s3:ListBucket", BUCKET),
    ),
    Case(
        "string-not-like",
        req("s3:GetObject", OBJECT, context={"s3:prefix": "tmp/x"}),
        Decision.DENY,
        f"{OPS}: StringNotLike",
        identity=(*ID_S3, pol(deny("s3:*", Condition={"StringNotLike": {"s3:prefix": "backups/*"}}))),
    ),
    Case(
        "string-like-if-exists-missing-key",
        req("ec2:RunInstances", "*"),
        Decision.ALLOW,
        f"{OPS}: ...IfExists (RunInstance example)",
        identity=cond({"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, "ec2:RunInstances", "*"),
    ),
    Case(
        "string-like-without-if-exists-missing-key",
        req("ec2:RunInstances", "*"),
        Decision.IMPLICIT_DENY,
        f"{OPS}: ...IfExists (THISPOLICYDOESNOTWORK example)",
        identity=cond({"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, "ec2:RunInstances", "*"),
    ),
    Case(
        "string-like-if-exists-present-mismatch",
        req("ec2:RunInstances", "*", context={"ec2:InstanceType": "p4d.24xlarge"}),
        Decision.IMPLICIT_DENY,
        f"{OPS}: ...IfExists processes the key as specified when present",
        identity=cond({"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, "ec2:RunInstances", "*"),
    ),
    Case(
        "numeric-less-than-mfa-age",
        req("s3:GetObject", OBJECT, context={"aws:MultiFactorAuthAge": 1200}),
        Decision.ALLOW,
        f"{OPS}: Numeric; {KEYS}: aws:MultiFactorAuthAge",
        identity=cond({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
    ),
    Case(
        "numeric-less-than-too-old",
        req("s3:GetObject", OBJECT, context={"aws:MultiFactorAuthAge": "7200"}),
        Decision.IMPLICIT_DENY,
        f"{OPS}: Numeric",
        identity=cond({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
    ),
    Case(
        "numeric-missing-key",
        GET,
        Decision.IMPLICIT_DENY,
        f"{OPS}: Numeric; key not present does not match",
        identity=cond({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
    ),
    Case(
        "numeric-less-than-equals-max-keys",
        req("s3:ListBucket", BUCKET, context={"s3:max-keys": "10"}),
        Decision.ALLOW,
        f"{OPS}: NumericLessThanEquals (s3:max-keys example)",
        identity=cond({"NumericLessThanEquals": {"s3:max-keys": "10"}}, "s3:ListBucket", BUCKET),
    ),
    Case(
        "numeric-not-equals",
        req("s3:ListBucket", BUCKET, context={"s3:max-keys": "10"}),
        Decision.IMPLICIT_DENY,
        f"{OPS}: NumericNotEquals",
        identity=cond({"NumericNotEquals": {"s3:max-keys": ["10", "20"]}}, "s3:ListBucket", BUCKET),
    ),
    Case(
        "date-greater-than-iso",
        req("s3:GetObject", OBJECT, context={"aws:TokenIssueTime": "2024-05-01T12:00:00Z"}),
        Decision.ALLOW,
        f"{OPS}: Date (aws:TokenIssueTime example)",
        identity=cond({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}),
    ),
    Case(
        "date-less-than-epoch",
        req("s3:GetObject", OBJECT, context={"aws:EpochTime": 1700000000}),
        Decision.IMPLICIT_DENY,
        f"{OPS}: Date, epoch (UNIX) time",
        identity=cond({"DateLessThan": {"aws:EpochTime": "2020-01-01T00:00:00Z"}}),
    ),
    Case(
        "date-missing-key-iam-user",
        GET,
        Decision.IMPLICIT_DENY,
        f"{OPS}: Date; aws:TokenIssueTime is absent for long-term credentials",
        identity=cond({"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}),
    ),
    Case(
        "bool-secure-transport-false-denies",
        req("s3:GetObject", OBJECT, context={"aws:SecureTransport": False}),
        Decision.DENY,
        f"{OPS}: Boolean (BooleanExample)",
        identity=ID_S3,
        resource=(
            pol(deny("s3:*", f"{BUCKET}/*", Principal="*", Condition={"Bool": {"aws:SecureTransport": "false"}})),
        ),
    ),
    Case(
        "bool-secure-transport-true-allows",
        req("s3:GetObject", OBJECT, context={"aws:SecureTransport": "true"}),
        Decision.ALLOW,
        f"{OPS}: Boolean (BooleanExample)",
        identity=ID_S3,
        resource=(
            pol(deny("s3:*", f"{BUCKET}/*", Principal="*", Condition={"Bool": {"aws:SecureTransport": "false"}})),
        ),
    ),
    Case(
        "mfa-pitfall-bool-false-ignores-missing-key",
        GET,
        Decision.ALLOW,
        f"{KEYS}: aws:MultiFactorAuthPresent, Deny + Bool + false is NOT a reliable MFA check",
        identity=(*ID_S3, pol(deny("s3:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))),
    ),
    Case(
        "mfa-bool-if-exists-false-denies-missing-key",
        GET,
        Decision.DENY,
        f"{KEYS}: aws:MultiFactorAuthPresent, recommended Deny + BoolIfExists + false",
        identity=(*ID_S3, MFA_DENY),
    ),
    Case(
        "mfa-bool-if-exists-false-denies-session-without-mfa",
        req("s3:GetObject", OBJECT, context={"aws:MultiFactorAuthPresent": "false"}),
        Decision.DENY,
        f"{KEYS}: aws:MultiFactorAuthPresent, temporary credentials without MFA",
        identity=(*ID_S3, MFA_DENY),
    ),
    Case(
        "mfa-bool-if-exists-false-spares-mfa",
        req("s3:GetObject", OBJECT, context={"aws:MultiFactorAuthPresent": True}),
        Decision.ALLOW,
        f"{KEYS}: aws:MultiFactorAuthPresent, MFA-authenticated requests",
        identity=(*ID_S3, MFA_DENY),
    ),
    Case(
        "binary-equals",
        req("s3:GetObject", OBJECT, context={"custom:blob": b"BinaryValueInBase64"}),
        Decision.ALLOW,
        f"{OPS}: Binary",
        identity=cond({"BinaryEquals": {"custom:blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}),
    ),
    Case(
        "ip-address-in-range",
        req("s3:GetObject", OBJECT, context={"aws:SourceIp": "203.0.113.77"}),
        Decision.ALLOW,
        f"{OPS}: IP address",
        identity=cond({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}),
    ),
    Case(
        "ip-address-ipv6-in-range",
        req("s3:GetObject", OBJECT, context={"aws:SourceIp": "2001:db8:1234:5678::9"}),
        Decision.ALLOW,
        f"{OPS}: IP address, mixing IPv4 and IPv6",
        identity=cond({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}),
    ),
    Case(
        "not-ip-address-denies-outside",
        req("s3:GetObject", OBJECT, context={"aws:SourceIp": "198.51.100.1"}),
        Decision.DENY,
        f"{OPS}: NotIpAddress",
        identity=(*ID_S3, pol(deny("s3:*", Condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))),
    ),
    Case(
        "arn-like-checks-segments",
        req(
            "s3:GetObject",
            OBJECT,
            context={"aws:SourceArn": STORE_ARN},
        ),
        Decision.IMPLICIT_DENY,
        f"{OPS}: ARN, the ArnLike example fails",
        identity=cond({"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}),
    ),
    Case(
        "string-like-spans-segments",
        req(
            "s3:GetObject",
            OBJECT,
            context={"aws:SourceArn": STORE_ARN},
        ),
        Decision.ALLOW,
        f"{OPS}: ARN, the StringLike example succeeds",
        identity=cond({"StringLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}),
    ),
    Case(
        "arn-not-equals-principal-arn",
        PUT,
        Decision.DENY,
        f'{PRINCIPAL}: Deny with Principal "*" and ArnNotEquals aws:PrincipalArn instead of NotPrincipal',
        identity=ID_S3,
        resource=(
            pol(deny("s3:*", f"{BUCKET}/*", Principal="*", Condition={"ArnNotEquals": {"aws:PrincipalArn": USER}})),
        ),
    ),
    Case(
        "arn-not-equals-principal-arn-exempt",
        req("s3:PutObject", OBJECT, CARLOS),
        Decision.ALLOW,
        f'{PRINCIPAL}: Deny with Principal "*" and ArnNotEquals aws:PrincipalArn instead of NotPrincipal',
        identity=ID_S3,
        resource=(
            pol(deny("s3:*", f"{BUCKET}/*", Principal="*", Condition={"ArnNotEquals": {"aws:PrincipalArn": USER}})),
        ),
    ),
    Case(
        "null-true-key-absent",
        req("ec2:RunInstances", "*"),
        Decision.ALLOW,
        f"{OPS}: Null (aws:TokenIssueTime example)",
        identity=cond({"Null": {"aws:TokenIssueTime": "true"}}, "ec2:RunInstances", "*"),
    ),
    Case(
        "null-true-key-present",
        req("ec2:RunInstances", "*", context={"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}),
        Decision.IMPLICIT_DENY,
        f"{OPS}: Null",
        identity=cond({"Null": {"aws:TokenIssueTime": "true"}}, "ec2:RunInstances", "*"),
    ),
    Case(
        "for-all-values-missing-key-is-true",
        req("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{A}:table/Thread"),
        Decision.ALLOW,
        f"{MULTI}: ForAllValues returns true on an empty data set",
        identity=cond(
            {"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}},
            "dynamodb:GetItem",
            "*",
        ),
    ),
    Case(
        "for-all-values-extra-value",
        req(
            "dynamodb:GetItem",
            f"arn:aws:dynamodb:us-east-1:{A}:table/Thread",
            context={"dynamodb:requestedAttributes": ["PostDateTime", "UserName"]},
        ),
        Decision.IMPLICIT_DENY,
        f"{MULTI}: ForAllValues, no match for UserName",
        identity=cond(
            {"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}},
            "dynamodb:GetItem",
            "*",
        ),
    ),
    Case(
        "for-any-value-missing-key-is-false",
        req("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:{A}:table/Thread"),
        Decision.ALLOW,
        f"{MULTI}: ForAnyValue returns false on an empty data set",
        identity=(
            pol(
                allow("dynamodb:*"),
                deny(
                    "dynamodb:PutItem",
                    Condition={"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}},
                ),
            ),
        ),
    ),
    Case(
        "for-any-value-one-match-denies",
        req(
            "dynamodb:PutItem",
            f"arn:aws:dynamodb:us-east-1:{A}:table/Thread",
            context={"dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"]},
        ),
        Decision.DENY,
        f"{MULTI}: ForAnyValue, PostDateTime matches",
        identity=(
            pol(
                allow("dynamodb:*"),
                deny(
                    "dynamodb:PutItem",
                    Condition={"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}},
                ),
            ),
        ),
    ),
    Case(
        "values-of-one-key-are-ored",
        req("s3:GetObject", OBJECT, context={"aws:PrincipalTag/team": "ops"}),
        Decision.ALLOW,
        f"{CONDITION}: multiple values for one key are evaluated with OR",
        identity=cond({"StringEquals": {"aws:PrincipalTag/team": ["dr", "ops"]}}),
    ),
    Case(
        "keys-and-operators-are-anded",
        req("s3:GetObject", OBJECT, context={"aws:PrincipalTag/team": "dr", "aws:SourceIp": "198.51.100.1"}),
        Decision.IMPLICIT_DENY,
        f"{CONDITION}: multiple condition operators and keys are evaluated with AND",
        identity=cond(
            {"StringEquals": {"aws:PrincipalTag/team": "dr"}, "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
        ),
    ),
    Case(
        "condition-key-names-case-insensitive",
        req("s3:GetObject", OBJECT, context={"aws:sourceip": "203.0.113.9"}),
        Decision.ALLOW,
        f"{CONDITION}: condition key names are not case-sensitive",
        identity=cond({"IpAddress": {"AWS:SourceIP": "203.0.113.0/24"}}),
    ),
    # --- policy variables --------------------------------------------------------------------------------------------
    Case(
        "variable-in-resource",
        req("s3:GetObject", f"{BUCKET}/home/carlos/notes", CARLOS, context={"aws:username": "carlos"}),
        Decision.ALLOW,
        f"{VARS}: using policy variables in resource ARNs",
        identity=(pol(allow("s3:*", f"{BUCKET}/home/${{aws:username}}/*")),),
    ),
    Case(
        "variable-other-user",
        req("s3:GetObject", f"{BUCKET}/home/maria/notes", CARLOS, context={"aws:username": "carlos"}),
        Decision.IMPLICIT_DENY,
        f"{VARS}: using policy variables in resource ARNs",
        identity=(pol(allow("s3:*", f"{BUCKET}/home/${{aws:username}}/*")),),
    ),
    Case(
        "variable-without-value-matches-nothing",
        req("s3:GetObject", f"{BUCKET}/home/app/notes"),
        Decision.IMPLICIT_DENY,
        f"{VARS}: policy variables with no value (aws:username is not present for roles)",
        identity=(pol(allow("s3:*", f"{BUCKET}/home/${{aws:username}}/*")),),
    ),
    Case(
        "variable-default-value",
        req("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide/x"),
        Decision.ALLOW,
        f"{VARS}: specifying default values",
        identity=(pol(allow("s3:*", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}/*")),),
    ),
    Case(
        "variable-literal-in-version-2008",
        req("s3:GetObject", f"{BUCKET}/home/carlos/notes", CARLOS, context={"aws:username": "carlos"}),
        Decision.IMPLICIT_DENY,
        f"{VARS}: variables need Version 2012-10-17",
        identity=(pol(allow("s3:*", f"{BUCKET}/home/${{aws:username}}/*"), version="2008-10-17"),),
    ),
    Case(
        "variable-derived-principal-account",
        req("s3:GetObject", OBJECT, context={"s3:ExistingObjectTag/owner": A}),
        Decision.ALLOW,
        f"{VARS}; {KEYS}: aws:PrincipalAccount is included in all requests",
        identity=cond({"StringEquals": {"s3:ExistingObjectTag/owner": "${aws:PrincipalAccount}"}}),
    ),
    # --- boundaries, SCPs, session policies --------------------------------------------------------------------------
    Case(
        "boundary-caps-identity-allow",
        PUT,
        Decision.IMPLICIT_DENY,
        f"{EVAL}: evaluating identity-based policies with permissions boundaries (intersection)",
        identity=ID_S3,
        boundary=(pol(allow("s3:GetObject")),),
    ),
    Case(
        "boundary-allows",
        GET,
        Decision.ALLOW,
        f"{EVAL}: evaluating identity-based policies with permissions boundaries (intersection)",
        identity=ID_S3,
        boundary=(pol(allow("s3:Get*")),),
    ),
    Case(
        "scp-deny",
        PUT,
        Decision.DENY,
        f"{EVAL}: evaluating identity-based policies with Organizations SCPs",
        identity=ID_S3,
        scp=(pol(allow("*"), deny("s3:PutObject")),),
    ),
    Case(
        "scp-without-allow",
        PUT,
        Decision.IMPLICIT_DENY,
        f"{EVAL}: if the SCP does not allow, the request is implicitly denied",
        identity=ID_S3,
        scp=(pol(allow("ec2:*")),),
    ),
    Case(
        "scp-caps-resource-grant",
        PUT,
        Decision.IMPLICIT_DENY,
        f"{EVAL}: SCPs are evaluated before resource-based policies",
        resource=BUCKET_TO_APP,
        scp=(pol(allow("ec2:*")),),
    ),
    Case(
        "session-policy-caps-identity",
        PUT,
        Decision.IMPLICIT_DENY,
        f"{EVAL}: session policies, a present session policy that does not allow",
        identity=ID_S3,
        session=(pol(allow("s3:GetObject")),),
    ),
    # --- unknown values at preview -----------------------------------------------------------------------------------
    Case(
        "unknown-resource-in-only-allow",
        PUT,
        Decision.UNKNOWN,
        PULUMI,
        identity=(pol(allow("s3:PutObject", f"arn:aws:s3:::{UNKNOWN}/*")),),
    ),
    Case(
        "unknown-resource-excluded-by-known-prefix",
        PUT,
        Decision.IMPLICIT_DENY,
        PULUMI,
        identity=(pol(allow("s3:PutObject", f"arn:aws:kms:us-east-1:{A}:key/{UNKNOWN}")),),
    ),
    Case(
        "known-deny-overrides-unknown",
        PUT,
        Decision.DENY,
        PULUMI,
        identity=(pol(allow("s3:PutObject", f"arn:aws:s3:::{UNKNOWN}/*"), deny("s3:PutObject", f"{BUCKET}/*")),),
    ),
    Case(
        "unknown-deny-with-known-allow",
        PUT,
        Decision.UNKNOWN,
        PULUMI,
        identity=(*ID_S3, pol(deny("s3:PutObject", f"arn:aws:s3:::{UNKNOWN}/*"))),
    ),
    Case(
        "unknown-allow-beside-known-allow",
        PUT,
        Decision.ALLOW,
        PULUMI,
        identity=(*ID_S3, pol(allow("s3:PutObject", f"arn:aws:s3:::{UNKNOWN}/*"))),
    ),
    Case(
        "unknown-principal-in-bucket-policy",
        PUT,
        Decision.UNKNOWN,
        PULUMI,
        resource=(pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": UNKNOWN})),),
    ),
    Case(
        "unknown-document",
        PUT,
        Decision.UNKNOWN,
        PULUMI,
        identity=ID_S3,
        resource=(Policy(UNKNOWN, "bucket"),),
    ),
    Case(
        "unknown-request-resource-under-allowed-prefix",
        req("s3:PutObject", f"arn:aws:s3:::{UNKNOWN}"),
        Decision.ALLOW,
        PULUMI,
        identity=(pol(allow("s3:PutObject", "arn:aws:s3:::*")),),
    ),
    Case(
        "unknown-resource-account",
        req("s3:PutObject", OBJECT, account=UNKNOWN),
        Decision.UNKNOWN,
        f"{PULUMI}; {CROSS}",
        identity=ID_S3,
    ),
    Case(
        "unknown-condition-value-in-context",
        req("s3:GetObject", OBJECT, context={"aws:SourceVpce": UNKNOWN}),
        Decision.UNKNOWN,
        PULUMI,
        identity=(*ID_S3, pol(deny("s3:*", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}))),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_decision(case: Case) -> None:
    result = run(case)
    assert result.decision is case.expected, f"{case.source}: got {result.decision.value}: {result.reason}"


def test_every_row_cites_a_documentation_page() -> None:
    assert len({case.id for case in CASES}) == len(CASES), "duplicate case ids"
    for case in CASES:
        assert ".md" in case.source or "Developer Guide" in case.source, case.id


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_deny_wins_whatever_the_statement_order(order: tuple[int, ...]) -> None:
    """IAM User Guide, Policy evaluation logic: an explicit deny in any policy overrides any allows, and policies have
    no order. Would fail if a later or earlier Allow could win."""
    statements = [allow("s3:*", Sid="broad"), deny("s3:PutObject", f"{BUCKET}/*", Sid="no-put"), allow("*", Sid="all")]
    identity = pol(*(statements[i] for i in order), source="identity")
    result = evaluate(PUT, identity=[identity], resource=list(BUCKET_TO_APP))
    assert result.decision is Decision.DENY
    assert result.matches == (Match("identity", "no-put", "Deny"),)
    assert result.reason == "explicit Deny in identity statement no-put"


def test_deny_in_any_policy_type_wins_over_allows_everywhere() -> None:
    everything = pol(allow("*"))
    for where in ("identity", "resource", "boundary", "scp", "session"):
        denying = pol(
            deny("s3:PutObject", Principal="*") if where == "resource" else deny("s3:PutObject"), source=where
        )
        sets: dict[str, list[Policy]] = {
            "identity": [everything],
            "resource": [pol(allow("*", Principal="*"))],
            "boundary": [everything],
            "scp": [everything],
            "session": [everything],
        }
        sets[where] = [*sets[where], denying]
        result = evaluate(PUT, **sets)
        assert result.decision is Decision.DENY, where
        assert result.matches[0].source == where
    assert evaluate(PUT, identity=[everything]).decision is Decision.ALLOW


def test_reasons_name_the_deciding_side() -> None:
    cross = req("s3:PutObject", OBJECT, APP_B, A)
    no_resource = evaluate(
        cross, identity=list(ID_S3), resource=[pol(allow("s3:*", Principal={"AWS": A}), source="bucket")]
    )
    assert no_resource.reason == f"cross-account: resource policy bucket has no Allow for {ROLE_B}"
    assert evaluate(GET).reason == f"no Allow in the identity policies of {ROLE}"
    allowed = evaluate(GET, identity=[pol(allow("s3:GetObject", Sid="read"), source="identity")])
    assert allowed.matches == (Match("identity", "read", "Allow"),)
    assert allowed.reason == "allowed by identity statement read"
    delegated = evaluate(req("kms:Decrypt", KEY), resource=[pol(allow("kms:*", Principal={"AWS": ROOT}), source="key")])
    assert (
        delegated.reason
        == f"KMS key policy key delegates to account {A}, but no Allow in the identity policies of {ROLE}"
    )
    boundary = evaluate(PUT, identity=list(ID_S3), boundary=[pol(allow("ec2:*"), source="boundary")])
    assert boundary.reason == "permissions boundary boundary has no Allow for s3:PutObject"


def test_unknown_results_say_what_was_unknown() -> None:
    result = evaluate(PUT, identity=[pol(allow("s3:PutObject", f"arn:aws:s3:::{UNKNOWN}/*", Sid="put"), source="id")])
    assert result.decision is Decision.UNKNOWN
    assert result.reason.startswith("unknown: Allow in id statement put (Resource)")
    assert "allow or implicit-deny" in result.reason
    assert result.matches == (Match("id", "put", "Allow"),)


def test_unknown_in_the_caller_arn() -> None:
    caller = Principal(f"arn:aws:iam::{A}:role/{UNKNOWN}", A)
    named = [pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": ROLE}))]
    assert evaluate(req("s3:PutObject", OBJECT, caller), resource=named).decision is Decision.UNKNOWN
    elsewhere = [pol(allow("s3:*", f"{BUCKET}/*", Principal={"AWS": f"arn:aws:iam::{B}:role/app"}))]
    assert evaluate(req("s3:PutObject", OBJECT, caller), resource=elsewhere).decision is Decision.IMPLICIT_DENY


def test_json_text_documents_and_single_statement_objects() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": allow("s3:GetObject", OBJECT)})
    policy = Policy(text, "json")
    assert policy.document["Statement"]["Action"] == "s3:GetObject"
    assert evaluate(GET, identity=[policy]).decision is Decision.ALLOW


def test_json_text_with_an_unknown_field_is_unknown_only_there() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": allow("s3:PutObject", f"arn:aws:s3:::{UNKNOWN}/*")})
    result = evaluate(PUT, identity=[Policy(text, "id")])
    assert result.decision is Decision.UNKNOWN
    assert "statement #0 (Resource)" in result.reason
    assert evaluate(GET, identity=[Policy(text, "id")]).decision is Decision.IMPLICIT_DENY  # the action rules it out


def test_text_that_is_not_json_is_a_problem_and_unknown_never_an_error() -> None:
    """A policy that is not JSON is no policy AWS would store; evaluating with it must not stop (one such document
    in a plan would abort every proof of the stack), and no request it could decide gets a definite answer."""
    policy = Policy('{"Statement": [', "garbled")
    assert len(policy.problems) == 1 and policy.problems[0].startswith("garbled: policy text is not JSON"), policy
    result = evaluate(PUT, identity=[policy])
    assert result.decision is Decision.UNKNOWN, result
    assert "garbled statement (not JSON)" in result.reason and "not JSON" in result.reason, result.reason


def test_statement_ids_default_to_their_index() -> None:
    result = evaluate(PUT, identity=[pol(allow("s3:GetObject"), deny("s3:PutObject"), source="id")])
    assert result.matches == (Match("id", "#1", "Deny"),)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"Statement": {"Effect": "Permit", "Action": "*", "Resource": "*"}}, "Effect must be Allow or Deny"),
        ({"Statement": {"Effect": "Allow", "Resource": "*"}}, "needs exactly one of Action and NotAction"),
        (
            {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "*"}},
            "has both Resource and NotResource",
        ),
        (
            {"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringSortOf": {"k": "v"}}}},
            "StringSortOf is not a condition operator IAM documents",
        ),
        (
            {"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"NullIfExists": {"k": "true"}}}},
            "NullIfExists is not a condition operator IAM documents",
        ),
        (
            {"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"NumericEquals": {"k": "ten"}}}},
            "'ten' is not an integer or decimal number",
        ),
        ({"Statement": "Allow everything"}, "Statement must be an object or a list of them"),
        (["not", "a", "document"], "a policy document must be a JSON object"),
    ],
)
def test_malformed_documents_are_problems_that_make_their_requests_unknown(document: Any, problem: str) -> None:
    """IAM User Guide, IAM JSON policy element reference (reference_policies_elements.md): each of these is no
    policy IAM accepts. The evaluator records it, names the statement, and answers UNKNOWN for the request it could
    decide instead of raising (which aborted every proof of a stack)."""
    policy = Policy(document, "bad")
    assert any(problem in found and found.startswith("bad") for found in policy.problems), policy.problems
    assert evaluate(GET, identity=[policy]).decision is Decision.UNKNOWN


def test_a_malformed_statement_leaves_the_others_of_its_document_as_written() -> None:
    """Only the statement that cannot be read is unknown: a Deny beside it still denies, an Allow still allows
    what the unreadable statement could not have denied (it is an Allow too)."""
    policy = pol(
        allow("s3:GetObject", Sid="read"),
        deny("s3:DeleteObject", Sid="no-delete"),
        allow("s3:PutObject", Condition={"DateGreaterThan": {"aws:CurrentTime": "last tuesday"}}, Sid="odd"),
    )
    assert evaluate(GET, identity=[policy]).decision is Decision.ALLOW
    assert evaluate(req("s3:DeleteObject", OBJECT), identity=[policy]).decision is Decision.DENY
    put = evaluate(PUT, identity=[policy])
    assert put.decision is Decision.UNKNOWN and "statement odd" in put.reason and "last tuesday" in put.reason, put


def test_assume_role_helper_rejects_other_actions() -> None:
    with pytest.raises(ValueError, match="sts:AssumeRole"):
        evaluate_assume_role(PUT, trust_doc({"AWS": ROLE}))


def test_explain_lists_the_statements() -> None:
    result = evaluate(PUT, identity=[pol(deny("s3:*", Sid="no-s3"), source="guardrail")])
    assert explain(result) == "deny: explicit Deny in guardrail statement no-s3\n  - Deny guardrail statement no-s3"


# --- NotPrincipal: only with Deny ---------------------------------------------------------------------------------
# IAM User Guide, "AWS JSON policy elements: NotPrincipal" (reference_policies_elements_notprincipal.md), current text:
# "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not supported." (IAM Access
# Analyzer reports such a statement as ALLOW_WITH_NOT_PRINCIPAL.)

ALLOW_ALL_BUT_APP = pol(allow("s3:*", f"{BUCKET}/*", NotPrincipal={"AWS": [SESSION, ROLE, ROOT]}, Sid="all-but-app"))


@pytest.mark.parametrize(
    "caller", [APP, Principal(OTHER_ROLE, A), CARLOS, APP_B], ids=["listed", "other-role", "user", "other-account"]
)
def test_allow_with_not_principal_is_unknown_for_every_caller(caller: Principal) -> None:
    """IAM User Guide, NotPrincipal: "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow"
    is not supported." The older text said such a statement grants everyone but the listed principals; the current
    guide gives it no meaning, so no caller, listed or not, gets a definite answer from it. Same-account callers
    have no identity policy here (the bucket policy alone would decide); the caller of the other account has one
    (across accounts both sides must allow, and the bucket policy's side is the unknown one)."""
    identity = [pol(allow("s3:*"))] if caller.account != A else []
    result = evaluate(req("s3:PutObject", OBJECT, caller, A), identity=identity, resource=[ALLOW_ALL_BUT_APP])
    assert result.decision is Decision.UNKNOWN, result
    assert 'NotPrincipal with "Effect": "Allow", which IAM does not support' in result.reason, result.reason
    assert Match("policy", "all-but-app", "Allow") in result.matches


def test_allow_with_not_principal_decides_nothing_another_statement_decides() -> None:
    """The unsupported statement is unknown, not poison: a caller its own identity policy allows in the account is
    allowed (IAM User Guide, Policy evaluation logic: within one account either side suffices), and a Deny denies."""
    assert evaluate(PUT, identity=list(ID_S3), resource=[ALLOW_ALL_BUT_APP]).decision is Decision.ALLOW
    denied = evaluate(PUT, identity=[pol(deny("s3:PutObject"))], resource=[ALLOW_ALL_BUT_APP])
    assert denied.decision is Decision.DENY, denied


def test_allow_with_not_principal_cannot_open_a_key_or_a_trust() -> None:
    """The statement is unknown where a resource policy is required (KMS key policies, IAM User Guide, Policy
    evaluation logic): a definite ALLOW for a caller it does not list is exactly what the current guide withdraws."""
    key_policy = pol(allow("kms:*", NotPrincipal={"AWS": ROLE_B}, Sid="everyone-else"))
    result = evaluate(
        req("kms:Decrypt", KEY, Principal(OTHER_ROLE, A)), identity=[pol(allow("kms:*"))], resource=[key_policy]
    )
    assert result.decision is Decision.UNKNOWN, result


def test_not_principal_in_a_trust_policy_is_unknown() -> None:
    """IAM User Guide, NotPrincipal, key points: "You cannot use the NotPrincipal element in an IAM identity-based
    policy nor in an IAM role trust policy." A trust policy holding one cannot exist, with either effect."""
    trust = Policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"},
                {
                    "Sid": "only-app",
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": [ROLE, ROOT]},
                    "Action": "sts:AssumeRole",
                },
            ],
        },
        "trust",
    )
    result = evaluate_assume_role(req("sts:AssumeRole", TARGET, CARLOS), trust, identity=[pol(allow("sts:*"))])
    assert result.decision is Decision.UNKNOWN, result
    assert "NotPrincipal in a role trust policy" in result.reason, result.reason


def test_deny_with_not_principal_always_denies_a_caller_with_a_permissions_boundary() -> None:
    """IAM User Guide, NotPrincipal, key points: "The NotPrincipal element with a Deny effect will always deny any
    IAM principal that has a permissions boundary policy attached, regardless of the values specified in the
    NotPrincipal element." The same caller without a boundary is exempt by the full chain it lists."""
    chain = pol(deny("s3:*", f"{BUCKET}/*", NotPrincipal={"AWS": [SESSION, ROLE, ROOT]}, Sid="only-app"))
    assert evaluate(PUT, identity=list(ID_S3), resource=[chain]).decision is Decision.ALLOW
    bounded = evaluate(PUT, identity=list(ID_S3), resource=[chain], boundary=[pol(allow("*"))])
    assert bounded.decision is Decision.DENY and bounded.matches == (Match("policy", "only-app", "Deny"),), bounded


def test_not_principal_outside_resource_policies_is_unknown() -> None:
    """IAM User Guide, NotPrincipal, key points: "You cannot use the NotPrincipal element in an IAM identity-based
    policy nor in an IAM role trust policy", and SCPs and RCPs do not support it either. A permissions boundary is an
    identity-based policy. Such a statement cannot exist, so it decides nothing definite."""
    odd = pol(deny("s3:PutObject", NotPrincipal={"AWS": ROLE}, Sid="odd"), source="odd")
    for where in ("identity", "boundary", "scp"):
        sets: dict[str, list[Policy]] = {"identity": [*ID_S3], "boundary": [pol(allow("*"))], "scp": [pol(allow("*"))]}
        sets[where] = [*sets[where], odd]
        result = evaluate(PUT, resource=list(BUCKET_TO_APP), **sets)
        assert result.decision is Decision.UNKNOWN, (where, result)
        assert "NotPrincipal outside a resource-based policy" in result.reason, result.reason


def test_a_pattern_is_compiled_once_per_process_for_the_same_text_and_flags() -> None:
    """check --all proves every member with the same action lists: each pattern is made once
    (failsafe/tooling/access/iam/patterns.py, ``glob``), which is sound because no code changes a Glob after it is
    made (and it takes no attribute beyond its slots)."""
    from failsafe.tooling.access.iam.patterns import glob

    first = glob("s3:Get*", wild=True, fold=True)
    assert glob("s3:Get*", wild=True, fold=True) is first
    assert glob("s3:Get*", wild=True, fold=False) is not first  # another way to match is another pattern
    assert first.match("S3:GetObject", {}) is True and first.match("s3:PutObject", {}) is False
    with pytest.raises(AttributeError):
        first.custom = True  # type: ignore[attr-defined]  # __slots__: no attribute can be added
