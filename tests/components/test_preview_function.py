"""Mock-runtime tests of generated preview stacks (``pr-<n>``), planned from the real template and program."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from failsafe.tooling import harness
from failsafe.tooling.cli import PlanError, plan_stack
from failsafe_components.errors import ComponentArgsError
from failsafe_components.preview_function import PreviewFunctionArgs, tag_value

FUNCTION = "aws:lambda/function:Function"
URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"
REPOSITORY = "aws:ecr/repository:Repository"
IMAGE = "docker-build:index:Image"
ROLE = "aws:iam/role:Role"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TAGGED = (FUNCTION, REPOSITORY, ROLE, LOG_GROUP)
PREVIEW_ACCOUNT = "444444444444"
DIGEST = "sha256:" + "ab" * 32
LONG_BRANCH = "feature/" + "a-very-long-branch-name-that-keeps-going-" * 6 + "#1 'quoted' (x)"

_PLANS: dict[tuple[str, tuple[tuple[str, Any], ...]], harness.Plan] = {}


def plan(stack: str, **overrides: Any) -> harness.Plan:
    key = (stack, tuple(sorted(overrides.items())))
    if key not in _PLANS:
        _PLANS[key] = plan_stack(stack, {f"failsafe:{k}": v for k, v in overrides.items()})
    return _PLANS[key]


def only(p: harness.Plan, type_: str) -> harness.PlannedResource:
    found = p.by_type(type_)
    assert len(found) == 1, f"{p.stack}: expected one {type_}, found {[r.urn for r in found]}"
    return found[0]


@pytest.fixture(scope="module")
def pr42(plan_for: Callable[[str], harness.Plan]) -> harness.Plan:
    return plan_for("pr-42")


def test_function_is_an_image_package_pinned_to_the_built_digest(pr42: harness.Plan) -> None:
    function = only(pr42, FUNCTION)
    image = only(pr42, IMAGE)
    repository = only(pr42, REPOSITORY)
    assert function.inputs["packageType"] == "Image", f"{function.urn}: packageType {function.inputs['packageType']}"
    expected = f"{repository.outputs['repositoryUrl']}@{image.outputs['digest']}"
    assert function.inputs["imageUri"] == expected, f"{function.urn}: imageUri not pinned to the image digest"
    assert pr42.outputs["imageDigest"] == image.outputs["digest"]


def test_image_is_built_for_the_configured_architecture_by_an_explicit_provider(pr42: harness.Plan) -> None:
    image = only(pr42, IMAGE)
    function = only(pr42, FUNCTION)
    assert function.inputs["architectures"] == ["arm64"]
    assert image.inputs["platforms"] == ["linux/arm64"], f"{image.urn}: platforms {image.inputs['platforms']}"
    assert image.inputs["push"] is True and image.inputs["context"]["location"] == "app"
    assert image.provider_urn.endswith("pulumi:providers:docker-build::app-docker"), image.provider
    assert image.inputs["registries"][0]["address"] == f"{PREVIEW_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
    amd = only(plan("pr-42", previewArchitecture="x86_64"), IMAGE)
    assert amd.inputs["platforms"] == ["linux/amd64"]


def test_repository_scans_on_push_and_is_force_deletable_only_because_previews_are_disposable(
    pr42: harness.Plan,
) -> None:
    repository = only(pr42, REPOSITORY)
    assert repository.inputs["imageScanningConfiguration"]["scanOnPush"] is True
    assert repository.inputs["forceDelete"] is True
    lifecycle = only(pr42, "aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert '"imageCountMoreThan"' in lifecycle.inputs["policy"], "lifecycle must keep the newest images by count"


def test_url_requires_aws_iam_by_default_and_has_no_public_permission(pr42: harness.Plan) -> None:
    url = only(pr42, URL)
    assert url.inputs["authorizationType"] == "AWS_IAM", f"{url.urn}: {url.inputs['authorizationType']}"
    assert pr42.by_type(PERMISSION) == [], "a private preview must not grant public invoke permissions"


def test_public_url_only_with_config_and_then_both_permissions_exist_before_the_url() -> None:
    p = plan("pr-42", previewPublicUrl="true")
    url = only(p, URL)
    assert url.inputs["authorizationType"] == "NONE"
    permissions = {r.inputs["action"]: r for r in p.by_type(PERMISSION)}
    assert set(permissions) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}, sorted(permissions)
    assert permissions["lambda:InvokeFunctionUrl"].inputs["functionUrlAuthType"] == "NONE"
    assert permissions["lambda:InvokeFunction"].inputs["invokedViaFunctionUrl"] is True
    for permission in permissions.values():
        assert permission.urn in url.dependencies, f"{url.urn} is not ordered after {permission.urn}"


@pytest.mark.parametrize("mode", ["BUFFERED", "RESPONSE_STREAM"])
def test_url_invoke_mode_matches_the_adapters(mode: str) -> None:
    p = plan("pr-42", previewInvokeMode=mode)
    adapter_mode = only(p, FUNCTION).inputs["environment"]["variables"]["AWS_LWA_INVOKE_MODE"]
    assert only(p, URL).inputs["invokeMode"] == mode
    assert adapter_mode == mode.lower(), f"adapter mode {adapter_mode} does not match the URL's {mode}"


def test_cost_ceiling_and_log_retention_come_from_config(pr42: harness.Plan) -> None:
    function = only(pr42, FUNCTION)
    # by default no reservation: a new account's quota of 10 refuses any (FACTS: Lambda concurrency)
    assert "reservedConcurrentExecutions" not in function.inputs, function.inputs
    assert function.inputs["environment"]["variables"]["AWS_LWA_READINESS_CHECK_PATH"] == "/health"
    p = plan("pr-42", previewReservedConcurrency="3", previewMemoryMb="256", previewLogRetentionDays="3")
    assert only(p, FUNCTION).inputs["reservedConcurrentExecutions"] == 3
    assert only(p, FUNCTION).inputs["memorySize"] == 256
    log_group = only(p, LOG_GROUP)
    assert log_group.inputs["retentionInDays"] == 3
    assert only(p, FUNCTION).inputs["loggingConfig"]["logGroup"] == log_group.inputs["name"]


def test_execution_role_may_only_write_its_own_logs(pr42: harness.Plan) -> None:
    policy = only(pr42, "aws:iam/rolePolicy:RolePolicy").inputs["policy"]
    log_group = only(pr42, LOG_GROUP)
    assert '"Action": ["logs:CreateLogStream", "logs:PutLogEvents"]' in policy, policy
    assert f'"Resource": ["{log_group.outputs["arn"]}:*"]' in policy, policy
    assert '*"' not in policy.replace(f'{log_group.outputs["arn"]}:*"', ""), f"wildcard beyond own logs: {policy}"
    assert "lambda.amazonaws.com" in only(pr42, ROLE).inputs["assumeRolePolicy"]


@pytest.mark.parametrize("pr_number", [1, 42, 999999])
def test_names_fit_limits_and_do_not_depend_on_the_branch(pr_number: int) -> None:
    p = plan(f"pr-{pr_number}", previewBranch=LONG_BRANCH)
    other = plan(f"pr-{pr_number}", previewBranch="main")
    limits = {FUNCTION: 64, ROLE: 64, REPOSITORY: 256, LOG_GROUP: 512}
    for type_, limit in limits.items():
        name = only(p, type_).inputs["name"]
        assert len(name) <= limit, f"{type_} name {name!r} is {len(name)} > {limit}"
        assert f"pr-{pr_number}" in name, f"{type_} name {name!r} does not carry the PR number"
        assert only(other, type_).inputs["name"] == name, f"{type_} name changes with the branch"
    assert re.fullmatch(r"[a-z0-9]+(?:[._-][a-z0-9]+)*", only(p, REPOSITORY).inputs["name"]), "invalid ECR name"
    assert re.fullmatch(r"[a-zA-Z0-9_-]+", only(p, FUNCTION).inputs["name"]), "invalid Lambda name"


def test_distinct_prs_never_share_a_name() -> None:
    names_of = {n: {only(plan(f"pr-{n}"), t).inputs["name"] for t in TAGGED} for n in (4, 42, 420)}
    assert not names_of[4] & names_of[42] and not names_of[42] & names_of[420]


def test_every_taggable_resource_carries_pr_branch_commit_and_expiry() -> None:
    p = plan("pr-42", previewBranch=LONG_BRANCH, previewCommit="0123abcd")
    now = datetime.datetime.now(datetime.UTC)
    for type_ in TAGGED:
        resource = only(p, type_)
        tags = resource.inputs.get("tags") or {}
        assert tags.get("failsafe:pr") == "42", f"{resource.urn}: tags {tags}"
        assert tags.get("failsafe:commit") == "0123abcd", f"{resource.urn}: tags {tags}"
        branch = tags.get("failsafe:branch", "")
        assert branch.startswith("feature/a-very-long") and len(branch) <= 256, f"{resource.urn}: branch {branch!r}"
        assert re.fullmatch(r"[\w .:/=+\-@]+", branch), f"{resource.urn}: branch tag has characters AWS refuses"
        expires = datetime.datetime.fromisoformat(tags["failsafe:expires-at"].replace("Z", "+00:00"))
        ttl = datetime.timedelta(hours=72)  # the template's previewTtlHours
        assert now + ttl - datetime.timedelta(minutes=5) < expires <= now + ttl + datetime.timedelta(minutes=5), (
            f"{resource.urn}: expiry {expires} is not deploy time + TTL"
        )


def test_nothing_outside_the_prs_own_names_and_nothing_protected_goes_with_the_stack(pr42: harness.Plan) -> None:
    """Destroying pr-42 must only delete what pr-42 created: every resource is named for it, none is
    protected or retained, none lives in another account, and the stack reads no other stack."""
    own = "failsafe-pr-42"
    assert not pr42.by_type(harness.STACK_REFERENCE), "a preview stack must not read other stacks"
    for resource in pr42.resources:
        assert not resource.protect and not resource.retain_on_delete, f"{resource.urn} is protected/retained"
        if not resource.custom or resource.type.startswith(harness.PROVIDER_PREFIX):
            continue
        identity = [
            str(resource.inputs.get(k, "")) for k in ("name", "repository", "role", "function", "functionName", "tags")
        ]
        assert any(own in value for value in identity), f"{resource.urn} is not one of {own}'s own resources"
    accounts = [json.loads(p.inputs["allowedAccountIds"]) for p in pr42.by_type("pulumi:providers:aws")]
    assert accounts == [[PREVIEW_ACCOUNT]], f"a preview stack may only act in the preview account: {accounts}"


def test_ci_built_image_is_used_by_digest_without_building_or_a_repository() -> None:
    uri = f"{PREVIEW_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/failsafe-previews@{DIGEST}"
    p = plan("pr-42", previewImageUri=uri)
    assert only(p, FUNCTION).inputs["imageUri"] == uri
    assert not p.by_type(IMAGE) and not p.by_type(REPOSITORY), "an image_uri from CI must not build again"
    assert p.outputs["imageDigest"] == DIGEST


def test_tag_only_image_uri_is_refused() -> None:
    with pytest.raises(PlanError, match="previewImageUri"):
        plan_stack("pr-42", {"failsafe:previewImageUri": f"{PREVIEW_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/x:latest"})


def test_outputs_are_url_function_name_and_digest(pr42: harness.Plan) -> None:
    assert pr42.outputs["url"].startswith("https://") and pr42.outputs["url"].endswith(".on.aws/")
    assert pr42.outputs["functionName"] == "failsafe-pr-42"
    assert pr42.outputs["imageDigest"].startswith("sha256:")


def valid_args(**changes: Any) -> PreviewFunctionArgs:
    base = PreviewFunctionArgs(
        name_prefix="failsafe",
        pr_number=7,
        branch="b",
        commit="0123abc",
        expires_at="2026-01-01T00:00:00Z",
        app_dir="app",
    )
    return PreviewFunctionArgs(**(base.__dict__ | changes))


@pytest.mark.parametrize(
    ("arg", "value"),
    [
        ("image_uri", "registry.example/app:latest"),
        ("architecture", "amd64"),
        ("invoke_mode", "STREAM"),
        ("reserved_concurrency", -1),
        ("pr_number", 0),
        ("name_prefix", "Failsafe"),
        ("expires_at", "tomorrow"),
    ],
)
def test_args_are_validated_with_a_message_naming_the_arg(arg: str, value: Any) -> None:
    valid_args().validate()
    with pytest.raises(ComponentArgsError, match=rf"PreviewFunctionArgs\.{arg}="):
        valid_args(**{arg: value}).validate()


def test_tag_value_replaces_characters_aws_refuses_and_truncates() -> None:
    assert tag_value("feat/x#1 'y'") == "feat/x_1 _y_"
    assert len(tag_value("x" * 300)) == 256


# --- CI access: the OIDC doors the workflows use -------------------------------------------------------

OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
REPO = "example-org/failsafe"


def roles_by_name(p: harness.Plan) -> dict[str, harness.PlannedResource]:
    return {r.inputs["name"]: r for r in p.by_type(ROLE)}


def account_of(p: harness.Plan, resource: harness.PlannedResource) -> str:
    provider = next(r for r in p.resources if r.urn == resource.provider_urn)
    return json.loads(provider.inputs["allowedAccountIds"])[0]


@pytest.mark.parametrize(
    ("stack", "role", "account", "subjects"),
    [
        ("prod", "failsafe-ci-prod", "111111111111", [f"repo:{REPO}:environment:prod"]),
        ("dr", "failsafe-ci-dr", "222222222222", [f"repo:{REPO}:environment:dr"]),
        (
            "prod",
            "failsafe-ci-preview",
            PREVIEW_ACCOUNT,
            [f"repo:{REPO}:pull_request", f"repo:{REPO}:environment:preview-reaper"],
        ),
    ],
)
def test_ci_entry_roles_trust_only_this_repository_and_its_environment(
    plan_for: Callable[[str], harness.Plan], stack: str, role: str, account: str, subjects: list[str]
) -> None:
    p = plan_for(stack)
    entry = roles_by_name(p).get(role)
    assert entry is not None, f"{stack}: no CI role {role} (roles: {sorted(roles_by_name(p))})"
    assert account_of(p, entry) == account, f"{entry.urn} is not in account {account}"
    oidc = [o for o in p.by_type(OIDC) if account_of(p, o) == account]
    assert len(oidc) == 1 and oidc[0].inputs["url"] == "https://token.actions.githubusercontent.com"
    assert oidc[0].inputs["clientIdLists"] == ["sts.amazonaws.com"]
    (statement,) = json.loads(entry.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Federated": oidc[0].outputs["arn"]}, f"{entry.urn}: {statement}"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": subjects,
        }
    }, f"{entry.urn}: trust is wider or different than expected: {statement['Condition']}"


def test_ci_entry_roles_can_only_assume_their_stacks_deploy_roles(plan_for: Callable[[str], harness.Plan]) -> None:
    """Each entry role reaches the deploy roles its stack's providers assume, nothing else (prod: prod and the
    preview account, where prod's providers also deploy)."""
    expected = {
        "failsafe-ci-prod": [
            "arn:aws:iam::111111111111:role/failsafe-deploy",
            f"arn:aws:iam::{PREVIEW_ACCOUNT}:role/failsafe-deploy",
        ],
        "failsafe-ci-dr": "arn:aws:iam::222222222222:role/failsafe-deploy",
        "failsafe-ci-preview": f"arn:aws:iam::{PREVIEW_ACCOUNT}:role/failsafe-preview-deploy",
    }
    seen = {}
    for stack in ("prod", "dr"):
        p = plan_for(stack)
        for policy in p.by_type("aws:iam/rolePolicy:RolePolicy"):
            if policy.inputs["role"] in expected:
                seen[policy.inputs["role"]] = json.loads(policy.inputs["policy"])["Statement"]
    for role, target in expected.items():
        assert seen.get(role) == [
            {"Sid": "AssumeTheDeployRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target}
        ], f"{role}: {seen.get(role)}"


def test_preview_stacks_deploy_with_the_scoped_role_prod_creates(plan_for: Callable[[str], harness.Plan]) -> None:
    prod_roles = roles_by_name(plan_for("prod"))
    deploy = prod_roles.get("failsafe-preview-deploy")
    assert deploy is not None, "prod must create the preview deploy role in the preview account"
    (provider,) = plan_for("pr-42").by_type("pulumi:providers:aws")
    assumed = json.loads(provider.inputs["assumeRoles"])[0]["roleArn"]
    assert assumed == deploy.outputs["arn"], f"pr-42 assumes {assumed}, prod creates {deploy.outputs['arn']}"
    trust = json.loads(deploy.inputs["assumeRolePolicy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"AWS": prod_roles["failsafe-ci-preview"].outputs["arn"]}]


def test_preview_deploy_role_reaches_only_preview_named_resources(plan_for: Callable[[str], harness.Plan]) -> None:
    p = plan_for("prod")
    (scope,) = [r for r in p.by_type("aws:iam/rolePolicy:RolePolicy") if r.inputs["role"] == "failsafe-preview-deploy"]
    account_wide = {"ecr:GetAuthorizationToken", "logs:DescribeLogGroups"}  # actions without resource scope
    for statement in json.loads(scope.inputs["policy"])["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any("*" in a for a in actions), f"{statement['Sid']}: wildcard action in {actions}"
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            if resource == "*":
                assert set(actions) <= account_wide, f"{statement['Sid']}: {actions} on every resource"
            else:
                assert f":{PREVIEW_ACCOUNT}:" in resource and ("failsafe-pr-*" in resource), (
                    f"{statement['Sid']}: {resource} is not a preview-named resource of the preview account"
                )


def test_preview_deploy_role_covers_every_service_a_preview_stack_uses(
    plan_for: Callable[[str], harness.Plan],
) -> None:
    p = plan_for("prod")
    (scope,) = [r for r in p.by_type("aws:iam/rolePolicy:RolePolicy") if r.inputs["role"] == "failsafe-preview-deploy"]
    services = {
        a.split(":")[0]
        for s in json.loads(scope.inputs["policy"])["Statement"]
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    aws_types = {r.type for r in plan_for("pr-42").resources if r.type.startswith("aws:") and r.custom}
    needed = {
        {"cloudwatch": "logs"}.get(t.split(":")[1].split("/")[0], t.split(":")[1].split("/")[0]) for t in aws_types
    }
    assert needed <= services, f"the preview deploy role lacks {needed - services}"


@pytest.mark.parametrize(
    ("arg", "value"),
    [
        ("github_repository", "example-org/*"),
        ("account_id", "1234"),
        ("environment", "Prod"),
        ("deploy_role_name", "failsafe-deploy"),
    ],
)
def test_ci_access_args_are_validated_with_a_message_naming_the_arg(arg: str, value: str) -> None:
    from failsafe_components.ci_access import CiAccessArgs

    good = CiAccessArgs(
        "failsafe", REPO, PREVIEW_ACCOUNT, "eu-west-1", "preview", "failsafe-preview-deploy", preview=True
    )
    good.validate()
    with pytest.raises(ComponentArgsError, match=rf"CiAccessArgs\.{arg}="):
        CiAccessArgs(**(good.__dict__ | {arg: value})).validate()


def test_preview_execution_roles_carry_the_boundary_the_deploy_role_requires(
    plan_for: Callable[[str], harness.Plan],
) -> None:
    prod = plan_for("prod")
    (boundary,) = [r for r in prod.by_type("aws:iam/policy:Policy") if r.inputs["name"] == "failsafe-preview-boundary"]
    assert account_of(prod, boundary) == PREVIEW_ACCOUNT
    exec_role = only(plan_for("pr-42"), ROLE)
    assert exec_role.inputs.get("permissionsBoundary") == boundary.outputs["arn"], (
        f"{exec_role.urn}: boundary {exec_role.inputs.get('permissionsBoundary')} != {boundary.outputs['arn']}"
    )
    policies = prod.by_type("aws:iam/rolePolicy:RolePolicy")
    (scope,) = [r for r in policies if r.inputs["role"] == "failsafe-preview-deploy"]
    statements = json.loads(scope.inputs["policy"])["Statement"]
    granting = [s for s in statements if {"iam:CreateRole", "iam:PutRolePolicy"} & set(s["Action"])]
    assert granting and all(
        s["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": boundary.outputs["arn"]}} for s in granting
    ), f"CreateRole/PutRolePolicy must require the boundary: {granting}"
    assert not any("PermissionsBoundary" in a or "AttachRolePolicy" in a for s in statements for a in s["Action"])
    (allowed,) = json.loads(boundary.inputs["policy"])["Statement"]
    assert allowed["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"], allowed
