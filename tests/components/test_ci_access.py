"""CiAccess keeps pull requests away from dr's and prod's powers (issue 14, CI).

A pull request's `pulumi preview` of prod or dr starts from a role trusted only for the ``pull_request`` subject,
which can assume nothing but the read-only role of each account the stack's providers touch; the read-only role
reads configuration and is explicitly denied data. The archive job has a role of its own environment. Judged on
the real stacks' plans with AWS's evaluation logic (failsafe.tooling.access.evaluator).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from failsafe.tooling import harness
from failsafe.tooling.access.evaluator import Decision, Policy, Principal, Request, evaluate
from failsafe.tooling.cli import plan_stack
from failsafe_components.ci_access import (
    ARCHIVE_ENVIRONMENT,
    DATA_READ_ACTIONS,
    STACK_READ_ACTIONS,
    VIEW_ONLY_POLICY_ARN,
    CiAccessArgs,
    read_role_name,
)
from failsafe_components.errors import ComponentArgsError
from tests.support.plans import cached_plan

REPO = "example-org/failsafe"
OIDC_SUB = "token.actions.githubusercontent.com:sub"
PROD, BACKUP, PREVIEW, DNS = "111111111111", "222222222222", "444444444444", "555555555555"
READER = read_role_name("failsafe")
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
READ_VERBS = ("Describe", "Get", "List")


def resource(plan: harness.Plan, type_: str, name: str) -> harness.PlannedResource:
    found = [r for r in plan.by_type(type_) if r.name == name]
    assert len(found) == 1, f"{plan.stack}: expected one {type_} named {name}, found {[r.urn for r in found]}"
    return found[0]


def doc(r: harness.PlannedResource, key: str) -> dict[str, Any]:
    value = r.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


def provider_roles(plan: harness.Plan) -> set[str]:
    roles: set[str] = set()
    for r in plan.by_type("pulumi:providers:aws"):
        assume = r.inputs.get("assumeRoles")
        assume = json.loads(assume) if isinstance(assume, str) else assume or []
        roles |= {a["roleArn"] for a in assume}
    return roles


def subjects(role: harness.PlannedResource) -> list[str]:
    (statement,) = doc(role, "assumeRolePolicy")["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity", f"{role.urn}: not a GitHub OIDC role"
    assert statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert set(statement["Condition"]) == {"StringEquals"}, f"{role.urn}: only exact subjects, no StringLike"
    return statement["Condition"]["StringEquals"][OIDC_SUB]


def principal(arn: str) -> Principal:
    return Principal(arn=arn, account=arn.split(":")[4])


def can(who: str, identity: list[Policy], action: str, target: str, resource_policy: Policy) -> Decision:
    request = Request(principal(who), action, target, target.split(":")[4] or who.split(":")[4])
    return evaluate(request, identity=identity, resource=[resource_policy]).decision


def delegating_to(account: str) -> Policy:
    """A resource policy (role trust, key or bucket policy) that admits the caller's whole account for everything: the
    most generous one there could be, so the caller's own identity policy decides."""
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "*"}
    return Policy({"Version": "2012-10-17", "Statement": [statement]}, f"resource policy delegating to {account}")


@pytest.mark.parametrize(("stack", "account"), [("dr", BACKUP), ("prod", PROD)])
def test_the_pr_preview_role_trusts_pull_request_events_only(stack: str, account: str) -> None:
    role = resource(cached_plan(stack), ROLE, "ci-pr")
    assert role.inputs["name"] == f"failsafe-ci-{stack}-preview"
    assert subjects(role) == [f"repo:{REPO}:pull_request"], f"{role.urn}: trusts {subjects(role)}"
    assert (
        cached_plan(stack).outputs["ciPrPreviewRoleArn"] == f"arn:aws:iam::{account}:role/failsafe-ci-{stack}-preview"
    )


@pytest.mark.parametrize(
    ("stack", "overrides", "accounts"),
    [
        ("dr", {}, [BACKUP]),
        ("prod", {}, [PROD, PREVIEW]),
        ("prod", {"failsafe:dnsAccountId": DNS}, [PROD, DNS, PREVIEW]),
    ],
    ids=["dr", "prod", "prod-with-dns-account"],
)
def test_the_pr_role_reaches_the_read_only_role_of_every_provider_account_and_no_deploy_role(
    stack: str, overrides: dict[str, str], accounts: list[str]
) -> None:
    plan = plan_stack(stack, overrides) if overrides else cached_plan(stack)
    role = resource(plan, ROLE, "ci-pr")
    handover = Policy(doc(resource(plan, ROLE_POLICY, "ci-pr-handover"), "policy"), "ci-pr-handover")
    pr_arn = role.outputs["arn"]
    generous = delegating_to(pr_arn.split(":")[4])
    for account in accounts:
        reader = f"arn:aws:iam::{account}:role/{READER}"
        assert can(pr_arn, [handover], "sts:AssumeRole", reader, generous) is Decision.ALLOW, reader
    deploy_roles = provider_roles(plan)
    assert deploy_roles and all(READER not in arn for arn in deploy_roles)
    for deploy in [*sorted(deploy_roles), resource(plan, ROLE, "ci-entry").outputs["arn"]]:
        decision = can(pr_arn, [handover], "sts:AssumeRole", deploy, generous)
        assert decision is not Decision.ALLOW, f"{pr_arn} could assume {deploy}: a PR would hold deploy powers"


@pytest.mark.parametrize(
    ("stack", "overrides"), [("dr", {}), ("prod", {}), ("prod", {"failsafe:dnsAccountId": DNS})], ids=str
)
def test_with_the_read_only_role_as_provider_role_every_provider_is_reachable_from_the_pr_role(
    stack: str, overrides: dict[str, str]
) -> None:
    """What pr-checks.yml does: the same program, each provider pointed at the read-only role of its account (the
    provider role is replaced by the read-only role name, account by account), reached from the PR role, whose
    trust the read-only role of each account gives (the real trust where the stack creates it)."""
    plan = plan_stack(stack, overrides) if overrides else cached_plan(stack)
    handover = Policy(doc(resource(plan, ROLE_POLICY, "ci-pr-handover"), "policy"), "ci-pr-handover")
    pr_arn = resource(plan, ROLE, "ci-pr").outputs["arn"]
    trusts = {
        r.outputs["arn"]: Policy(doc(r, "assumeRolePolicy"), r.urn)
        for r in plan.by_type(ROLE)
        if r.inputs["name"] == READER
    }
    bootstrap = Policy(  # a separate DNS account's read-only role comes from its bootstrap (docs/ci.md)
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": pr_arn}, "Action": "sts:AssumeRole"}],
        },
        "bootstrap read-only role trust (docs/ci.md)",
    )
    readers = {f"{arn.rsplit('/', 1)[0]}/{READER}" for arn in provider_roles(plan)}
    assert len(readers) == len(provider_roles(plan)), "one provider role per account"
    for role in sorted(readers):
        decision = can(pr_arn, [handover], "sts:AssumeRole", role, trusts.get(role, bootstrap))
        assert decision is Decision.ALLOW, f"a PR preview of {stack} cannot assume {role}: that provider would fail"


@pytest.mark.parametrize(("stack", "name"), [("dr", "ci"), ("prod", "ci"), ("prod", "preview-ci")])
def test_the_read_only_role_trusts_only_the_pr_preview_role(stack: str, name: str) -> None:
    """And, in prod's own account, the configuration capture's role in the backup account (capture.yml)."""
    plan = cached_plan(stack)
    reader = resource(plan, ROLE, f"{name}-read")
    assert reader.inputs["name"] == READER
    (statement,) = doc(reader, "assumeRolePolicy")["Statement"]
    home = BACKUP if stack == "dr" else PROD
    expected = [f"arn:aws:iam::{home}:role/failsafe-ci-{stack}-preview"]
    if (stack, name) == ("prod", "ci"):
        expected.append(f"arn:aws:iam::{BACKUP}:role/failsafe-ci-capture")
    assert statement["Principal"] == {"AWS": expected}
    assert statement["Action"] == "sts:AssumeRole" and "Condition" not in statement


@pytest.mark.parametrize(("stack", "name"), [("dr", "ci"), ("prod", "ci"), ("prod", "preview-ci")])
def test_the_read_only_role_reads_configuration_and_is_denied_data_and_writes(stack: str, name: str) -> None:
    plan = cached_plan(stack)
    reader = resource(plan, ROLE, f"{name}-read").outputs["arn"]
    attachments = [r.inputs["policyArn"] for r in plan.by_type(ATTACHMENT) if r.name.startswith(f"{name}-read")]
    # prod's reader also carries the configuration capture's Cloud Control read policies (customer managed, read
    # actions only; tests/components/test_capture_read_policies.py holds them to the generated data file)
    capture = [a for a in attachments if a != VIEW_ONLY_POLICY_ARN]
    assert VIEW_ONLY_POLICY_ARN in attachments, f"{reader}: managed policies {attachments}"
    if (stack, name) == ("prod", "ci"):
        account = reader.split(":")[4]
        role_name = reader.rsplit("/", 1)[1]
        assert capture and all(a.startswith(f"arn:aws:iam::{account}:policy/{role_name}-capture-") for a in capture)
    else:
        assert capture == [], f"{reader}: managed policies {attachments}"
    document = doc(resource(plan, ROLE_POLICY, f"{name}-read-scope"), "policy")
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow":
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            writes = [a for a in actions if not a.split(":", 1)[1].startswith(READ_VERBS)]
            assert not writes, f"{reader} is allowed more than reads: {writes}"
    policy = Policy(document, f"{name}-read-scope")
    allowed = {
        "iam:GetRole": "arn:aws:iam::{a}:role/failsafe-deploy",
        "s3:GetBucketPolicy": "arn:aws:s3:::failsafe-state-archive-eu-central-1",
        "kms:GetKeyPolicy": "arn:aws:kms:eu-west-1:{a}:key/1234",
        "backup:GetBackupVaultAccessPolicy": "arn:aws:backup:eu-west-1:{a}:backup-vault:failsafe",
    }
    denied = {
        "s3:GetObject": "arn:aws:s3:::failsafe-state-archive-eu-central-1/prod/x.json",
        "s3:GetObjectVersion": "arn:aws:s3:::failsafe-state-archive-eu-central-1/prod/x.json",
        "secretsmanager:GetSecretValue": "arn:aws:secretsmanager:eu-west-1:{a}:secret:failsafe/db",
        "ssm:GetParameter": "arn:aws:ssm:eu-west-1:{a}:parameter/failsafe/x",
        "ssm:GetParametersByPath": "arn:aws:ssm:eu-west-1:{a}:parameter/failsafe",
        "kms:Decrypt": "arn:aws:kms:eu-west-1:{a}:key/1234",
        "logs:GetLogEvents": "arn:aws:logs:eu-west-1:{a}:log-group:x",
        "ecr:BatchGetImage": "arn:aws:ecr:eu-west-1:{a}:repository/x",
        "sts:AssumeRole": "arn:aws:iam::{a}:role/failsafe-deploy",
        "s3:PutObject": "arn:aws:s3:::failsafe-state-archive-eu-central-1/prod/x.json",
        "iam:CreateRole": "arn:aws:iam::{a}:role/x",
        "iam:PutRolePolicy": "arn:aws:iam::{a}:role/failsafe-ci-read",
        "s3:DeleteBucket": "arn:aws:s3:::failsafe-state-archive-eu-central-1",
    }
    account = reader.split(":")[4]
    generous = delegating_to(account)  # even a resource policy that admits the whole account does not help
    for action, target in allowed.items():
        decision = can(reader, [policy], action, target.format(a=account), generous)
        assert decision is Decision.ALLOW, f"{reader} cannot {action}: a refresh of the stack needs it"
    for action, target in denied.items():
        decision = can(reader, [policy], action, target.format(a=account), generous)
        assert decision is not Decision.ALLOW, f"{reader} may {action} on {target}: PR code could read data or write"
        if action in ("s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter", "kms:Decrypt"):
            assert decision is Decision.DENY, f"{reader}: {action} must be denied explicitly, got {decision}"


def test_every_read_action_is_a_read_and_data_actions_are_never_allowed() -> None:
    assert all(a.split(":", 1)[1].startswith(READ_VERBS) for a in STACK_READ_ACTIONS)
    assert {"s3:GetObject*", "secretsmanager:GetSecretValue", "ssm:GetParameter*", "kms:Decrypt"} <= set(
        DATA_READ_ACTIONS
    )


def test_the_archive_role_trusts_its_own_environment_not_drs() -> None:
    role = resource(cached_plan("dr"), ROLE, "ci-archive")
    assert subjects(role) == [f"repo:{REPO}:environment:{ARCHIVE_ENVIRONMENT}"], subjects(role)


def args(**changes: Any) -> CiAccessArgs:
    base: dict[str, Any] = {
        "name_prefix": "failsafe",
        "github_repository": REPO,
        "account_id": PROD,
        "region": "eu-west-1",
        "environment": "prod",
        "deploy_role_name": "failsafe-deploy",
        "pr_read_role_arns": (f"arn:aws:iam::{PROD}:role/{READER}",),
        "read_role_name": READER,
    }
    return CiAccessArgs(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pr_read_role_arns": (f"arn:aws:iam::{PROD}:role/failsafe-deploy",)}, "must never reach a deploy role"),
        ({"pr_read_role_arns": (f"arn:aws:iam::{PROD}:role/*",)}, "IAM role ARNs"),
        ({"read_role_name": "failsafe-deploy"}, "a role other than the deploy role"),
        ({"pr_read_role_arns": (), "read_role_trusted_arns": ()}, "someone to trust"),
    ],
    ids=["deploy-role", "wildcard", "reader-is-deployer", "nobody-trusted"],
)
def test_args_refuse_a_pr_path_to_deploy_powers(changes: dict[str, Any], message: str) -> None:
    args().validate()
    with pytest.raises(ComponentArgsError, match=message):
        args(**changes).validate()
