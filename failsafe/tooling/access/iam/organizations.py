"""AWS Organizations' authorization policies: service control policies (SCPs) cap the identities of the
organization's member accounts, resource control policies (RCPs) cap the resources of its member accounts. Neither
ever grants; both are evaluated next to each other (IAM User Guide, "How AWS enforcement code logic evaluates requests
to allow or deny access": the deny evaluation covers "AWS Organizations SCPs and RCPs", then the RCPs that apply to the
request, then the SCPs).

SCPs (AWS Organizations User Guide, "Service control policies (SCPs)", "SCP effects on permissions", and "SCP
evaluation"): they "affect only member accounts in the organization. They have no effect on users or roles in the
management account"; they "don't affect users or roles from accounts outside the organization"; they "do not affect
any service-linked role"; they cap identity-based grants (a request needs an Allow at every level from the root through
each OU to the account, the default FullAWSAccess being one); they do not restrict AWS service principals.

RCPs (AWS Organizations User Guide, "Resource control policies (RCPs)", sections "RCP effects on permissions" and
"Resources and entities not restricted by RCPs"; "RCP evaluation"; "RCP syntax"):

- "RCPs affect only resources in member accounts in the organization. They have no effect on resources in the
  management account", and they "don't affect resources from accounts outside the organization";
- they "impact the effective permissions of principals trying to access resources in a member account with an
  applicable RCP, regardless of whether the principals belong to the same organizations or not. This includes root
  users. The exception is when principals are service-linked roles": callers from outside the organization,
  web-identity callers and AWS service principals are capped too (aws-samples/data-perimeter-policy-examples'
  ``identity_perimeter_rcp.json`` denies ``sts:AssumeRoleWithWebIdentity`` to untrusted OIDC tenants and service
  principals acting for other organizations);
- "RCPs do not apply to AWS managed keys for AWS Key Management Service", nor to ``kms:RetireGrant``;
- "RCPs apply to actions for the following AWS services" only: Amazon S3, AWS STS, AWS KMS, Amazon SQS, AWS Secrets
  Manager, Amazon ECR and Amazon OpenSearch Serverless, to which the data-perimeter examples (commit 8e0d3c5, March
  2026) add Amazon Cognito, CloudWatch Logs and DynamoDB. The list grows: for an action of any other service, an RCP
  statement that would deny it makes the answer unknown rather than assume the service is still outside the list;
- "The effect of Allow is only supported for the RCPFullAWSAccess policy", which is attached at every level and cannot
  be detached (RCP syntax, "Elements summary"; RCP evaluation, "Strategy for using RCPs"): an RCP caps by its Deny
  statements alone. RCP statements name ``Principal: "*"`` (RCP syntax), and the key points of the IAM User Guide's
  "AWS JSON policy elements: NotPrincipal" say that SCPs and RCPs do not support the NotPrincipal element. A statement
  outside that syntax cannot be in force: the answer is unknown wherever it could decide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from failsafe.tooling.access.iam.model import Request, Tri
from failsafe.tooling.access.iam.principals import Caller
from failsafe.tooling.access.iam.statements import Policy, Stmt

RCP_SERVICES = frozenset(
    {
        "s3",
        "sts",
        "kms",
        "sqs",
        "secretsmanager",
        "ecr",
        "aoss",
        "cognito-identity",
        "cognito-idp",
        "logs",
        "dynamodb",
    }
)
"""Service prefixes of the actions RCPs apply to (see the module doc for the sources)."""

Levels = Sequence[Sequence[Policy]]
"""The policies attached at each level of the organization above an account, root first, the account's own last."""


@dataclass(frozen=True)
class Organization:
    """An AWS Organizations organization as the evaluator needs it: its ID (for ``aws:PrincipalOrgID``,
    ``aws:ResourceOrgID`` and ``aws:SourceOrgID``), its management account, every account in it (the management
    account included), and the SCPs and RCPs attached above each member account. An account without an entry has
    only the default FullAWSAccess / RCPFullAWSAccess policies: nothing caps it."""

    id: str
    management_account: str
    accounts: frozenset[str]
    scps: Mapping[str, Levels] = field(default_factory=dict)
    rcps: Mapping[str, Levels] = field(default_factory=dict)
    # account -> its entity path (o-.../r-.../ou-.../), the value of aws:PrincipalOrgPaths for its principals and of
    # aws:ResourceOrgPaths for its resources (IAM User Guide, AWS global condition context keys); an account without
    # an entry has no path in the context (a condition on it then depends on nothing the proofs know)
    paths: Mapping[str, str] = field(default_factory=dict)

    def is_member(self, account: str) -> bool:
        """A member account: in the organization and not its management account."""
        return account in self.accounts and account != self.management_account

    def scp_levels(self, caller: Caller) -> tuple[tuple[Policy, ...], ...] | None:
        """The SCPs that cap ``caller``, by level; None when none does."""
        if not scps_apply(caller) or not self.is_member(caller.account) or caller.account not in self.scps:
            return None
        return tuple(tuple(level) for level in self.scps[caller.account])

    def rcps_of(self, resource_account: str) -> tuple[Policy, ...] | None:
        """The RCPs attached above ``resource_account`` (every level: any of them can deny); None when none is."""
        if not self.is_member(resource_account) or resource_account not in self.rcps:
            return None
        return tuple(policy for level in self.rcps[resource_account] for policy in level)


def scps_apply(caller: Caller) -> bool:
    """SCPs cap IAM users and roles (and root users) of member accounts, never service-linked roles, AWS service
    principals or web-identity callers (who are not principals of an account until they hold a role session)."""
    return caller.kind == "aws" and not caller.service_linked


def rcps_apply(request: Request, caller: Caller) -> Tri:
    """Whether RCPs cap this request: not for service-linked roles, AWS managed KMS keys or ``kms:RetireGrant``;
    unknown for an action of a service the documented list does not name."""
    action = request.action.lower()
    service = action.partition(":")[0]
    if caller.service_linked or action == "kms:retiregrant" or (service == "kms" and request.aws_managed_key):
        return False
    return True if service in RCP_SERVICES else None


def rcp_statement_problem(statement: Stmt) -> str:
    """Why ``statement`` cannot be a statement of an RCP in force ("" when it can be one). A statement unknown at
    preview is not judged."""
    if statement.opaque:
        return statement.problem
    if statement.not_principal:
        return "RCPs do not support NotPrincipal"
    principal = statement.principal
    if principal is None or not (principal.star or principal.unknown):
        return 'an RCP statement takes Principal "*"'
    if statement.allow and not statement.everything_for_everyone:
        return "in RCPs the effect of Allow is only supported for the RCPFullAWSAccess policy"
    return ""
